"""The forms' paragraph choices (actions, offers, needs) are kept written, per language and per
state of what their labels show: a changed paragraph, declaration or translation shows on the
next form, and each request checks its own boxes and shows its own errors."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.urls import reverse
from django.utils import translation

from declarations.models import Declaration, DeclarationVersion, Paragraph, ParagraphText, Theme
from tracking.forms import ActionCreateForm, ActionEditForm
from tracking.models import Action, Participant, Submission

NEW_ACTION = "tracking:action_create"


def _box(paragraph: Paragraph, checked: bool = False) -> str:
    # The boxes are in the order of the operative paragraphs' numbers.
    box = f'name="paragraphs" value="{paragraph.pk}" id="id_paragraphs_{paragraph.number - 1}"'
    return box + (" checked>" if checked else ">")


@pytest.fixture
def op6(declaration) -> Paragraph:
    return declaration.paragraphs.get(number=6)


@pytest.fixture
def focal(client, cycle, tjk_focal):
    client.force_login(tjk_focal)
    return client


def test_a_changed_paragraph_or_declaration_shows_on_the_next_action_form(focal, declaration, op6):
    assert (
        "OP6 (Dushanbe Declaration): Consider commitment 6</label>"
        in focal.get(reverse(NEW_ACTION)).text
    )

    Paragraph.objects.filter(pk=op6.pk).update(text="Consider it necessary " + "x" * 80)
    changed = focal.get(reverse(NEW_ACTION)).text
    Declaration.objects.filter(pk=declaration.pk).update(short_title="Dushanbe")
    renamed = focal.get(reverse(NEW_ACTION)).text
    Paragraph.objects.filter(pk=op6.pk).update(number=60)
    renumbered = focal.get(reverse(NEW_ACTION)).text

    shortened = f"Consider it necessary {'x' * 68}…</label>"
    assert f"OP6 (Dushanbe Declaration): {shortened}" in changed
    assert f"OP6 (Dushanbe): {shortened}" in renamed
    assert "OP7 (Dushanbe): Consider commitment 7</label>" in renamed
    assert "Dushanbe Declaration" not in renamed
    assert f"OP60 (Dushanbe): {shortened}" in renumbered


def test_a_new_translation_shows_on_the_next_action_form_in_its_language(focal, declaration, op6):
    english = focal.get(reverse(NEW_ACTION), HTTP_ACCEPT_LANGUAGE="en").text
    russian = focal.get(reverse(NEW_ACTION), HTTP_ACCEPT_LANGUAGE="ru").text
    assert "Consider commitment 6</label>" in english and "Consider commitment 6</label>" in russian

    version = DeclarationVersion.objects.create(declaration=declaration, language="ru")
    text = ParagraphText.objects.create(
        version=version, paragraph=op6, verb="считаем", text="считаем необходимым", text_markdown=""
    )
    assert (
        "): считаем необходимым</label>"
        in focal.get(reverse(NEW_ACTION), HTTP_ACCEPT_LANGUAGE="ru").text
    )
    ParagraphText.objects.filter(pk=text.pk).update(text="считаем важным")

    assert (
        "): считаем важным</label>"
        in focal.get(reverse(NEW_ACTION), HTTP_ACCEPT_LANGUAGE="ru").text
    )
    assert (
        "Consider commitment 6</label>"
        in focal.get(reverse(NEW_ACTION), HTTP_ACCEPT_LANGUAGE="en").text
    )


def test_each_request_checks_its_own_boxes_and_shows_its_own_errors(focal, declaration, op6):
    op7 = declaration.paragraphs.get(number=7)

    asked = focal.get(reverse(NEW_ACTION) + f"?paragraph={op6.pk}").text
    sent = focal.post(reverse(NEW_ACTION), {"paragraphs": [op7.pk], "title": ""}).text
    plain = focal.get(reverse(NEW_ACTION)).text

    assert _box(op6, checked=True) in asked and _box(op7) in asked
    assert _box(op7, checked=True) in sent and _box(op6) in sent
    assert asked.count(" checked>") == sent.count(" checked>") == 1
    assert " checked>" not in plain
    assert "This field is required." in sent and "This field is required." not in plain


def test_the_action_form_reads_the_paragraphs_labels_in_one_query_once_kept(
    focal, django_assert_num_queries
):
    with django_assert_num_queries(6):
        # the session, the user, the user's memberships; where the user may file, and with it
        # the participants to choose from (one: the participants' declarations with their open
        # cycles, the cycles' scope and the submissions); what the paragraphs' labels show; the
        # paragraphs with their declarations, to write the boxes
        focal.get(reverse(NEW_ACTION))
    with django_assert_num_queries(5):
        # the same, with the boxes kept: only what their labels show
        focal.get(reverse(NEW_ACTION))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_kept_boxes_are_djangos_markup(language, declaration, cycle, tajikistan, tjk_focal):
    submission = Submission.objects.create(participant=tajikistan, cycle=cycle)
    action = Action.objects.create(
        participant=tajikistan,
        declaration=declaration,
        submission=submission,
        title="Border posts",
        created_by=tjk_focal,
    )
    action.paragraphs.set(declaration.paragraphs.filter(number__in=[1, 2]))
    Paragraph.objects.filter(number=3).update(text="Tom & <Jerry> " + "y" * 100)
    participants = Participant.objects.filter(pk=tajikistan.pk)
    with translation.override(language):
        for form in (
            ActionCreateForm(participants=participants, initial={"paragraphs": [1]}),
            ActionCreateForm({"title": "x"}, participants=participants),
            ActionEditForm(instance=action, initial={"version": 1}),
            ActionEditForm({"paragraphs": ["2", "3"]}, instance=action),
        ):
            form.is_bound and form.is_valid()
            field = form.fields["paragraphs"]
            django = forms.CheckboxSelectMultiple(attrs=field.widget.attrs, choices=field.choices)
            form.renderer = DjangoTemplates()
            expected = form["paragraphs"].as_widget(django)

            assert str(form["paragraphs"]) == str(form["paragraphs"]) == expected


def test_a_changed_paragraph_shows_on_the_next_need_form(focal, cycle, op6):
    url = reverse("tracking:need_create", args=["TJK", cycle.pk])
    assert f'<option value="{op6.pk}">OP6 (Dushanbe Declaration): Consider commitment 6<' in (
        focal.get(url).text
    )

    Paragraph.objects.filter(pk=op6.pk).update(text="Consider anew")

    assert f'<option value="{op6.pk}">OP6 (Dushanbe Declaration): Consider anew<' in (
        focal.get(url).text
    )


def test_a_renamed_theme_and_a_changed_paragraph_show_on_the_next_offer_form(
    client, cycle, provider, op6
):
    theme = Theme.objects.create(name="Border security", slug="border-security")
    client.force_login(provider)
    assert "Border security</label>" in client.get(reverse("tracking:offer_create")).text

    Theme.objects.filter(pk=theme.pk).update(name="Borders")
    Paragraph.objects.filter(pk=op6.pk).update(text="Consider anew")
    page = client.get(reverse("tracking:offer_create")).text

    assert "Borders</label>" in page and "Border security" not in page
    assert "OP6 (Dushanbe Declaration): Consider anew</label>" in page
