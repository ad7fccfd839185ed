"""Two people editing the same record: the second save is refused, nothing is overwritten."""

from django.test import Client
from django.urls import reverse

from tracking.models import Action, Assessment


def _loaded_form(client, url) -> dict:
    form = client.get(url).context["form"]
    return {name: form[name].value() for name in form.fields if form[name].value() is not None}


def test_the_second_of_two_edits_loaded_at_the_same_version_is_refused(
    tjk_action, tjk_focal, tjk_coordinator
):
    url = reverse("tracking:action_edit", args=[tjk_action.pk])
    focal, coordinator = Client(), Client()
    focal.force_login(tjk_focal)
    coordinator.force_login(tjk_coordinator)
    first, second = _loaded_form(focal, url), _loaded_form(coordinator, url)
    assert first["version"] == second["version"] == 1

    assert focal.post(url, first | {"title": "Strategy adopted", "progress": 50}).status_code == 302
    refused = coordinator.post(url, second | {"title": "Strategy postponed", "status": "delayed"})

    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Someone else saved this record after you opened it" in page
    assert "Title: National strategy on countering terrorism financing → Strategy adopted" in page
    assert "Progress (%): 10 → 50" in page
    action = Action.objects.get()
    assert (action.title, action.status, action.progress, action.version) == (
        "Strategy adopted",
        "in_progress",
        50,
        2,
    )


def test_saving_again_after_seeing_the_conflict_replaces_the_values(
    client, tjk_action, tjk_focal, tjk_coordinator
):
    url = reverse("tracking:action_edit", args=[tjk_action.pk])
    client.force_login(tjk_coordinator)
    stale = _loaded_form(client, url)
    other = Client()
    other.force_login(tjk_focal)
    other.post(url, _loaded_form(other, url) | {"title": "Strategy adopted"})

    refused = client.post(url, stale | {"title": "Strategy postponed"})
    again = client.post(url, refused.context["form"].data)

    assert again.status_code == 302
    assert Action.objects.get().title == "Strategy postponed"


def test_an_edit_opened_before_a_progress_update_is_refused(client, tjk_action, tjk_focal):
    client.force_login(tjk_focal)
    url = reverse("tracking:action_edit", args=[tjk_action.pk])
    stale = _loaded_form(client, url)
    client.post(
        reverse("tracking:update_create", args=[tjk_action.pk]),
        {"date": "2026-04-01", "narrative": "Done.", "status": "completed", "progress": 100},
    )

    refused = client.post(url, stale | {"title": "Renamed"})

    assert "Status: In progress → Completed" in refused.content.decode()
    assert Action.objects.get().title == "National strategy on countering terrorism financing"


def test_two_ratings_of_the_same_paragraph_loaded_together_keep_the_first(
    cycle, tajikistan, tjk_action, tjk_focal, tjk_coordinator
):
    url = reverse("tracking:assessment_edit", args=["TJK", cycle.pk, 6])
    focal, coordinator = Client(), Client()
    focal.force_login(tjk_focal)
    coordinator.force_login(tjk_coordinator)
    first, second = _loaded_form(focal, url), _loaded_form(coordinator, url)

    focal.post(url, first | {"rating": "partially", "justification": "Half done."})
    refused = coordinator.post(url, second | {"rating": "not_started"})

    assert "Someone else saved this record" in refused.content.decode()
    assert Assessment.objects.get().rating == "partially"
    at_version_1 = _loaded_form(coordinator, url)
    focal.post(url, _loaded_form(focal, url) | {"rating": "substantially"})
    stale = coordinator.post(url, at_version_1 | {"rating": "not_started"})
    assert "Rating: Partially implemented → Substantially implemented" in stale.content.decode()
