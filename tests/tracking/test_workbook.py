"""Offline filing: a focal point downloads the submission's workbook, edits it in a spreadsheet
program (openpyxl here), previews what it changes and applies it, all or nothing."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tests.conftest import make_pdf, new_cycle
from tests.tracking.filings import file_action
from tests.tracking.workbooks import apply, download, preview, saved, submission_args
from tracking import services
from tracking.models import Action, Assessment, ProgressUpdate, Submission, WorkbookImport


def rows(sheet):
    """The sheet's rows by their title (actions) or paragraph number (ratings)."""
    return {row[2].value if row[2].value else row[0].value: row for row in sheet.iter_rows(2)}


def test_a_focal_point_files_ratings_actions_and_updates_offline(
    client, tjk_action, tjk_focal, private_media
):
    book = download(client, tjk_focal, tjk_action)
    assert book.sheetnames == ["Instructions", "Paragraphs", "Ratings", "Actions", "tracker"]
    ratings, actions = book["Ratings"], book["Actions"]
    assert [c.value for c in ratings[1]] == ["Paragraph number", "Version", "Paragraph", "Text",
                                            "Rating", "Justification"]  # fmt: skip
    row = {cell.column_letter: cell for cell in actions[2]}
    assert (row["A"].value, row["B"].value, row["C"].value) == (tjk_action.pk, 1, tjk_action.title)
    assert (row["G"].value, row["J"].value, row["K"].value) == ("6", "In progress", 10)

    ratings["E2"], ratings["F2"] = "Partially implemented", "A plan exists."
    row["K"].value = 60
    row["N"].value = "The strategy went to parliament."
    actions.append([None, None, "Border guards trained", "", "Border Service", "", "3, 4",
                    None, None, "Planned", 0])  # fmt: skip
    page = preview(client, tjk_action, saved(book))

    assert page.status_code == 200
    assert "New: 2" in page.text and "Changed: 1" in page.text and "In error: 0" in page.text
    assert "Progress (%): 10 → 60" in page.text
    assert "New progress update: — → The strategy went to parliament." in page.text
    assert Action.objects.count() == 1 and not Assessment.objects.exists()  # nothing yet

    response = apply(client, tjk_action, page)

    job = WorkbookImport.objects.get()
    assert (response.status_code, response.url) == (302, job.get_absolute_url())
    follow = client.get(response.url)
    assert "The workbook was applied: 2 new, 1 changed; 0 in conflict" in follow.text
    assert "Applied" in follow.text
    tjk_action.refresh_from_db()
    assert (tjk_action.status, tjk_action.progress) == ("in_progress", 60)
    update = ProgressUpdate.objects.get()
    assert (update.narrative, update.progress, update.created_by) == (
        "The strategy went to parliament.", 60, tjk_focal)  # fmt: skip
    new = Action.objects.get(title="Border guards trained")
    assert new.submission_id == tjk_action.submission_id
    assert sorted(p.number for p in new.paragraphs.all()) == [3, 4]
    rating = Assessment.objects.get()
    assert (rating.paragraph.number, rating.rating, rating.justification) == (
        1, "partially", "A plan exists.")  # fmt: skip
    # Through the services: audit history by the user, versions moved.
    assert rating.history.get().history_user == tjk_focal
    assert new.history.get().history_user == tjk_focal
    assert tjk_action.history.count() == 2 and tjk_action.version == 2
    # The upload is kept for its retention (test_workbook_retention.py).
    assert [path.name for path in private_media.glob("workbooks/**/*.xlsx")] == [
        f"{job.token.hex}.xlsx"
    ]


def test_a_workbook_sent_back_unchanged_changes_nothing(
    client, tjk_action, tjk_focal, private_media
):
    services.action_edit(
        action=tjk_action,
        version=1,
        values={
            "title": "Strategy 😀 <r>x</r>",
            "description": "Line one\r\nLine two\tend _x000D_",
            "partners": "=not a formula",
            "lead_institution": "-Ministry",
            "status": "in_progress",
            "progress": 10,
            "start_date": None,
            "end_date": None,
        },  # fmt: skip
        paragraphs=list(tjk_action.paragraphs.all()),
        user=tjk_focal,
    )
    book = download(client, tjk_focal, tjk_action)

    page = preview(client, tjk_action, saved(book))

    assert "Changed: 0" in page.text and "In error: 0" in page.text, page.text
    assert "The workbook changes nothing." in page.text
    assert page.context["apply_form"] is None


def test_a_record_changed_in_the_app_since_the_download_is_a_conflict_and_left_alone(
    client, tjk_action, tjk_focal, private_media
):
    book = download(client, tjk_focal, tjk_action)
    book["Actions"]["K2"] = 90
    book["Ratings"]["E3"] = "Not started"
    services.action_edit(
        action=tjk_action, version=1, paragraphs=list(tjk_action.paragraphs.all()),
        user=tjk_focal, values={"title": "Renamed in the app", "lead_institution": "Ministry",
                                "status": "delayed", "progress": 15},
    )  # fmt: skip

    page = preview(client, tjk_action, saved(book))

    assert "In conflict: 1" in page.text and "New: 1" in page.text
    response = apply(client, tjk_action, page)
    assert response.status_code == 302
    tjk_action.refresh_from_db()
    assert (tjk_action.title, tjk_action.progress, tjk_action.version) == (
        "Renamed in the app", 15, 2)  # fmt: skip
    assert Assessment.objects.get().paragraph.number == 2


def test_a_change_between_preview_and_apply_refuses_everything(
    client, tjk_action, tjk_focal, private_media
):
    book = download(client, tjk_focal, tjk_action)
    book["Actions"]["K2"] = 90
    book["Ratings"]["E2"] = "Not started"
    page = preview(client, tjk_action, saved(book))
    services.progress_update_file(
        action=tjk_action, user=tjk_focal, date="2026-03-01", narrative="Meanwhile",
        status="delayed", progress=20,
    )  # fmt: skip

    response = apply(client, tjk_action, page)

    assert response.status_code == 302
    follow = client.get(response.url)
    assert "Nothing was saved" in follow.text
    assert "The submission changed since the preview: nothing was saved." in follow.text
    # The rows that moved are named; the rating's row, as previewed, is not.
    named = f"Actions, row 2 ({tjk_action.title}): in conflict"
    assert WorkbookImport.objects.get().problems == [named]
    assert named in follow.text
    assert not Assessment.objects.exists()
    tjk_action.refresh_from_db()
    assert tjk_action.progress == 20


def test_applying_twice_applies_once(client, tjk_action, tjk_focal, private_media):
    book = download(client, tjk_focal, tjk_action)
    book["Actions"].append([None, None, "Only once", "", "Ministry", "", "2", None, None,
                            "Planned", 0])  # fmt: skip
    page = preview(client, tjk_action, saved(book))

    first = apply(client, tjk_action, page)
    again = apply(client, tjk_action, page)

    assert (again.status_code, again.url) == (302, first.url)
    assert "This form had already been sent" in client.get(again.url).text
    assert Action.objects.filter(title="Only once").count() == 1


# Hostile and mistaken workbooks: refused with a clear message, nothing stored or changed.


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


BOMB = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.xlsx", make_pdf(), "This file is not an XLSX workbook"),
        ("notes.xlsx", _zip({"word/document.xml": b"<w/>"}), "This file is not an XLSX workbook"),
        ("bomb.xlsx", _zip({**BOMB, "xl/worksheets/sheet1.xml": b"\0" * (60 * 1024 * 1024)}),
         "would unpack to more than 50 MB"),
        ("dense.xlsx", _zip({**BOMB, "xl/sharedStrings.xml": b"a" * (5 * 1024 * 1024)}),
         "packed suspiciously tightly"),
        ("empty.xlsx", _zip(BOMB), "could not be read as an XLSX workbook"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_reasonable_workbook_is_refused_unread(
    client, tjk_action, tjk_focal, private_media, name, data, message
):
    client.force_login(tjk_focal)

    page = preview(client, tjk_action, data, name)

    assert page.status_code == 200
    assert message in page.text
    assert page.context["plan"] is None
    assert not list(private_media.glob("workbooks/**/*"))


def test_a_workbook_of_another_spreadsheet_is_refused(client, tjk_action, tjk_focal, private_media):
    book = download(client, tjk_focal, tjk_action)
    del book["tracker"]

    page = preview(client, tjk_action, saved(book))

    assert "This workbook was not downloaded from the tracker" in page.text


def test_more_than_ten_thousand_rows_are_refused(client, tjk_action, tjk_focal, private_media):
    book = download(client, tjk_focal, tjk_action)
    for number in range(10_001):
        book["Actions"].append([None, None, f"Action {number}"])

    page = preview(client, tjk_action, saved(book))

    assert "The workbook has more than 10,000 rows: nothing was read." in page.text
    assert Action.objects.count() == 1


def test_formulas_are_refused_cell_by_cell(client, tjk_action, tjk_focal, private_media):
    book = download(client, tjk_focal, tjk_action)
    book["Actions"]["K2"] = "=SUM(40,50)"
    book["Ratings"]["F2"] = '=HYPERLINK("http://evil.example")'
    book["Ratings"]["E2"] = "Not started"

    page = preview(client, tjk_action, saved(book))

    assert "In error: 2" in page.text
    assert "K2: a formula: type the value itself" in page.text
    assert "F2: a formula" in page.text
    assert page.context["apply_form"] is None


def test_another_participants_action_id_is_an_error(
    client, tjk_action, tjk_focal, kazakhstan, kaz_focal, cycle, private_media
):
    secret = file_action(kazakhstan, cycle, kaz_focal, title="Kazakh draft")
    book = download(client, tjk_focal, tjk_action)
    book["Actions"]["A2"], book["Actions"]["C2"] = secret.pk, "Taken over"

    page = preview(client, tjk_action, saved(book))

    assert "A2: no action of this submission has this id." in page.text
    assert "Kazakh draft" not in page.text
    secret.refresh_from_db()
    assert secret.title == "Kazakh draft"


def test_a_workbook_of_a_sealed_submission_is_refused_in_another(
    client, declaration, tajikistan, tjk_focal, tjk_viewer, private_media
):
    sealed_cycle = new_cycle(declaration, 2025, state="closed")
    old = file_action(tajikistan, sealed_cycle, tjk_focal, state=Submission.State.APPROVED,
                      title="Approved in 2025")  # fmt: skip
    current = file_action(tajikistan, new_cycle(declaration, 2026), tjk_focal, title="Draft")
    old_book = download(client, tjk_viewer, old)  # a viewer may download, not upload
    client.force_login(tjk_focal)
    assert preview(client, old, saved(old_book)).status_code == 403

    page = preview(client, current, saved(old_book))
    assert "This workbook belongs to another submission" in page.text

    book = download(client, tjk_focal, current)
    book["Actions"]["A2"], book["Actions"]["C2"] = old.pk, "Rewritten"
    page = preview(client, current, saved(book))
    assert "A2: no action of this submission has this id." in page.text
    old.refresh_from_db()
    assert old.title == "Approved in 2025"


def test_a_submission_sealed_after_the_preview_is_not_changed(
    client, tjk_action, tjk_focal, private_media
):
    book = download(client, tjk_focal, tjk_action)
    book["Actions"]["K2"] = 90
    page = preview(client, tjk_action, saved(book))
    Submission.objects.update(state=Submission.State.SUBMITTED)

    assert apply(client, tjk_action, page).status_code == 403
    tjk_action.refresh_from_db()
    assert tjk_action.progress == 10


def test_invalid_values_are_shown_by_sheet_cell_and_reason(
    client, tjk_action, tjk_focal, private_media
):
    book = download(client, tjk_focal, tjk_action)
    actions = book["Actions"]
    actions["G2"], actions["H2"], actions["J2"], actions["K2"] = "6, 99", "soon", "Maybe", 150
    actions.append([None, None, "No lead", "", "", "", "1", None, None, "Planned", 150])
    book["Ratings"]["E4"] = "Fully implemented"

    page = preview(client, tjk_action, saved(book))

    errors = [
        "G2: “99” is not an operative paragraph of this declaration.",
        "H2: Not a date: write it as 2026-03-01.",
        "J2: Choose one of: Planned",
        "K3: Ensure this value is less than or equal to 100.",
        "E3: This field is required.",
        "F4: Say why the paragraph is fully implemented.",
    ]
    for error in errors:
        assert error in page.text, error
    assert page.context["apply_form"] is None


def test_the_download_costs_a_constant_number_of_queries(
    client, tjk_action, tjk_focal, cycle, tajikistan, django_assert_num_queries
):
    for number in range(5):
        file_action(tajikistan, cycle, tjk_focal, title=f"Action {number}", numbers=(1, 2))
    client.force_login(tjk_focal)
    url = reverse("tracking:workbook_download", args=submission_args(tjk_action))
    client.get(url)

    # Session, user, memberships; the submission with its participant, cycle and declaration;
    # paragraphs and their texts; ratings; actions and their paragraphs.
    with django_assert_num_queries(9):
        b"".join(client.get(url).streaming_content)


def test_the_workbook_speaks_the_users_language_both_ways(
    client, tjk_action, tjk_focal, private_media
):
    tjk_focal.language = "fr"
    tjk_focal.save()
    with translation.override("fr"):
        title, completed = gettext("Title"), str(Action.Status.COMPLETED.label)
    assert (title, completed) != ("Title", "Completed")  # the French catalog has them

    book = download(client, tjk_focal, tjk_action)
    assert book["Actions"]["C1"].value == title
    book["Actions"]["J2"], book["Actions"]["K2"] = completed, 100
    page = preview(client, tjk_action, saved(book))
    assert apply(client, tjk_action, page).status_code == 302

    tjk_action.refresh_from_db()
    assert (tjk_action.status, tjk_action.progress) == ("completed", 100)


def test_the_preview_costs_the_same_queries_whatever_the_number_of_unchanged_rows(
    client, tjk_action, tjk_focal, cycle, tajikistan, private_media, django_assert_num_queries
):
    for number in range(5):
        file_action(tajikistan, cycle, tjk_focal, title=f"Action {number}", numbers=(1, 2))
    data = saved(download(client, tjk_focal, tjk_action))

    # Session, user, memberships; the submission with its participant, cycle and declaration;
    # paragraphs and their texts; ratings; actions and their paragraphs.
    with django_assert_num_queries(9):
        page = preview(client, tjk_action, data)
    assert "Unchanged: 22" in page.text
