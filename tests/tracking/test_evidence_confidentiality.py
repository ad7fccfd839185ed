"""Who sees an evidence item is its level: "Participant only" items are hidden from the
secretariat on every page, download and report; every download is logged for the coordinators
and the secretariat."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import make_pdf
from tests.tracking.filings import file_action
from tracking import services
from tracking.models import Action, Evidence, EvidenceDownload, Submission
from tracking.reports import csv as csv_report
from tracking.reports.data import ReportData

from .conftest import request_report
from .test_report_writers import build_both_ways, sheet_rows

pytestmark = pytest.mark.django_db

SECRET = "Internal memo on informants"
SHARED = "Published decree"


def _add(action, user, title, visibility):
    return services.evidence_add(
        action=action,
        user=user,
        title=title,
        date=None,
        upload=SimpleUploadedFile(f"{title}.pdf", make_pdf()),
        extension="pdf",
        content_type="application/pdf",
        visibility=visibility,
    )


@pytest.fixture
def filed(cycle, tajikistan, tjk_focal, private_media):
    """A Tajik action with a "Participant only" item and a shared one, then submitted."""
    action = file_action(tajikistan, cycle, tjk_focal, status=Action.Status.IN_PROGRESS)
    secret = _add(action, tjk_focal, SECRET, Evidence.Visibility.PARTICIPANT)
    shared = _add(action, tjk_focal, SHARED, Evidence.Visibility.PARTICIPANT_AND_SECRETARIAT)
    Submission.objects.filter(pk=action.submission_id).update(state=Submission.State.SUBMITTED)
    return action, secret, shared


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _page(client, user, action) -> str:
    client.force_login(user)
    response = client.get(reverse("tracking:action", args=[action.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_secretariat_sees_neither_a_participant_only_item_nor_its_history(
    client, filed, secretariat
):
    action, secret, shared = filed

    page = _page(client, secretariat, action)

    assert SECRET not in page
    assert SHARED in page
    assert f"evidence “{SHARED}”" in page  # the history names the shared item only
    assert f"evidence “{SECRET}”" not in page


def test_the_focal_point_sees_both_items_and_their_history(client, filed, tjk_focal):
    action, secret, shared = filed

    page = _page(client, tjk_focal, action)

    assert SECRET in page and SHARED in page
    assert f"evidence “{SECRET}”" in page
    assert "Who may see it: Participant only" in page


def test_the_secretariat_cannot_download_a_participant_only_item(
    client, filed, secretariat, tjk_focal
):
    action, secret, shared = filed
    client.force_login(secretariat)

    assert client.get(reverse("tracking:evidence_download", args=[secret.pk])).status_code == 404
    assert client.get(reverse("tracking:evidence_download", args=[shared.pk])).status_code == 200

    client.force_login(tjk_focal)
    response = client.get(reverse("tracking:evidence_download", args=[secret.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_submission_page_counts_only_what_the_user_sees(client, filed, secretariat, tjk_focal):
    action, *_ = filed
    url = action.submission.get_absolute_url()

    client.force_login(secretariat)
    assert "1 evidence item" in client.get(url).content.decode()
    client.force_login(tjk_focal)
    assert "2 evidence items" in client.get(url).content.decode()


def test_a_secretariat_report_leaves_out_participant_only_items(
    build_report, filed, secretariat, tjk_focal
):
    _, content = build_report(secretariat, format="xlsx")
    titles = [row[4] for row in sheet_rows(content, "Evidence")[1:]]
    assert titles == [SHARED]

    _, content = build_report(secretariat, format="csv", table="evidence")
    assert SHARED in content.decode() and SECRET not in content.decode()

    _, content = build_report(tjk_focal, format="csv", table="evidence")
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert {row[4] for row in rows[1:]} == {SECRET, SHARED}


@pytest.mark.postgresql  # COPY is PostgreSQL's: the CI runs it in its PostgreSQL pass
def test_on_postgresql_copy_leaves_them_out_as_python_does(
    client, filed, secretariat, declaration, cycle, tmp_path, monkeypatch
):
    report = request_report(client, secretariat, declaration, cycle, format="csv")

    by_copy, by_python = build_both_ways(csv_report.build, report, tmp_path, monkeypatch)

    assert by_copy == by_python
    evidence = next(content for name, content in by_copy.items() if "evidence" in name)
    assert SHARED.encode() in evidence and SECRET.encode() not in evidence
    assert ReportData(report).tables()["evidence"].queryset.count() == 1


def test_any_level_of_evidence_counts_for_fully_implemented(cycle, tajikistan, tjk_focal):
    action = file_action(tajikistan, cycle, tjk_focal, numbers=(6,))
    _add(action, tjk_focal, SECRET, Evidence.Visibility.PARTICIPANT)
    paragraph = action.paragraphs.get()

    assert Evidence.objects.supporting(action.submission, paragraph).exists()


def test_the_evidence_form_offers_the_three_levels(client, cycle, tajikistan, tjk_focal):
    action = file_action(tajikistan, cycle, tjk_focal)

    page = _page(client, tjk_focal, action)

    assert '<label for="evidence_visibility">Who may see it' in page
    for label in ("Public once published", "Participant and secretariat", "Participant only"):
        assert label in page
    assert '<option value="participant_and_secretariat" selected>' in page


def test_the_level_chosen_in_the_form_is_stored_and_carried_forward(
    client, cycle, tajikistan, tjk_focal, private_media
):
    action = file_action(tajikistan, cycle, tjk_focal)
    client.force_login(tjk_focal)
    page = client.get(reverse("tracking:action", args=[action.pk])).content.decode()
    token = page.split('name="form_token" value="', 2)[2].split('"', 1)[0]

    response = client.post(
        reverse("tracking:evidence_create", args=[action.pk]),
        {"title": "Link", "url": "https://example.org/x", "visibility": "participant",
         "form_token": token},
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Evidence.objects.get(title="Link").visibility == Evidence.Visibility.PARTICIPANT
    assert "visibility" in Evidence.CARRIED_FIELDS


def test_downloads_are_logged_and_the_log_answers_per_role(
    client, filed, secretariat, tjk_focal, tjk_coordinator, tjk_viewer, kaz_focal
):
    action, secret, shared = filed
    client.force_login(tjk_focal)
    client.get(reverse("tracking:evidence_download", args=[secret.pk]))
    client.force_login(secretariat)
    client.get(reverse("tracking:evidence_download", args=[shared.pk]))

    assert [(d.evidence, d.user) for d in EvidenceDownload.objects.order_by("pk")] == [
        (secret, tjk_focal),
        (shared, secretariat),
    ]
    expected = {
        tjk_coordinator: {secret: 200, shared: 200},
        secretariat: {secret: 404, shared: 200},
        tjk_focal: {secret: 403, shared: 403},
        tjk_viewer: {secret: 403, shared: 403},
        kaz_focal: {secret: 404, shared: 404},
    }
    for user, answers in expected.items():
        client.force_login(user)
        for item, status in answers.items():
            url = reverse("tracking:evidence_downloads", args=[item.pk])
            assert client.get(url).status_code == status, (user, item)

    client.force_login(tjk_coordinator)
    page = client.get(reverse("tracking:evidence_downloads", args=[secret.pk])).content.decode()
    assert _name(tjk_focal) in page


def test_the_log_is_linked_for_coordinators_and_the_secretariat_only(
    client, filed, secretariat, tjk_coordinator, tjk_focal
):
    action, secret, shared = filed

    coordinator = _page(client, tjk_coordinator, action)
    assert reverse("tracking:evidence_downloads", args=[secret.pk]) in coordinator
    assert reverse("tracking:evidence_downloads", args=[shared.pk]) in coordinator
    office = _page(client, secretariat, action)
    assert reverse("tracking:evidence_downloads", args=[shared.pk]) in office
    assert reverse("tracking:evidence_downloads", args=[secret.pk]) not in office
    assert "evidence/" + str(shared.pk) + "/downloads/" not in _page(client, tjk_focal, action)


def test_the_log_page_of_20_downloads_runs_7_queries(
    client, filed, tjk_coordinator, tjk_focal, django_assert_num_queries
):
    action, secret, shared = filed
    url = reverse("tracking:evidence_downloads", args=[secret.pk])
    EvidenceDownload.objects.bulk_create(
        EvidenceDownload(evidence=secret, user=tjk_focal) for _ in range(20)
    )
    client.force_login(tjk_coordinator)

    # session, user, the user's memberships, the evidence (with its submission), its action,
    # the count of downloads (paginator), one page of them with their users.
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count(_name(tjk_focal)) == 20
    # 80 more: one page of 50, the rest a link away.
    EvidenceDownload.objects.bulk_create(
        EvidenceDownload(evidence=secret, user=tjk_focal) for _ in range(80)
    )
    with django_assert_num_queries(7):
        page = client.get(url)
    assert page.content.decode().count(_name(tjk_focal)) == 50
    assert len(page.content) <= len(response.content) + 30 * 200
