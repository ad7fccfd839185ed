"""The admin shows a superuser of the secretariat what the pages show the secretariat, and no
more: no evidence marked "Participant only", no record of another participant named in a
version's form, no report that may hold a participant's drafts."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_pdf
from tests.tracking.filings import file_action
from tracking import services
from tracking.models import Evidence, Report, ReportDownload, Submission, User


@pytest.fixture
def admin_user(db) -> User:
    return User.objects.create_superuser("admin", "admin@example.org", "x", is_secretariat=True)


def _seal(submission: Submission) -> None:
    submission.state = Submission.State.SUBMITTED
    submission.save()


def _evidence(action, user, title, visibility) -> Evidence:
    return services.evidence_add(
        action=action,
        user=user,
        title=title,
        date=None,
        upload=SimpleUploadedFile("memo.pdf", make_pdf()),
        extension="pdf",
        content_type="application/pdf",
        visibility=visibility,
    )


def test_participant_only_evidence_stays_out_of_the_admin_even_for_a_superuser(
    client, admin_user, tjk_action, tjk_focal, private_media
):
    shared = _evidence(tjk_action, tjk_focal, "Shared decree", "participant_and_secretariat")
    private = _evidence(tjk_action, tjk_focal, "Internal memo", Evidence.Visibility.PARTICIPANT)
    _seal(tjk_action.submission)
    client.force_login(admin_user)

    listing = client.get(reverse("admin:tracking_evidence_changelist"))
    change = client.get(reverse("admin:tracking_evidence_change", args=[private.pk]))
    history = client.get(reverse("admin:tracking_evidence_history", args=[private.pk]))
    version = private.history.get().history_id
    version_page = client.get(
        reverse("admin:tracking_evidence_simple_history", args=[private.pk, version])
    )

    assert [e.pk for e in listing.context["cl"].result_list] == [shared.pk]
    assert "Internal memo" not in listing.text
    assert change.status_code == 302  # the admin's "does not exist", back to its index
    assert change.url == reverse("admin:index")
    assert history.status_code == 404
    assert version_page.status_code == 404


@pytest.mark.parametrize("model", ["action", "evidence"])
def test_a_version_page_names_no_record_of_another_participant(
    client, admin_user, tjk_action, tjk_focal, kazakhstan, cycle, kaz_focal, private_media, model
):
    kaz_action = file_action(kazakhstan, cycle, kaz_focal, title="Kazakh draft plan")
    Evidence.objects.create(
        action=kaz_action, submission=kaz_action.submission, title="Kazakh draft memo",
        url="https://example.org/memo", uploaded_by=kaz_focal,
    )  # fmt: skip
    shared = "participant_and_secretariat"
    record = tjk_action if model == "action" else _evidence(tjk_action, tjk_focal, "Decree", shared)
    _seal(tjk_action.submission)
    client.force_login(admin_user)
    version = record.history.first().history_id

    page = client.get(reverse(f"admin:tracking_{model}_simple_history", args=[record.pk, version]))

    assert page.status_code == 200
    assert "Kazakh draft" not in page.text


@pytest.fixture
def reports(tjk_action, tjk_focal, secretariat, private_media) -> dict[str, Report]:
    """A ready report of Tajikistan's focal point (it may hold drafts) and one of the
    secretariat's (submitted and approved records only)."""
    made = {}
    for name, user, drafts in [("focal", tjk_focal, True), ("secretariat", secretariat, False)]:
        report = Report.objects.create(
            requested_by=user,
            declaration=tjk_action.declaration,
            format=Report.Format.CSV,
            table=Report.Table.ACTIONS,
            state=Report.State.SUCCEEDED,
            includes_drafts=drafts,
        )
        report.file.save("actions.csv", ContentFile(b"title\n"))
        made[name] = report
    return made


def test_the_admin_shows_no_report_that_may_hold_drafts_and_deletes_none(
    client, admin_user, reports
):
    client.force_login(admin_user)
    focal, shared = reports["focal"], reports["secretariat"]

    listing = client.get(reverse("admin:tracking_report_changelist"))
    change = client.get(reverse("admin:tracking_report_change", args=[focal.pk]))
    history = client.get(reverse("admin:tracking_report_history", args=[focal.pk]))
    shared_page = client.get(reverse("admin:tracking_report_change", args=[shared.pk]))
    deleted = [
        client.post(reverse("admin:tracking_report_delete", args=[r.pk]), {"post": "yes"})
        for r in (focal, shared)
    ]

    assert [r.pk for r in listing.context["cl"].result_list] == [shared.pk]
    assert (change.status_code, change.url) == (302, reverse("admin:index"))
    assert (history.status_code, history.url) == (302, reverse("admin:index"))
    # A report is deleted only by its requester, on My reports, with its file.
    assert shared_page.status_code == 200
    assert 'name="_save"' not in shared_page.text
    assert [response.status_code for response in deleted] == [403, 403]
    assert Report.objects.count() == 2


@pytest.mark.parametrize("downloads", [1, 50])
def test_a_reports_admin_page_lists_its_newest_downloads_in_constant_queries(
    downloads, client, admin_user, reports, secretariat, tjk_focal, django_assert_num_queries
):
    shared = reports["secretariat"]
    ReportDownload.objects.bulk_create(
        ReportDownload(report=shared, user=user)
        for user in [tjk_focal] * (downloads - 1) + [secretariat]
    )
    client.force_login(admin_user)
    url = reverse("admin:tracking_report_change", args=[shared.pk])
    client.get(url)  # the content types' cache fills once per process

    # session, user, the report, its requester, declaration and participants, the paragraphs
    # offered, and the newest 20 downloads with their users (and report: no query per row).
    with django_assert_num_queries(8):
        page = client.get(url)

    assert page.status_code == 200
    rows = page.context["inline_admin_formsets"][0].formset.forms
    assert len(rows) == min(downloads, 20)
    assert rows[0].instance.user == secretariat  # the newest first
