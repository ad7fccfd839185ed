"""The filters' select widgets write Django's own markup, without a template per option;
the cached one keeps its options until the rows they name change."""

import pytest
from django import forms
from django.forms.models import ModelChoiceIterator
from django.urls import reverse
from django.utils import translation

from declarations.models import Paragraph, Theme
from tracking.models import Participant
from tracking.widgets import (
    CachedCheckboxSelectMultiple,
    CachedSelect,
    CachedSelectMultiple,
    Select,
    read_rows,
)

CHOICES = [("", "All"), (1, "Tom & <Jerry>"), ("Group", [(2, "Two"), (3, 'Say "three"')]), (4, "4")]


@pytest.mark.parametrize("value", [None, "", 3, "4"])
@pytest.mark.parametrize("attrs", [None, {"id": "id_f", "required": True, "disabled": False}])
def test_it_renders_the_same_html_as_djangos_select(value, attrs):
    expected = forms.Select(choices=CHOICES).render("f", value, attrs)

    assert Select(choices=CHOICES).render("f", value, attrs) == expected


def test_it_marks_the_chosen_option_and_escapes_labels():
    html = Select(choices=CHOICES).render("f", 3)

    assert '<option value="3" selected>Say &quot;three&quot;</option>' in html
    assert "Tom &amp; &lt;Jerry&gt;" in html


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("chosen", [None, "", "tajikistan", "kazakhstan"])
def test_cached_options_are_djangos_options_in_every_language(
    language, chosen, tajikistan, kazakhstan
):
    field = forms.ModelChoiceField(
        Participant.objects.all(), empty_label="All", widget=CachedSelect(depends_on=("name",))
    )
    value = {"tajikistan": tajikistan.pk, "kazakhstan": kazakhstan.pk}.get(chosen, chosen)
    with translation.override(language):
        django = forms.Select(choices=field.choices).render("p", value, {"id": "id_p"})
        built = field.widget.render("p", value, {"id": "id_p"})  # builds the options
        kept = field.widget.render("p", value, {"id": "id_p"})  # from the cache

    assert built == kept == django
    assert ("Таджикистан" in kept) == (language == "ru")


@pytest.mark.parametrize("chosen", [[], ["tajikistan"], ["tajikistan", "kazakhstan"]])
def test_cached_multiple_choices_are_djangos_and_mark_every_chosen_one(
    chosen, tajikistan, kazakhstan
):
    field = forms.ModelMultipleChoiceField(
        Participant.objects.all(),
        widget=CachedSelectMultiple(depends_on=("name",)),
    )
    value = [{"tajikistan": tajikistan.pk, "kazakhstan": kazakhstan.pk}[c] for c in chosen]
    django = forms.SelectMultiple(choices=field.choices).render("p", value, {"id": "id_p"})
    built = field.widget.render("p", value, {"id": "id_p"})
    kept = field.widget.render("p", value, {"id": "id_p"})

    assert built == kept == django
    assert kept.count(" selected>") == len(chosen)


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("chosen", [[], ["tajikistan"], ["tajikistan", "kazakhstan"]])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_p"}, {"disabled": True, "aria-invalid": "true", "id": "id_p"}],
)
def test_cached_checkboxes_are_djangos_and_check_every_chosen_one(
    language, chosen, attrs, tajikistan, kazakhstan
):
    field = forms.ModelMultipleChoiceField(
        Participant.objects.all(),
        widget=CachedCheckboxSelectMultiple(attrs={"class": "list"}, depends_on=("name",)),
    )
    value = [{"tajikistan": tajikistan.pk, "kazakhstan": kazakhstan.pk}[c] for c in chosen]
    with translation.override(language):
        django = forms.CheckboxSelectMultiple(attrs={"class": "list"}, choices=field.choices)
        expected = django.render("p", value, attrs)
        built = field.widget.render("p", value, attrs)
        kept = field.widget.render("p", value, attrs)

    assert built == kept == expected
    assert kept.count(" checked>") == len(chosen)
    assert ("Таджикистан" in kept) == (language == "ru")


class _Filters(forms.Form):
    participant = forms.ModelChoiceField(
        Participant.objects.all(), widget=CachedSelect(depends_on=("code", "name", "kind"))
    )
    theme = forms.ModelChoiceField(Theme.objects.all(), widget=CachedSelect(depends_on=("name",)))
    paragraph = forms.ModelChoiceField(
        Paragraph.objects.operative().select_related("declaration"),
        widget=CachedSelect(depends_on=("number", "declaration__short_title")),
    )


def test_a_forms_rows_are_read_in_one_query_and_give_the_same_options(
    declaration, tajikistan, kazakhstan, django_assert_num_queries
):
    Theme.objects.create(name="Borders", slug="borders")
    expected = str(_Filters(initial={"participant": kazakhstan.pk}))  # each widget reads its rows
    read_rows(first := _Filters(initial={"participant": kazakhstan.pk}))
    assert str(first) == expected  # writes the options kept for the rows read together
    assert f'<option value="{kazakhstan.pk}" selected>Kazakhstan</option>' in expected

    form = _Filters(initial={"participant": kazakhstan.pk})
    with django_assert_num_queries(1):
        participants, themes, paragraphs = read_rows(form)
        assert str(form) == expected

    assert sorted(participants) == sorted(
        (str(p.pk), p.code, p.name, p.kind) for p in (tajikistan, kazakhstan)
    )
    assert themes == [(str(Theme.objects.get().pk), "Borders")]
    assert len(paragraphs) == 16


class _InOneGroup(ModelChoiceIterator):
    def __iter__(self):
        yield ("States & <others>", [self.choice(participant) for participant in self.queryset])


def test_cached_checkboxes_write_djangos_groups(tajikistan, kazakhstan):
    field = forms.ModelMultipleChoiceField(
        Participant.objects.order_by("name"),
        widget=CachedCheckboxSelectMultiple(depends_on=("name",)),
    )
    field.iterator = _InOneGroup
    field.queryset = field.queryset  # the widget's choices take the new iterator
    django = forms.CheckboxSelectMultiple(choices=field.choices)

    expected = django.render("p", [kazakhstan.pk], {"id": "id_p"})

    assert field.widget.render("p", [kazakhstan.pk], {"id": "id_p"}) == expected


def test_the_cycle_form_offers_a_renamed_participant_and_the_scope_at_once(
    client, secretariat, cycle, tajikistan, kazakhstan
):
    client.force_login(secretariat)
    url = reverse("tracking:cycle_edit", args=[cycle.pk])
    checked = f'value="{kazakhstan.pk}" class="checkbox-list" id="id_participants_0" checked>'
    assert f"{checked}\n Kazakhstan</label>" in client.get(url).text

    Participant.objects.filter(pk=kazakhstan.pk).update(name="Republic of Kazakhstan")
    cycle.participants.remove(kazakhstan)
    page = client.get(url).text

    assert "Republic of Kazakhstan</label>" in page
    assert checked[:-9] + ">" in page and checked not in page


def test_the_report_form_offers_a_renamed_participant_at_once(client, secretariat, unodc):
    client.force_login(secretariat)
    assert (
        f'<option value="{unodc.pk}">{unodc.name}</option>'
        in client.get(reverse("tracking:report_request")).text
    )

    Participant.objects.filter(pk=unodc.pk).update(name="Office on Drugs and Crime")
    page = client.get(reverse("tracking:report_request")).text

    assert f'<option value="{unodc.pk}">Office on Drugs and Crime</option>' in page


def test_a_renamed_participant_shows_on_the_next_actions_list(client, secretariat, tajikistan):
    client.force_login(secretariat)
    assert "Tajikistan" in client.get(reverse("tracking:actions")).text

    Participant.objects.filter(pk=tajikistan.pk).update(name="Republic of Tajikistan")
    page = client.get(reverse("tracking:actions"), {"participant": tajikistan.pk}).text

    assert f'<option value="{tajikistan.pk}" selected>Republic of Tajikistan</option>' in page


def test_a_focal_point_is_offered_only_their_participant(
    client, secretariat, tjk_focal, kazakhstan
):
    client.force_login(secretariat)
    assert "Kazakhstan" in client.get(reverse("tracking:actions")).text  # options kept

    client.force_login(tjk_focal)
    page = client.get(reverse("tracking:actions")).text

    assert "Tajikistan" in page and "Kazakhstan" not in page
