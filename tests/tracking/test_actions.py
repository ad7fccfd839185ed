"""Filing an action: the form, where it goes, and what is refused."""

import pytest
from django.urls import reverse

from tracking.models import Action, Submission


def _form(paragraph, **overrides):
    data = {
        "paragraphs": [paragraph.pk],
        "title": "Financial intelligence unit training",
        "description": "Training for analysts.",
        "lead_institution": "National Bank",
        "partners": "UNODC",
        "start_date": "2026-02-01",
        "end_date": "2026-06-30",
        "status": "planned",
        "progress": "0",
    }
    return {**data, **overrides}


@pytest.fixture
def op6(declaration):
    return declaration.paragraphs.get(number=6)


def test_a_focal_point_files_an_action_into_the_draft_submission_of_the_open_cycle(
    client, cycle, tajikistan, tjk_focal, op6
):
    client.force_login(tjk_focal)

    response = client.post(reverse("tracking:action_create"), _form(op6, participant=tajikistan.pk))

    action = Action.objects.get()
    assert response.status_code == 302
    assert response.url == action.get_absolute_url()
    assert action.participant == tajikistan
    assert list(action.paragraphs.all()) == [op6]
    assert action.submission.cycle == cycle
    assert action.submission.state == Submission.State.DRAFT
    assert action.created_by == tjk_focal
    page = client.get(response.url).content.decode()
    assert "Financial intelligence unit training" in page
    assert "National Bank" in page


def test_the_form_preselects_the_only_participant_and_the_paragraph_asked_for(
    client, cycle, tajikistan, tjk_focal, op6
):
    client.force_login(tjk_focal)

    response = client.get(reverse("tracking:action_create") + f"?paragraph={op6.pk}")

    form = response.context["form"]
    assert form["participant"].value() == tajikistan.pk
    assert form["paragraphs"].value() == [op6.pk]
    # Only operative paragraphs are offered.
    assert form.fields["paragraphs"].queryset.count() == 16


def test_it_refuses_an_end_date_before_the_start_date(client, cycle, tajikistan, tjk_focal, op6):
    client.force_login(tjk_focal)

    response = client.post(
        reverse("tracking:action_create"),
        _form(op6, participant=tajikistan.pk, start_date="2026-06-30", end_date="2026-02-01"),
    )

    assert response.status_code == 200
    assert "The end date must not be before the start date." in response.content.decode()
    assert not Action.objects.exists()


def test_it_needs_at_least_one_paragraph_and_a_progress_within_100(
    client, cycle, tajikistan, tjk_focal, op6
):
    client.force_login(tjk_focal)

    response = client.post(
        reverse("tracking:action_create"),
        _form(op6, participant=tajikistan.pk, paragraphs=[], progress="101"),
    )

    assert set(response.context["form"].errors) == {"paragraphs", "progress"}
    assert not Action.objects.exists()


def test_it_refuses_to_file_when_no_cycle_is_open(client, cycle, tajikistan, tjk_focal, op6):
    cycle.state = cycle.State.CLOSED
    cycle.save()
    client.force_login(tjk_focal)

    response = client.post(reverse("tracking:action_create"), _form(op6, participant=tajikistan.pk))

    assert "There is no open reporting cycle" in response.content.decode()
    assert not Action.objects.exists()
    assert not Submission.objects.exists()


def test_it_refuses_to_file_into_a_submission_that_was_submitted(
    client, cycle, tajikistan, tjk_focal, op6
):
    Submission.objects.create(participant=tajikistan, cycle=cycle, state="submitted")
    client.force_login(tjk_focal)

    response = client.post(reverse("tracking:action_create"), _form(op6, participant=tajikistan.pk))

    assert "can no longer change" in response.content.decode()
    assert not Action.objects.exists()


def test_it_rejects_an_action_for_another_country(
    client, cycle, tajikistan, kazakhstan, kaz_focal, op6
):
    client.force_login(kaz_focal)

    response = client.post(reverse("tracking:action_create"), _form(op6, participant=tajikistan.pk))

    assert "participant" in response.context["form"].errors
    assert not Action.objects.exists()


def test_a_focal_point_edits_the_action_and_the_version_moves_on(client, tjk_action, tjk_focal):
    client.force_login(tjk_focal)
    url = reverse("tracking:action_edit", args=[tjk_action.pk])
    op6 = tjk_action.paragraphs.get()
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(paragraphs=[op6.pk], title="Revised strategy", progress="40")

    response = client.post(url, data)

    assert response.status_code == 302
    tjk_action.refresh_from_db()
    assert (tjk_action.title, tjk_action.progress, tjk_action.version) == (
        "Revised strategy",
        40,
        2,
    )
