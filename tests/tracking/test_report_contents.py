"""What the files hold: the same records and scoping as the pages, safe cells, ISO dates."""

import csv
import io
import zipfile

import openpyxl
import pypdf
import pytest

pytestmark = pytest.mark.django_db


def sheet_rows(content: bytes, name: str) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return list(workbook[name].iter_rows(values_only=True))


def pdf_text(content: bytes) -> str:
    """The PDF's text with every run of white space as one space (table cells wrap)."""
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_a_focal_points_xlsx_holds_its_own_records_drafts_included(
    build_report, records, tjk_focal
):
    report, content = build_report(tjk_focal, format="xlsx")

    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert workbook.sheetnames == ["Summary", "Assessments", "Actions", "Updates", "Evidence",
                                   "Needs", "Offers", "Matches"]  # fmt: skip
    actions = sheet_rows(content, "Actions")
    assert actions[0][:6] == (
        "Action ID",
        "Participant code",
        "Participant",
        "Submission state",
        "Paragraphs",
        "Title",
    )
    titles = {row[5] for row in actions[1:]}
    # Cycle 2026 only; Kazakhstan's draft never.
    assert titles == {"Financial intelligence unit strengthened", "Youth education programme"}
    fiu = next(row for row in actions[1:] if row[0] == records.fiu.pk)
    assert fiu[4] == "1; 5"
    assert fiu[9] == "2026-01-15"
    assert (fiu[11], fiu[12]) == ("In progress", 40)
    updates = sheet_rows(content, "Updates")
    narratives = [row[7] for row in updates[1:]]
    # The 2026 report holds the 2026 submission as sealed: the 2027 draft's update is not in it.
    assert "Draft note on the unit" not in narratives
    assert '\'=HYPERLINK("http://evil")' in narratives
    assessments = sheet_rows(content, "Assessments")
    assert {(row[4], row[5]) for row in assessments[1:]} == {
        (1, "Partially implemented"),
        (5, "Substantially implemented"),
        (7, "Fully implemented"),
    }
    summary = dict(sheet_rows(content, "Summary"))
    assert summary["Declaration"] == "Dushanbe Declaration"
    assert summary["Cycle"] == "2026"
    assert summary["Requested by"] == "tjk-focal"
    assert summary["Rows in Actions"] == 2
    assert summary["Built at"].startswith("20")


def test_the_secretariats_csv_zip_holds_submitted_records_only(build_report, records, secretariat):
    report, content = build_report(secretariat, format="csv")

    archive = zipfile.ZipFile(io.BytesIO(content))
    assert sorted(archive.namelist()) == [
        "actions.csv",
        "assessments.csv",
        "evidence.csv",
        "matches.csv",
        "needs.csv",
        "offers.csv",
        "summary.csv",
        "updates.csv",
    ]

    def table(name):
        return list(csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8")))

    assert [row["Title"] for row in table("actions.csv")] == [
        "Financial intelligence unit strengthened",
        "Youth education programme",
    ]
    narratives = {row["Narrative"] for row in table("updates.csv")}
    assert narratives == {
        "Law drafted",
        '\'=HYPERLINK("http://evil")',
        "Programme running in 40 schools",
    }
    evidence = table("evidence.csv")
    assert {row["Title"] for row in evidence} == {"FIU annual report", "Curriculum"}
    assert {row["Participant code"] for row in table("assessments.csv")} == {"TJK"}


def test_a_csv_of_one_table_is_a_plain_csv_file(build_report, records, tjk_focal):
    report, content = build_report(tjk_focal, format="csv", table="updates")

    rows = list(csv.reader(io.StringIO(content.decode())))
    assert rows[0][:3] == ["Update ID", "Action ID", "Participant code"]
    assert len(rows) == 1 + 3  # the 2026 updates; the 2027 draft's is in the 2027 cycle
    assert report.download_name.endswith("-updates.csv")


def test_paragraph_filters_narrow_every_table(build_report, records, tjk_focal):
    report, content = build_report(tjk_focal, format="xlsx", paragraphs=[records.paragraphs[7].pk])

    assert [row[5] for row in sheet_rows(content, "Actions")[1:]] == ["Youth education programme"]
    assert [row[4] for row in sheet_rows(content, "Assessments")[1:]] == [7]


def test_a_participants_pdf_has_a_cover_ratings_and_each_paragraph(
    build_report, records, tjk_focal
):
    report, content = build_report(tjk_focal, format="pdf")

    text = pdf_text(content)
    assert "Status report: Tajikistan" in text
    assert "Submission state: 2026: Submitted" in text
    assert "Paragraph 16" in text and "Consider commitment 16" in text
    assert "Rating: Substantially implemented" in text
    assert "Justification: Law adopted" in text
    assert "Financial intelligence unit strengthened" in text
    assert "Programme running in 40 schools" in text
    assert "Draft note on the unit" not in text  # filed in 2027, not part of the 2026 record
    assert "FIU annual report" in text
    assert "Kazakh" not in text


def test_a_pdf_prints_cyrillic_text_as_written(build_report, records, tjk_focal):
    records.fiu.title = "Укрепление подразделения финансовой разведки"
    records.fiu.save()

    report, content = build_report(tjk_focal, format="pdf")

    assert "Укрепление подразделения финансовой разведки" in pdf_text(content)


def test_the_secretariats_consolidated_pdf_has_the_matrix_and_one_line_per_participant(
    build_report, records, secretariat
):
    report, content = build_report(secretariat, format="pdf")

    text = pdf_text(content)
    assert "Consolidated status report" in text
    assert "1 of 2 participants reported for this cycle." in text
    assert "They filed 3 of 16 paragraph ratings (18%)." in text
    assert "Participants × paragraphs" in text
    assert "Tajikistan" in text and "Law adopted" in text
    # Kazakhstan holds a draft only: counted, not named. One line per participant, not
    # every action; no drafts.
    assert "1 participant did not report and is not listed." in text
    assert "Kazakhstan" not in text
    assert "Financial intelligence unit" not in text
    assert "Draft note" not in text
