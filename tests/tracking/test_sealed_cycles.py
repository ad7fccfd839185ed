"""A sealed cycle stays what was approved: nothing filed in a later cycle shows on any of its
surfaces (pages, lists, exports, history, counts, matrix, reports), byte for byte."""

import io
import re
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import new_cycle
from tracking import services
from tracking.models import Action, Assessment, Evidence, ProgressUpdate

from .test_report_contents import pdf_text


def _without_tokens(html: str) -> str:
    """A page's HTML without what differs on every request (CSRF tokens, CSP nonces) and
    without its drop-downs, which rightly offer the new cycle too."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r"<select.*?</select>", "", html, flags=re.DOTALL)
    return re.sub(r'nonce="[^"]+"', "", html)


def _report_files(client, user, cycle, tmp_path, settings):
    """The 2026 reports the secretariat shares (CSV ZIP, XLSX, PDF) as their inner files."""
    client.force_login(user)
    files = {}
    for format in ("csv", "xlsx", "pdf"):
        response = client.post(
            reverse("tracking:report_request"),
            {"declaration": cycle.declaration_id, "cycle": cycle.pk, "format": format},
        )
        assert response.status_code == 302
        report = user.reports.latest("pk")
        services.report_run(report_id=report.pk)
        download = client.get(reverse("tracking:report_download", args=[report.pk]))
        content = b"".join(download.streaming_content)
        if format == "pdf":
            # The text, not the bytes: a PDF carries its creation time and report number.
            text = pdf_text(content).replace(f"#{report.pk}", "#N")
            files["pdf"] = re.sub(r"Built at \S+( at)? \d{1,2}:\d{2}", "Built at T", text)
        elif format == "xlsx":
            # Every sheet's XML but the summary's, which names the report and its build time.
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                workbook = archive.read("xl/workbook.xml").decode()
                sheets = re.findall(r'<sheet name="([^"]+)"', workbook)
                for number, sheet in enumerate(sheets, start=1):
                    if sheet != "Summary":
                        files[f"xlsx:{sheet}"] = archive.read(f"xl/worksheets/sheet{number}.xml")
        else:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                for name in archive.namelist():
                    if name != "summary.csv":
                        files[f"csv:{name}"] = archive.read(name)
    return files


def _surfaces(_client, secretariat, action, cycle, tmp_path, settings):
    """Everything the secretariat can look at of Tajikistan's 2026 cycle (in a browser of
    its own: no message of another user's session on the page)."""
    client = Client()
    client.force_login(secretariat)
    in_2026 = {"cycle": cycle.pk, "participant": action.participant_id}
    surfaces = {
        "action page": _without_tokens(client.get(action.get_absolute_url()).text),
        "list": _without_tokens(client.get(reverse("tracking:actions"), in_2026).text),
        "list by status": client.get(
            reverse("tracking:actions"), {**in_2026, "status": "cancelled"}
        )
        .context["table"]
        .rows.__len__(),
        "csv": b"".join(client.get(reverse("tracking:actions_csv"), in_2026).streaming_content),
        "submission page": _without_tokens(client.get(action.submission.get_absolute_url()).text),
        "matrix": _without_tokens(client.get(reverse("tracking:matrix"), {"cycle": cycle.pk}).text),
    }
    xlsx = b"".join(client.get(reverse("tracking:actions_xlsx"), in_2026).streaming_content)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        surfaces["xlsx"] = archive.read("xl/worksheets/sheet1.xml")
    surfaces |= _report_files(client, secretariat, cycle, tmp_path, settings)
    return surfaces


def _file_everything_in_2027(client, tjk_focal, action, paragraph_6, on_commit):
    """The 2027 draft: the carried copy edited, updated (Cancelled, 7 %), evidence deleted
    and added, a rating changed. Through the pages, as the focal point would."""
    following = new_cycle(action.declaration, 2027)
    client.force_login(tjk_focal)
    page = client.get(reverse("tracking:submission", args=["TJK", following.pk]))
    assert page.status_code == 200
    copy = Action.objects.get(carried_from=action)
    response = client.post(
        reverse("tracking:update_create", args=[copy.pk]),
        {
            "date": "2027-02-01",
            "narrative": "Draft: cancelled",
            "status": "cancelled",
            "progress": 7,
        },
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    response = client.post(
        reverse("tracking:action_edit", args=[copy.pk]),
        {
            "title": "Renamed in 2027",
            "lead_institution": "Ministry of Finance",
            "paragraphs": [paragraph_6.pk],
            "status": "cancelled",
            "progress": 7,
            "version": copy.version,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    carried_evidence = Evidence.objects.get(action=copy)
    with on_commit(execute=True):  # the stored file goes only with its last row
        response = client.post(reverse("tracking:evidence_delete", args=[carried_evidence.pk]))
    assert response.status_code == 302
    response = client.post(
        reverse("tracking:evidence_create", args=[copy.pk]),
        {"title": "Cancellation memo", "url": "https://example.org/memo"},
    )
    assert response.status_code == 302
    rating = Assessment.objects.get(submission__cycle=following, paragraph=paragraph_6)
    response = client.post(
        reverse("tracking:assessment_edit", args=["TJK", following.pk, 6]),
        {"rating": "not_started", "justification": "Cancelled.", "version": rating.version},
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    return following, copy


def test_a_new_cycle_starts_from_the_approved_one_and_never_changes_it(
    client, approved_2026, tjk_focal, secretariat, cycle, tmp_path, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    paragraph_6 = cycle.declaration.paragraphs.get(number=6)
    before = _surfaces(client, secretariat, approved_2026, cycle, tmp_path / "1", settings)

    following, copy = _file_everything_in_2027(
        client, tjk_focal, approved_2026, paragraph_6, django_capture_on_commit_callbacks
    )

    after = _surfaces(client, secretariat, approved_2026, cycle, tmp_path / "2", settings)
    assert set(after) == set(before)
    assert {"csv:actions.csv", "xlsx:Actions", "xlsx:Assessments", "pdf"} <= set(before)
    for surface, content in before.items():
        assert after[surface] == content, f"the 2026 {surface} changed"
    approved_2026.refresh_from_db()
    assert (approved_2026.title, approved_2026.status, approved_2026.progress) == (
        "Financial intelligence unit",
        "in_progress",
        40,
    )
    # The 2027 draft holds its own rows, and the carried evidence's file is still 2026's.
    assert (copy.title, copy.status, copy.progress) == ("Renamed in 2027", "cancelled", 7)
    assert ProgressUpdate.objects.filter(action=approved_2026).count() == 1
    stored = Evidence.objects.get(action=approved_2026)
    assert stored.file.storage.exists(stored.file.name)


def test_the_secretariat_sees_nothing_of_the_2027_draft(
    client, approved_2026, tjk_focal, secretariat, cycle, django_capture_on_commit_callbacks
):
    paragraph_6 = cycle.declaration.paragraphs.get(number=6)
    client.force_login(secretariat)
    home_before = client.get("/").text
    following, copy = _file_everything_in_2027(
        client, tjk_focal, approved_2026, paragraph_6, django_capture_on_commit_callbacks
    )
    client.force_login(secretariat)

    assert client.get(copy.get_absolute_url()).status_code == 404
    assert "Draft: cancelled" not in client.get(approved_2026.get_absolute_url()).text
    listed = client.get(reverse("tracking:actions"), {"status": "cancelled"})
    assert len(listed.context["table"].rows) == 0
    csv = b"".join(client.get(reverse("tracking:actions_csv")).streaming_content).decode()
    assert "Renamed in 2027" not in csv and "Cancelled" not in csv
    matrix = client.get(reverse("tracking:matrix"), {"cycle": following.pk}).text
    assert 'class="r r0"' not in matrix  # "Not started" in the matrix's short classes
    # The home page's counts of the current (2027) cycle hold no draft.
    assert "<dt>Submitted actions in the current cycles</dt><dd>0</dd>" in client.get("/").text
    assert "<dt>Submitted actions in the current cycles</dt><dd>1</dd>" in home_before


def test_the_carried_draft_starts_with_the_ratings_and_open_actions_marked_unchanged(
    client, approved_2026, tjk_focal, cycle
):
    following = new_cycle(cycle.declaration, 2027)
    client.force_login(tjk_focal)

    page = client.get(reverse("tracking:submission", args=["TJK", following.pk])).text

    ratings = Assessment.objects.filter(submission__cycle=following)
    assert ratings.count() == 16
    assert all(rating.is_carried_unchanged for rating in ratings)
    assert ratings.get(paragraph__number=6).rating == "fully"
    copy = Action.objects.get(submission__cycle=following)
    assert copy.carried_from == approved_2026 and copy.is_carried_unchanged
    assert list(copy.paragraphs.values_list("number", flat=True)) == [6]
    assert Evidence.objects.get(action=copy).file == Evidence.objects.get(action=approved_2026).file
    assert "Financial intelligence unit" in page


def test_a_finished_action_is_not_carried_forward(client, approved_2026, tjk_focal, cycle):
    Action.objects.filter(pk=approved_2026.pk).update(status="completed")
    following = new_cycle(cycle.declaration, 2027)
    client.force_login(tjk_focal)

    client.get(reverse("tracking:submission", args=["TJK", following.pk]))

    assert not Action.objects.filter(submission__cycle=following).exists()
    assert Assessment.objects.filter(submission__cycle=following).count() == 16


def test_filing_on_an_action_of_a_sealed_cycle_is_refused_and_changes_nothing(
    client, approved_2026, tjk_focal, cycle
):
    new_cycle(cycle.declaration, 2027)
    client.force_login(tjk_focal)

    response = client.post(
        reverse("tracking:update_create", args=[approved_2026.pk]),
        {"date": "2027-02-01", "narrative": "Late", "status": "cancelled", "progress": 7},
    )

    assert response.status_code == 403
    with pytest.raises(services.FilingRefused, match="closed"):
        services.progress_update_file(
            action=approved_2026,
            user=tjk_focal,
            date="2027-02-01",
            narrative="Late",
            status="cancelled",
            progress=7,
        )
    approved_2026.refresh_from_db()
    assert (approved_2026.status, approved_2026.progress) == ("in_progress", 40)
    assert ProgressUpdate.objects.count() == 1
