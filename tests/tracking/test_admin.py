"""The admin lists every tracking model, with its filters and search. A submission and its rows
are read-only there (they change only through the pages' services) and the admin shows only what
the pages show: never a draft to anyone but its participant's members."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_pdf
from tests.tracking.filings import file_action, file_update, rate
from tracking import services
from tracking.models import Submission, User

MODELS = [
    "participant",
    "membership",
    "reportingcycle",
    "submission",
    "action",
    "progressupdate",
    "evidence",
    "assessment",
    "report",
]
SUBMISSION_MODELS = ["submission", "action", "progressupdate", "evidence", "assessment"]


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("admin", "admin@example.org", "x", is_secretariat=True)


@pytest.fixture
def rows(tjk_action, tjk_focal, private_media) -> dict:
    """One row of each model of Tajikistan's draft submission."""
    submission, cycle = tjk_action.submission, tjk_action.submission.cycle
    evidence = services.evidence_add(
        action=tjk_action,
        user=tjk_focal,
        title="Decree",
        date=None,
        upload=SimpleUploadedFile("decree.pdf", make_pdf()),
        extension="pdf",
        content_type="application/pdf",
    )
    return {
        "submission": submission,
        "action": tjk_action,
        "progressupdate": file_update(tjk_action, tjk_focal),
        "evidence": evidence,
        "assessment": rate(submission.participant, cycle, tjk_focal, 6, "in_progress"),
    }


def _seal(submission: Submission) -> None:
    submission.state = Submission.State.SUBMITTED
    submission.save()


@pytest.mark.parametrize("model", MODELS)
def test_the_admin_lists_and_searches_each_tracking_model(client, tjk_action, model):
    admin = User.objects.create_superuser("admin", "admin@example.org", "x")
    client.force_login(admin)

    listing = client.get(reverse(f"admin:tracking_{model}_changelist"), {"q": "Tajikistan"})

    assert listing.status_code == 200


def test_an_actions_history_is_browsable_in_the_admin(client, admin_user, tjk_action):
    _seal(tjk_action.submission)
    client.force_login(admin_user)

    page = client.get(reverse("admin:tracking_action_history", args=[tjk_action.pk]))

    assert page.status_code == 200
    assert "National strategy on countering terrorism financing" in page.text


@pytest.mark.parametrize("model", SUBMISSION_MODELS)
def test_the_admin_adds_changes_and_deletes_nothing_of_a_submission(
    client, admin_user, rows, model
):
    record = rows[model]
    _seal(rows["submission"])
    client.force_login(admin_user)
    change = reverse(f"admin:tracking_{model}_change", args=[record.pk])

    page = client.get(change)

    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert client.get(reverse(f"admin:tracking_{model}_add")).status_code == 403
    assert client.post(change, {}).status_code == 403
    delete = reverse(f"admin:tracking_{model}_delete", args=[record.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()


def test_the_history_shows_versions_but_reverts_none(client, admin_user, tjk_action, tjk_focal):
    services.action_edit(
        action=tjk_action,
        user=tjk_focal,
        version=tjk_action.version,
        values={"title": "Later"},
        paragraphs=list(tjk_action.paragraphs.all()),
    )
    _seal(tjk_action.submission)
    first = tjk_action.history.order_by("history_id").first()
    client.force_login(admin_user)
    url = reverse("admin:tracking_action_simple_history", args=[tjk_action.pk, first.history_id])

    page = client.get(url)
    posted = client.post(url, {"title": first.title})

    assert page.status_code == 200
    assert "Revert" not in page.text
    assert posted.status_code == 403
    tjk_action.refresh_from_db()
    assert tjk_action.title == "Later"


def test_the_admin_shows_no_draft_even_to_a_superuser(
    client, admin_user, tjk_action, kazakhstan, cycle, kaz_focal
):
    kaz_action = file_action(
        kazakhstan, cycle, kaz_focal, state=Submission.State.SUBMITTED, title="Border posts"
    )
    first = tjk_action.history.first()
    client.force_login(admin_user)

    listing = client.get(reverse("admin:tracking_action_changelist"))

    assert [a.pk for a in listing.context["cl"].result_list] == [kaz_action.pk]
    assert "National strategy" not in listing.text
    history = reverse("admin:tracking_action_history", args=[tjk_action.pk])
    assert client.get(history).status_code == 404
    version = [tjk_action.pk, first.history_id]
    assert (
        client.get(reverse("admin:tracking_action_simple_history", args=version)).status_code == 404
    )
    change = client.get(reverse("admin:tracking_action_change", args=[tjk_action.pk]))
    assert change.status_code == 302  # the admin's "does not exist", back to its index
    submissions = client.get(reverse("admin:tracking_submission_changelist"))
    assert [s.participant for s in submissions.context["cl"].result_list] == [kazakhstan]


def test_a_cycles_state_changes_only_on_the_cycles_page(client, admin_user, cycle):
    client.force_login(admin_user)

    page = client.get(reverse("admin:tracking_reportingcycle_change", args=[cycle.pk]))

    assert 'name="_save"' in page.text
    assert 'name="state"' not in page.text
    assert cycle.get_absolute_url() in page.text or "View on site" in page.text


@pytest.mark.parametrize("model", ["participant", "membership", "user", "reportingcycle"])
def test_the_admin_still_edits_participants_memberships_users_and_cycles(client, admin_user, model):
    client.force_login(admin_user)

    assert client.get(reverse(f"admin:tracking_{model}_add")).status_code == 200
