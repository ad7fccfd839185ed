"""Reports in the requester's language: every word the files print, in every script.

Expected words come from the catalogs (`translated` fails when a catalog lacks them, so these
tests fail rather than pass on English). pypdf returns the PDF's text line by line, cells
and runs left to right as drawn; it puts each run of Arabic (one face, one text operation)
back in reading order, as the presentation forms the PDF draws (the joined shapes of the
letters), which NFKC turns back into plain letters.
"""

import csv
import io
import re
import unicodedata
import zipfile
from datetime import date

import openpyxl
import pypdf
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext

from tracking import services
from tracking.languages import territory_name
from tracking.models import Report
from tracking.reports.xlsx_stream import sheet_names

pytestmark = pytest.mark.django_db

ARABIC_TITLE = "تعزيز وحدة الاستخبارات المالية في وزارة الداخلية بالتعاون مع البنك الوطني"
RUSSIAN_TITLE = "Программа просвещения молодежи"
CHINESE_TITLE = "青年教育方案"


def translated(language: str, message: str, **values) -> str:
    with translation.override(language):
        text = gettext(message)
    assert text != message, f"the {language} catalog does not translate {message!r}"
    return text % values if values else text


def pdf_text(content: bytes) -> str:
    """The PDF's text, white space runs as one space, Arabic letters as typed (NFKC)."""
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    return unicodedata.normalize("NFKC", text)


def embedded_fonts(content: bytes) -> set[str]:
    """The faces embedded in the PDF, without their subset prefix ('AAAAAA+')."""
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and "/FontFile2" in descriptor.get_object():
                    names.add(str(descendant.get_object()["/BaseFont"]).split("+")[-1])
    return names


def assert_in_order(text: str, *parts: str) -> None:
    position = -1
    for part in parts:
        found = text.find(part, position + 1)
        assert found > position, f"{part!r} missing after position {position} of {text[:3000]!r}"
        position = found


def test_a_russian_pdf_prints_headings_labels_and_dates_in_russian(
    build_report, records, tjk_focal, addresses, mailoutbox
):
    report, content = build_report(tjk_focal, format="pdf", language="ru")

    assert report.language == "ru"
    text = pdf_text(content)
    with translation.override("ru"):
        update_day = date_format(date(2026, 3, 1), "DATE_FORMAT")
    assert update_day != "2026-03-01"
    assert_in_order(
        text,
        # The participant by its Russian name.
        translated("ru", "Status report: %(name)s", name=territory_name("TJK", "ru")),
        translated("ru", "Ratings"),
        translated("ru", "Paragraph %(number)s", number=1),
        translated("ru", "Rating: %(rating)s", rating=translated("ru", "Partially implemented")),
        translated("ru", "Latest update"),
        # An English title in a Russian report, and the date as Russian writes it.
        "Financial intelligence unit strengthened",
        translated("ru", "In progress"),
        f"{update_day}:",
        translated("ru", "Paragraph %(number)s", number=5),
        translated("ru", "Justification: %(text)s", text="Law adopted"),
    )
    assert "Status report" not in text and "Latest update" not in text
    assert report.download_name == (
        f"dushanbe-{slugify(translated('ru', 'Report'), allow_unicode=True)}-{report.pk}.pdf"
    )
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= embedded_fonts(content)
    # The mail that says it is ready, in the report's language too.
    [mail] = mailoutbox
    assert mail.subject == translated("ru", "Your report #%(number)s is ready", number=report.pk)


def test_an_arabic_pdf_prints_arabic_joined_and_its_tables_from_the_right(
    build_report, records, tjk_focal
):
    records.fiu.title = ARABIC_TITLE  # wraps over several lines of its cell
    records.fiu.save()
    records.youth.title = RUSSIAN_TITLE
    records.youth.save()

    report, content = build_report(tjk_focal, format="pdf", language="ar")

    text = pdf_text(content)
    assert translated("ar", "Paragraph %(number)s", number=1).split()[0] in text
    # Each cell's lines in reading order; the first column (the action) on the right.
    assert_in_order(
        text,
        translated("ar", "Evidence"),
        translated("ar", "Latest update"),
        translated("ar", "Progress"),
        translated("ar", "Status"),
        translated("ar", "Action"),
    )
    assert ARABIC_TITLE in text
    assert translated("ar", "In progress") in text
    # Brackets in right-to-left text are mirrored as they are drawn: "(1)" stays "(1)".
    participants = translated("ar", "All (%(count)d)", count=1)
    assert "(1)" in participants and participants.replace("(1)", "").strip() in text
    assert "(1)" in text and ")1(" not in text
    assert RUSSIAN_TITLE in text  # a Cyrillic title in an Arabic report
    assert "Latest update" not in text
    # Arabic in the Arabic face, drawn as presentation forms, which the PDF holds as such.
    assert "NotoNaskhArabic-Regular" in embedded_fonts(content)
    raw = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert re.search("[\ufe70-\ufeff]", raw)


def test_an_english_pdf_prints_arabic_chinese_and_cyrillic_titles_with_their_glyphs(
    build_report, records, tjk_focal
):
    records.fiu.title = ARABIC_TITLE
    records.fiu.save()
    records.youth.title = f"{RUSSIAN_TITLE} / {CHINESE_TITLE}"
    records.youth.save()

    report, content = build_report(tjk_focal, format="pdf", language="en")

    text = pdf_text(content)
    assert ARABIC_TITLE in text
    assert RUSSIAN_TITLE in text and CHINESE_TITLE in text
    assert "Status report: Tajikistan" in text
    assert {"DejaVuSans", "NotoNaskhArabic-Regular", "DroidSansFallback"} <= embedded_fonts(content)


def test_a_consolidated_arabic_pdf_is_built_with_its_matrix_read_from_the_right(
    build_report, records, secretariat
):
    report, content = build_report(secretariat, format="pdf", language="ar")

    text = pdf_text(content)
    assert translated("ar", "Consolidated status report") in text
    # "×" is a run of another face: pypdf gives the words of both sides, as drawn.
    heading = translated("ar", "Participants × paragraphs").replace("×", " ").split()
    assert all(word in text for word in heading)
    # Tajikistan by its Arabic name; Kazakhstan, which holds only a draft, not at all.
    assert territory_name("TJK", "ar") in text
    assert territory_name("KAZ", "ar") not in text and "Kazakhstan" not in text


def test_a_chinese_xlsx_has_its_sheets_headers_and_labels_in_chinese(
    build_report, records, tjk_focal
):
    report, content = build_report(tjk_focal, format="xlsx", language="zh-hans")

    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames[:5] == [
        translated("zh-hans", title)
        for title in ("Summary", "Assessments", "Actions", "Updates", "Evidence")
    ]
    # Needs, Offers, Matches: in Chinese once the catalog translates them.
    assert len(workbook.sheetnames) == 8
    actions = list(workbook.worksheets[2].iter_rows(values_only=True))
    assert actions[0][:6] == tuple(
        translated("zh-hans", header)
        for header in (
            "Action ID", "Participant code", "Participant", "Submission state", "Paragraphs",
            "Title",
        )
    )  # fmt: skip
    fiu = next(row for row in actions[1:] if row[0] == records.fiu.pk)
    assert fiu[11] == translated("zh-hans", "In progress")
    assert not workbook.worksheets[2].sheet_view.rightToLeft
    assert report.download_name.endswith(".xlsx")


def test_an_arabic_xlsx_shows_every_sheet_from_the_right(build_report, records, tjk_focal):
    report, content = build_report(tjk_focal, format="xlsx", language="ar")

    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames[2] == translated("ar", "Actions")
    assert all(sheet.sheet_view.rightToLeft for sheet in workbook.worksheets)


def test_a_csv_has_its_header_and_file_names_in_the_reports_language(
    build_report, records, tjk_focal
):
    report, content = build_report(tjk_focal, format="csv", table="updates", language="ru")

    header = next(csv.reader(io.StringIO(content.decode())))
    assert header[:3] == [
        translated("ru", "Update ID"),
        translated("ru", "Action ID"),
        translated("ru", "Participant code"),
    ]
    table = slugify(translated("ru", "Updates"), allow_unicode=True)
    assert report.download_name.endswith(f"-{report.pk}-{table}.csv")

    report, content = build_report(tjk_focal, format="csv", language="ru")
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert f"{table}.csv" in names and "updates.csv" not in names


def test_the_form_asks_in_the_sessions_language_and_the_list_shows_the_reports(
    client, settings, declaration, cycle, tjk_focal
):
    client.force_login(tjk_focal)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    page = client.get(reverse("tracking:report_request")).content.decode()
    assert re.search(r'<option value="ru"[^>]* selected', page)
    # Sent without a language: the session's.
    data = {"declaration": declaration.pk, "cycle": cycle.pk, "format": "pdf"}
    client.post(reverse("tracking:report_request"), data)
    # Chosen on the form: an Arabic report from a Russian session.
    client.post(reverse("tracking:report_request"), {**data, "language": "ar"})
    client.post(reverse("tracking:report_request"), {**data, "language": "xx"})

    reports = Report.objects.filter(requested_by=tjk_focal).order_by("pk")
    assert [report.language for report in reports] == ["ru", "ar"]
    listing = client.get(reverse("tracking:reports")).content.decode()
    languages = dict(settings.LANGUAGES)
    with translation.override("ru"):
        assert str(languages["ru"]) in listing and str(languages["ar"]) in listing


def test_a_report_requested_without_a_page_takes_its_owners_language(declaration, cycle, tjk_focal):
    def request():
        return services.report_request(
            user=tjk_focal, declaration=declaration, cycle=cycle, participants=[],
            paragraphs=[], format="pdf",
        )  # fmt: skip

    with translation.override("fr"):  # whatever is active where it runs
        assert request().language == "en"  # settings.LANGUAGE_CODE
        tjk_focal.language = "ru"  # the profile's language, once users have one
        assert request().language == "ru"


def test_sheet_names_are_what_excel_accepts():
    names = sheet_names(["Actions: [draft] a/b?", "x" * 40, "X" * 40, "'quoted'", "***"])

    assert names[0] == "Actions   draft  a b"
    assert names[1] == "x" * 31
    assert names[2] == "X" * 27 + " (3)"  # Excel compares names without case
    assert names[3] == "quoted"
    assert names[4] == "5"
    assert all(len(name) <= 31 for name in names)
