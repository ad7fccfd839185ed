"""Progress updates: they go into the open draft and move the action at once."""

from django.urls import reverse

from tests.conftest import new_cycle
from tracking.models import Action, ProgressUpdate, Submission


def _file(client, action, **data):
    return client.post(
        reverse("tracking:update_create", args=[action.pk]),
        {"date": "2026-04-01", "narrative": "Law adopted.", "status": "completed", "progress": 100}
        | data,
    )


def test_filing_an_update_moves_the_action_status_and_progress(client, tjk_action, tjk_focal):
    client.force_login(tjk_focal)

    response = _file(client, tjk_action)

    assert response.url == tjk_action.get_absolute_url()
    update = ProgressUpdate.objects.get()
    assert (update.submission, update.created_by) == (tjk_action.submission, tjk_focal)
    tjk_action.refresh_from_db()
    assert (tjk_action.status, tjk_action.progress, tjk_action.version) == ("completed", 100, 2)


def test_the_timeline_shows_the_newest_update_first(client, tjk_action, tjk_focal):
    client.force_login(tjk_focal)
    _file(client, tjk_action, date="2026-02-01", narrative="Draft law tabled.", progress=30)
    _file(client, tjk_action, date="2026-05-01", narrative="Law in force.", progress=100)

    page = client.get(tjk_action.get_absolute_url()).content.decode()

    assert page.index("Law in force.") < page.index("Draft law tabled.")


def test_an_update_is_refused_once_the_submission_is_submitted(client, tjk_action, tjk_focal):
    submission = tjk_action.submission
    submission.state = Submission.State.SUBMITTED
    submission.save()
    client.force_login(tjk_focal)

    response = _file(client, tjk_action)

    assert response.status_code == 403
    assert not ProgressUpdate.objects.exists()


def test_an_update_needs_a_narrative_and_a_progress_within_100(client, tjk_action, tjk_focal):
    client.force_login(tjk_focal)

    response = _file(client, tjk_action, narrative="", progress=150)

    assert set(response.context["form"].errors) == {"narrative", "progress"}
    assert not ProgressUpdate.objects.exists()


def test_last_cycles_approved_action_is_sealed_and_its_copy_in_this_cycle_takes_the_update(
    client, declaration, tjk_action, tjk_focal, tajikistan
):
    last = tjk_action.submission
    last.state = Submission.State.APPROVED
    last.save()
    last.cycle.state = last.cycle.State.CLOSED
    last.cycle.save()
    following = new_cycle(declaration, 2027)
    client.force_login(tjk_focal)
    # Opening the 2027 submission page starts the draft from the approved 2026 one.
    client.get(reverse("tracking:submission", args=["TJK", following.pk]))
    copy = Action.objects.get(carried_from=tjk_action)

    assert _file(client, tjk_action).status_code == 403
    page = client.get(tjk_action.get_absolute_url()).content.decode()
    assert "File update" not in page
    assert f'href="{copy.get_absolute_url()}"' in page

    response = _file(client, copy)

    assert response.url == copy.get_absolute_url()
    this = Submission.objects.get(participant=tajikistan, cycle__name="2027")
    assert ProgressUpdate.objects.get().submission == this == copy.submission
    tjk_action.refresh_from_db()
    copy.refresh_from_db()
    assert (tjk_action.status, copy.status) == ("in_progress", "completed")
