"""Each cycle compared with the one before: the trend rules, the submission page, the matrix,
the participant page and the reports' columns."""

import re

import pytest
from django.urls import reverse

from declarations.models import Declaration, Paragraph
from tests.conftest import new_cycle
from tracking import services
from tracking.comparison import Trend, previous_cycle, previous_ratings, trend
from tracking.models import Report, ReportingCycle, Submission
from tracking.permissions import participant_ids
from tracking.reports.data import ReportData

from .conftest import request_report
from .filings import file_action, rate
from .test_report_contents import pdf_text, sheet_rows

# --- The rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        ("not_started", "partially", Trend.IMPROVED),
        ("partially", "fully", Trend.IMPROVED),
        ("fully", "substantially", Trend.REGRESSED),
        ("substantially", "not_started", Trend.REGRESSED),
        ("partially", "partially", Trend.UNCHANGED),
        ("not_applicable", "not_applicable", Trend.UNCHANGED),
        ("fully", "not_applicable", Trend.CHANGED),
        ("no_information", "partially", Trend.CHANGED),
        ("not_applicable", "no_information", Trend.CHANGED),
        (None, "partially", Trend.NEW),
        ("", "no_information", Trend.NEW),
        ("partially", None, None),
        (None, None, None),
    ],
)
def test_a_trend_follows_the_order_of_the_scale(previous, current, expected):
    assert trend(previous, current) == expected


def test_a_trend_is_written_as_a_word_and_a_symbol():
    assert [t.text for t in Trend] == [
        "▲ improved", "▼ regressed", "◆ unchanged", "≠ changed", "★ new",
    ]  # fmt: skip


def test_no_symbol_starts_a_spreadsheet_formula():
    assert not any(t.text[0] in "=+-@" for t in Trend)


def test_the_previous_cycle_is_the_latest_earlier_one_that_was_opened(declaration):
    first = new_cycle(declaration, 2024, state=ReportingCycle.State.CLOSED)
    second = new_cycle(declaration, 2025, state=ReportingCycle.State.CLOSED)
    current = new_cycle(declaration, 2026)
    planned = new_cycle(declaration, 2027, state=ReportingCycle.State.PLANNED)

    assert previous_cycle(current) == second
    assert previous_cycle(second) == first
    assert previous_cycle(first) is None
    assert previous_cycle(planned) == current


@pytest.fixture
def years(declaration, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat):
    """2025 closed: Tajikistan approved (OP1 partially, OP2 fully, OP3 substantially),
    Kazakhstan only a draft (OP1 not started). 2026 open."""
    older = new_cycle(declaration, 2025, state=ReportingCycle.State.CLOSED)
    current = new_cycle(declaration, 2026)
    for number, rating in ((1, "partially"), (2, "fully"), (3, "substantially")):
        rate(tajikistan, older, tjk_focal, number, rating, state=Submission.State.APPROVED)
    rate(kazakhstan, older, kaz_focal, 1, "not_started")
    return older, current


def test_previous_ratings_are_what_the_user_may_see_in_one_query(
    years, tajikistan, kazakhstan, kaz_focal, secretariat, django_assert_num_queries
):
    older, current = years
    op1 = older.declaration.paragraphs.get(number=1).pk
    for user in (kaz_focal, secretariat):
        participant_ids(user)  # the memberships, loaded once per request anyway

    with django_assert_num_queries(1):
        seen_by_secretariat = previous_ratings(secretariat, current)
    with django_assert_num_queries(1):
        seen_by_kazakhstan = previous_ratings(kaz_focal, current)

    assert seen_by_secretariat[tajikistan.pk, op1] == "partially"
    assert (kazakhstan.pk, op1) not in seen_by_secretariat  # a draft
    assert seen_by_kazakhstan == {(kazakhstan.pk, op1): "not_started"}
    assert previous_ratings(secretariat, current, [kazakhstan.pk]) == {}
    assert previous_ratings(secretariat, older) == {}


# --- The submission page ------------------------------------------------------------------


def test_the_submission_page_shows_the_previous_rating_and_the_change(
    client, years, tajikistan, tjk_focal
):
    older, current = years
    file_action(tajikistan, older, tjk_focal, title="Border posts", status="in_progress",
                state=Submission.State.APPROVED)  # fmt: skip
    client.force_login(tjk_focal)
    url = reverse("tracking:submission", args=["TJK", current.pk])
    client.get(url)  # starts the draft from 2025's approved submission
    services.assessment_save(
        participant=tajikistan, cycle=current, paragraph=current.declaration.paragraphs.get(
            number=2), rating="substantially", justification="", version=1, user=tjk_focal,
    )  # fmt: skip
    services.assessment_save(
        participant=tajikistan, cycle=current, paragraph=current.declaration.paragraphs.get(
            number=4), rating="not_applicable", justification="", version=0, user=tjk_focal,
    )  # fmt: skip

    html = client.get(url).text

    assert '<th scope="col">Previous (2025)</th><th scope="col">Change</th>' in html

    def row(number):
        return re.search(rf"OP{number}\b.*?</tr>", html, re.S).group(0)

    assert "Carried forward, unchanged" in row(1) and "◆ unchanged" in row(1)
    assert "Carried forward, unchanged" not in row(2)
    assert "Fully implemented" in row(2) and "▼ regressed" in row(2)
    assert "★ new" in row(4) and "Not rated" in row(4)
    assert "Border posts</a> · In progress · 0% · " in html
    assert "carried forward, unchanged" in html


def test_a_first_cycle_has_no_previous_column(client, cycle, tajikistan, tjk_focal):
    client.force_login(tjk_focal)

    html = client.get(reverse("tracking:submission", args=["TJK", cycle.pk])).text

    assert "Previous (" not in html


def test_the_secretariat_sees_no_previous_draft_on_a_submission(
    client, years, kazakhstan, kaz_focal, secretariat
):
    older, current = years
    rate(kazakhstan, current, kaz_focal, 1, "partially", state=Submission.State.SUBMITTED)
    url = reverse("tracking:submission", args=["KAZ", current.pk])
    client.force_login(kaz_focal)
    own = client.get(url).text
    client.force_login(secretariat)
    shared = client.get(url).text

    assert "Not started" in own and "▲ improved" in own
    assert "Not started" not in shared and "★ new" in shared


def test_the_submission_page_with_a_previous_cycle_costs_no_query_more_for_its_ratings(
    client, years, tajikistan, tjk_focal, django_assert_num_queries
):
    older, current = years
    client.force_login(tjk_focal)
    url = reverse("tracking:submission", args=["TJK", current.pk])
    client.get(url)

    # The 9 of test_submission_workflow once the history is kept (the previous cycle and its
    # ratings come with the paragraphs), what is missing checks evidence and finds the action
    # to add it to, and the users the kept history names (the focal point started this draft).
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200


# --- The matrix ---------------------------------------------------------------------------


def test_a_matrix_cell_marks_a_changed_rating_only(
    client, years, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    older, current = years
    submitted = Submission.State.SUBMITTED
    for number, rating in ((1, "substantially"), (2, "fully"), (3, "partially")):
        rate(tajikistan, current, tjk_focal, number, rating, state=submitted)
    rate(kazakhstan, current, kaz_focal, 1, "fully", state=submitted)
    client.force_login(secretariat)

    html = client.get(reverse("tracking:matrix")).text

    def cell(participant, number):
        row = re.search(rf">{participant}</a></th>(.*?)</tr>", html, re.S).group(1)
        return re.findall(r"<td>(.*?)</td>", row, re.S)[number - 1]

    # A changed rating has a mark, its word hidden but for screen readers; an unchanged one,
    # or no rating, has none.
    assert '<b class="t-improved">▲<span class="vh"> improved</span></b>' in cell("Tajikistan", 1)
    assert "<b class" not in cell("Tajikistan", 2) and "Fully implemented" in cell("Tajikistan", 2)
    assert '▼<span class="vh"> regressed</span>' in cell("Tajikistan", 3)
    assert "<b class" not in cell("Tajikistan", 4) and "Not rated" in cell("Tajikistan", 4)
    # Kazakhstan's 2025 rating was a draft: the secretariat never saw it.
    assert '★<span class="vh"> new</span>' in cell("Kazakhstan", 1)
    assert "◆" not in html.split("</table>")[0].split("<tbody>")[1]
    assert "no mark: unchanged" in html
    assert "Compared with Dushanbe Declaration 2025: 1 improved, 1 regressed, 1 unchanged." in html


def test_a_matrix_without_an_earlier_cycle_compares_nothing(
    client, cycle, kazakhstan, kaz_focal, secretariat
):
    rate(kazakhstan, cycle, kaz_focal, 1, "fully", state=Submission.State.SUBMITTED)
    client.force_login(secretariat)

    html = client.get(reverse("tracking:matrix")).text

    assert "<b class" not in html and "Compared with" not in html


# --- The participant page -----------------------------------------------------------------


def participant_url(code: str) -> str:
    return reverse("tracking:participant", args=[code])


def test_a_member_sees_every_cycle_with_drafts_and_the_trend_per_column(
    client, years, tajikistan, tjk_focal
):
    older, current = years
    rate(tajikistan, current, tjk_focal, 1, "fully")  # a draft
    client.force_login(tjk_focal)

    html = client.get(participant_url("TJK")).text

    assert 'role="img" aria-label="Paragraphs of Dushanbe Declaration by rating, per cycle"' in html
    assert "<title>2025: Partially implemented 1</title>" in html
    row = re.search(r"OP1 <span.*?</tr>", html, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert "Partially implemented" in cells[0] and "trend" not in cells[0]
    assert "Fully implemented" in cells[1] and "▲ improved" in cells[1]
    assert ">Draft</span>" in html and ">Approved</span>" in html


def test_the_secretariat_sees_only_submitted_and_approved_cycles(
    client, years, tajikistan, tjk_focal, secretariat
):
    older, current = years
    rate(tajikistan, current, tjk_focal, 1, "fully")  # a draft
    client.force_login(secretariat)

    html = client.get(participant_url("TJK")).text

    row = re.search(r"OP1 <span.*?</tr>", html, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert "Partially implemented" in cells[0]
    assert "Not rated" in cells[1] and "Fully" not in cells[1]
    assert ">Draft</span>" not in html and "Nothing submitted" in html


def test_every_declaration_shows_by_title_with_its_operative_paragraphs_or_none(
    client, years, tajikistan, tjk_focal
):
    # Read in one query with their operative paragraphs: one without cycles or without
    # operative paragraphs still shows.
    older, current = years
    for title in ("Zeta Declaration", "Alpha Declaration"):
        other = Declaration.objects.create(title=title, short_title=title, slug=title.lower())
        tajikistan.declarations.add(other)
    alpha = Declaration.objects.get(title="Alpha Declaration")
    Paragraph.objects.create(
        declaration=alpha, kind=Paragraph.Kind.PREAMBULAR, verb="Noting", position=1
    )
    new_cycle(alpha, 2026, state=ReportingCycle.State.OPEN)
    client.force_login(tjk_focal)

    html = client.get(participant_url("TJK")).text

    titles = re.findall(r'<h2 id="declaration-\d+">(.*?)</h2>', html)
    assert titles == ["Alpha Declaration", "Dushanbe Declaration", "Zeta Declaration"]
    alpha_part, dushanbe, zeta = html.split('<section class="card"')[1:]
    assert "<tbody>\n        \n      </tbody>" in alpha_part and ">2026<" in alpha_part
    assert dushanbe.count('<th scope="row">OP') == 16
    assert "No reporting cycle has been opened yet." in zeta


def test_a_member_and_then_the_secretariat_each_see_their_own_ratings(
    client, years, tajikistan, tjk_focal, secretariat
):
    # The ratings' SQL is compiled once per process for each rule of what a user sees.
    older, current = years
    rate(tajikistan, current, tjk_focal, 1, "fully")  # a draft
    client.force_login(tjk_focal)
    assert "Fully implemented" in client.get(participant_url("TJK")).text

    client.force_login(secretariat)
    html = client.get(participant_url("TJK")).text

    assert "Partially implemented" in html and "Fully implemented</span><br>" not in html
    assert ">Draft</span>" not in html


def test_a_verb_is_escaped_in_the_participant_page_s_rows(
    client, years, declaration, tajikistan, tjk_focal
):
    Paragraph.objects.filter(declaration=declaration, number=1).update(verb="<b>Urges</b> & asks")
    client.force_login(tjk_focal)

    html = client.get(participant_url("TJK")).text

    assert (
        '<th scope="row">OP1 <span class="muted">&lt;b&gt;Urges&lt;/b&gt; &amp; asks</span>' in html
    )


def test_the_participant_page_is_linked_from_home_and_matrix(
    client, years, tajikistan, tjk_focal, secretariat
):
    older, current = years
    rate(tajikistan, current, tjk_focal, 1, "fully", state=Submission.State.SUBMITTED)
    client.force_login(tjk_focal)
    assert f'href="{participant_url("TJK")}">Tajikistan</a> · ' in client.get("/").text
    client.force_login(secretariat)
    assert (
        f'href="{participant_url("TJK")}">Tajikistan</a>'
        in client.get(reverse("tracking:matrix")).text
    )


def test_an_unknown_participant_is_404(client, secretariat):
    client.force_login(secretariat)

    assert client.get(participant_url("XXX")).status_code == 404


@pytest.mark.parametrize("cycles", [1, 4])
def test_the_participant_page_runs_the_same_queries_for_1_and_4_cycles(
    cycles, client, declaration, tajikistan, tjk_focal, django_assert_num_queries
):
    for year in range(2020, 2020 + cycles):
        cycle = new_cycle(declaration, year, state=ReportingCycle.State.CLOSED)
        for number in range(1, 17):
            rate(tajikistan, cycle, tjk_focal, number, "partially", state="approved")
    client.force_login(tjk_focal)

    # session, user, memberships (with the participant, for its members), its declarations
    # with their operative paragraphs, their cycles, the submissions the user may see with
    # their ratings.
    with django_assert_num_queries(6):
        response = client.get(participant_url("TJK"))
    assert response.status_code == 200
    # A column per cycle (the cycles of a declaration, a few a decade): 2.5 KB each.
    assert len(response.content) <= 9_000 + cycles * 3_000


# --- Reports ------------------------------------------------------------------------------


@pytest.fixture
def rated_2027(records, tajikistan, kazakhstan, tjk_focal, kaz_focal):
    """2027 ratings of both, submitted: against 2026 (Tajikistan submitted, Kazakhstan a
    draft)."""
    following = records.next_cycle
    Submission.objects.filter(cycle=following).update(state=Submission.State.SUBMITTED)
    state = Submission.State.SUBMITTED
    for number, rating in ((1, "substantially"), (5, "substantially"), (7, "not_applicable"),
                           (2, "partially")):  # fmt: skip
        rate(tajikistan, following, tjk_focal, number, rating, state=state)
    rate(kazakhstan, following, kaz_focal, 1, "partially", state=state)
    return following


def _build(client, user, declaration, cycle, settings, tmp_path, **fields) -> bytes:
    settings.MEDIA_ROOT = tmp_path / "media"
    report = request_report(client, user, declaration, cycle, **fields)
    services.report_run(report_id=report.pk)
    report.refresh_from_db()
    assert report.state == Report.State.SUCCEEDED, report.error
    response = client.get(reverse("tracking:report_download", args=[report.pk]))
    return b"".join(response.streaming_content)


def test_the_assessments_table_has_the_previous_rating_and_the_change(
    client, rated_2027, declaration, tjk_focal, kaz_focal, secretariat, settings, tmp_path
):
    mine = sheet_rows(_build(client, tjk_focal, declaration, rated_2027, settings, tmp_path),
                      "Assessments")  # fmt: skip
    shared = sheet_rows(_build(client, secretariat, declaration, rated_2027, settings, tmp_path),
                        "Assessments")  # fmt: skip
    kazakh = sheet_rows(_build(client, kaz_focal, declaration, rated_2027, settings, tmp_path),
                        "Assessments")  # fmt: skip

    assert mine[0][4:8] == ("Paragraph", "Rating", "Previous rating", "Change")
    assert {row[4]: row[5:8] for row in mine[1:]} == {
        1: ("Substantially implemented", "Partially implemented", "▲ improved"),
        2: ("Partially implemented", None, "★ new"),
        5: ("Substantially implemented", "Substantially implemented", "◆ unchanged"),
        7: ("Not applicable", "Fully implemented", "≠ changed"),
    }
    # Kazakhstan's 2026 rating is a draft: its own people see it, the secretariat does not.
    assert [row[5:8] for row in kazakh[1:]] == [
        ("Partially implemented", "Not started", "▲ improved")
    ]
    kaz_row = next(row for row in shared[1:] if row[0] == "KAZ")
    assert kaz_row[5:8] == ("Partially implemented", None, "★ new")


def test_a_report_of_a_first_cycle_leaves_the_comparison_blank(build_report, records, tjk_focal):
    report, content = build_report(tjk_focal, format="xlsx")

    rows = sheet_rows(content, "Assessments")
    assert rows[0][6:8] == ("Previous rating", "Change")
    assert {row[6:8] for row in rows[1:]} == {(None, None)}
    assert dict(sheet_rows(content, "Summary"))["Compared with"] == "No earlier cycle"


def test_the_pdf_shows_the_previous_rating_next_to_each(
    client, rated_2027, declaration, tjk_focal, secretariat, settings, tmp_path
):
    text = pdf_text(
        _build(client, tjk_focal, declaration, rated_2027, settings, tmp_path, format="pdf")
    )
    consolidated = pdf_text(
        _build(client, secretariat, declaration, rated_2027, settings, tmp_path, format="pdf")
    )

    assert (
        "Rating: Substantially implemented · Previous: Partially implemented (▲ improved)" in text
    )
    assert "Rating: Not applicable · Previous: Fully implemented (≠ changed)" in text
    assert "Rating: Not assessed · Previous: Not assessed" in text
    assert "Compared with 2026: 1 improved, 0 regressed, 1 unchanged." in consolidated


def test_a_report_without_a_cycle_takes_the_open_one_not_every_cycle(
    records, declaration, cycle, tjk_focal
):
    report = Report.objects.create(requested_by=tjk_focal, declaration=declaration, format="csv")
    cycle.state = ReportingCycle.State.CLOSED
    cycle.save()

    data = ReportData(report)

    assert data.cycle == records.next_cycle and data.previous_cycle == cycle
    titles = set(data.actions().values_list("title", flat=True))
    assert titles == {"Draft border plan", "Financial intelligence unit strengthened"}
    assert set(data.updates().values_list("narrative", flat=True)) == {"Draft note on the unit"}
    assert set(data.evidence().values_list("title", flat=True)) == {"Draft memo"}


def test_the_report_form_requires_a_cycle(client, records, declaration, tjk_focal):
    client.force_login(tjk_focal)

    response = client.post(
        reverse("tracking:report_request"), {"declaration": declaration.pk, "format": "csv"}
    )

    assert response.status_code == 200
    assert not Report.objects.exists()


@pytest.mark.postgresql  # COPY is PostgreSQL's: the CI runs it in its PostgreSQL pass
def test_on_postgresql_copy_writes_the_comparison_as_python_does(
    client, rated_2027, declaration, secretariat, tmp_path, monkeypatch
):
    from tracking.reports import csv as csv_report

    from .test_report_writers import build_both_ways

    report = request_report(client, secretariat, declaration, rated_2027, format="csv")

    by_copy, by_python = build_both_ways(csv_report.build, report, tmp_path, monkeypatch)

    assert by_copy["assessments.csv"] == by_python["assessments.csv"]
    assert "▲ improved".encode() in by_copy["assessments.csv"]
