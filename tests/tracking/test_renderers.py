"""The Python form renderer writes exactly what Django's widget and label templates write."""

import datetime

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from tracking.forms import (
    ActionCreateForm,
    ActionEditForm,
    EvidenceForm,
    ProfileForm,
    ProgressUpdateForm,
)
from tracking.models import Action, Participant, ProgressUpdate, Submission
from tracking.renderers import PythonRenderer, field_html

CHOICES = [("", "All"), (1, "Tom & <Jerry>"), ("Group", [(2, "Two"), (3, 'Say "three"')])]


class Everything(forms.Form):
    text = forms.CharField(label="Name <b>", help_text="Help & <em>more</em>", max_length=5)
    optional = forms.CharField(required=False, label="Optional?")
    number = forms.IntegerField(widget=forms.NumberInput(attrs={"min": 0, "max": 100}))
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    address = forms.URLField(required=False, assume_scheme="https")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    choice = forms.ChoiceField(choices=CHOICES)
    several = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)
    boxes = forms.MultipleChoiceField(choices=CHOICES[1:], widget=forms.CheckboxSelectMultiple)
    boxes_with_class = forms.MultipleChoiceField(
        choices=CHOICES[1:],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "columns"}),
        required=False,
    )
    agree = forms.BooleanField(required=False)
    must_agree = forms.BooleanField(help_text="Say yes")
    one = forms.ChoiceField(choices=CHOICES[1:], widget=forms.RadioSelect, help_text="Only one")
    upload = forms.FileField(required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    disabled = forms.CharField(disabled=True, required=False, initial='a "quoted" <value>')


def _compare(form_class, *args, **kwargs) -> int:
    """Each field, its label and legend, through both renderers: how many were compared."""
    form = form_class(*args, **kwargs)
    form.is_bound and form.is_valid()

    def written(renderer) -> list[str]:
        form.renderer = renderer
        return [
            html for field in form for html in (str(field), field.label_tag(), field.legend_tag())
        ]

    assert written(PythonRenderer()) == written(DjangoTemplates())
    # And each field with its label, help and errors, as includes/_form.html writes it.
    form.renderer = PythonRenderer()
    for field in form.visible_fields():
        assert field_html(field) == render_to_string("includes/_field.html", {"field": field})
    return len(form.fields)


@pytest.mark.parametrize("auto_id", ["id_%s", "x_%s", ""])
def test_every_widget_of_an_unbound_form_is_the_same(auto_id):
    assert _compare(Everything, auto_id=auto_id, initial={"choice": 3, "boxes": [1, 3]}) == 16


def test_every_widget_of_a_form_with_errors_is_the_same():
    data = {
        "text": "far too long <script>",
        "number": "101x",
        "day": "not a date",
        "address": "javascript:alert(1)",
        "note": "  line\none  ",
        "choice": "9",
        "several": ["1", "2"],
        "boxes": ["2"],
        "one": "7",
        "secret": '"><b>',
    }
    files = {"upload": SimpleUploadedFile("a.pdf", b"%PDF")}

    assert _compare(Everything, data, files) == 16


@pytest.mark.parametrize("language", ["en", "ar", "ru"])
def test_the_forms_of_actions_updates_and_evidence_are_the_same(
    language, declaration, cycle, tajikistan, tjk_focal
):
    submission = Submission.objects.create(participant=tajikistan, cycle=cycle)
    action = Action.objects.create(
        participant=tajikistan,
        declaration=declaration,
        submission=submission,
        title="Border & <posts>",
        lead_institution="Ministry",
        created_by=tjk_focal,
    )
    action.paragraphs.set(declaration.paragraphs.filter(number__in=[1, 2]))
    ProgressUpdate.objects.create(
        action=action,
        submission=submission,
        date=datetime.date(2026, 3, 1),
        narrative="Started",
        status=Action.Status.IN_PROGRESS,
        progress=10,
        created_by=tjk_focal,
    )
    participants = Participant.objects.filter(pk=tajikistan.pk)
    with translation.override(language):
        _compare(ActionCreateForm, participants=participants, initial={"paragraphs": [1]})
        _compare(ActionCreateForm, {"title": "x"}, participants=participants)
        _compare(ActionEditForm, instance=action, initial={"version": 1})
        _compare(ActionEditForm, {"progress": "101"}, instance=action)
        _compare(ProgressUpdateForm, initial={"date": timezone.localdate(), "status": "delayed"})
        _compare(ProgressUpdateForm, {"narrative": "<b>x</b>"})
        _compare(EvidenceForm, action=action, auto_id="evidence_%s")
        _compare(EvidenceForm, {"title": "t", "url": "ftp://x"}, action=action)


def _boxes_compared(form) -> int:
    """Each visible field through includes/_field.html and `field_html`: how many."""
    form.is_bound and form.is_valid()
    for field in form.visible_fields():
        assert field_html(field) == render_to_string("includes/_field.html", {"field": field})
    return len(form.visible_fields())


@pytest.mark.parametrize("auto_id", ["id_%s", ""])
def test_every_field_box_is_the_templates(auto_id, tajikistan, tjk_focal):
    participants = Participant.objects.filter(pk=tajikistan.pk)
    invalid = {"text": "far too long <script>", "number": "x", "boxes": ["9"], "agree": "on"}

    assert _boxes_compared(Everything(auto_id=auto_id)) == 15
    assert _boxes_compared(Everything(invalid, auto_id=auto_id)) == 15
    # Checkbox lists in a fieldset, with help; a lone checkbox before its label.
    assert _boxes_compared(ActionCreateForm(participants=participants, auto_id=auto_id)) == 10
    assert _boxes_compared(ActionCreateForm({"paragraphs": ["x"]}, participants=participants))
    assert _boxes_compared(ProfileForm(instance=tjk_focal, auto_id=auto_id)) == 4
    assert _boxes_compared(ProfileForm({"email": "<not an address>"}, instance=tjk_focal)) == 4


def test_a_form_page_writes_its_fields_boxes_as_the_template_does(client, cycle, tjk_focal):
    client.force_login(tjk_focal)
    page = client.post(reverse("tracking:action_create"), {"title": "x" * 300}).text
    form = ActionCreateForm(
        {"title": "x" * 300}, participants=Participant.objects.filter(code="TJK")
    )
    form.is_valid()

    for field in form.visible_fields():
        box = render_to_string("includes/_field.html", {"field": field})
        if field.name != "participant":  # the page marks the only one chosen
            assert box in page
