"""The secretariat's matrix of ratings and its completeness page."""

import re

import pytest
from django.urls import reverse

from declarations.models import Paragraph
from tests.conftest import new_cycle
from tracking import services
from tracking.models import Assessment, Membership, Participant, ReportingCycle, Submission

from .filings import file_action, rate, rate_all, submission

MATRIX = reverse("tracking:matrix")
COMPLETENESS = reverse("tracking:completeness")


def _cell(html: str, participant: str, number: int) -> str:
    """The text of the matrix cell of a participant's row under OP<number>."""
    row = re.search(rf'<th scope="row"><a [^>]*>{participant}</a></th>(.*?)</tr>', html, re.S)
    row = row.group(1)
    return re.findall(r"<td>(.*?)</td>", row, re.S)[number - 1]


@pytest.mark.parametrize("url", [MATRIX, COMPLETENESS])
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, url):
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("url", [MATRIX, COMPLETENESS])
@pytest.mark.parametrize("member", ["tjk_focal", "tjk_coordinator", "tjk_viewer", "kaz_focal"])
def test_only_the_secretariat_may_open_it(client, cycle, url, member, request):
    client.force_login(request.getfixturevalue(member))

    assert client.get(url).status_code == 403


def test_each_cell_shows_the_rating_and_the_number_of_actions(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    state = Submission.State.SUBMITTED
    rate(kazakhstan, cycle, kaz_focal, 3, "substantially", state=state)
    file_action(kazakhstan, cycle, kaz_focal, numbers=(3, 4), state=state)
    file_action(kazakhstan, cycle, kaz_focal, numbers=(3,), state=state)
    client.force_login(secretariat)

    html = client.get(MATRIX).text

    assert '"r r2">Substantially implemented<' in _cell(html, "Kazakhstan", 3)
    assert "2 actions" in _cell(html, "Kazakhstan", 3)
    assert "Not rated" in _cell(html, "Kazakhstan", 4)
    assert "1 action" in _cell(html, "Kazakhstan", 4)
    assert "0 actions" in _cell(html, "Kazakhstan", 5)


def test_the_matrix_never_shows_a_draft(client, cycle, tajikistan, tjk_focal, secretariat):
    rate(tajikistan, cycle, tjk_focal, 3, "fully")
    file_action(tajikistan, cycle, tjk_focal, numbers=(3,))
    client.force_login(secretariat)

    html = client.get(MATRIX, {"everyone": "on"}).text

    assert "Not rated" in _cell(html, "Tajikistan", 3)
    assert "0 actions" in _cell(html, "Tajikistan", 3)
    assert "Fully implemented</span>" not in html.split("<section", 1)[0]


def test_by_default_it_shows_only_the_participants_with_submitted_records(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    file_action(tajikistan, cycle, tjk_focal, numbers=(3,))
    rate(kazakhstan, cycle, kaz_focal, 3, "partially", state=Submission.State.SUBMITTED)
    client.force_login(secretariat)

    html = client.get(MATRIX).text
    everyone = client.get(MATRIX, {"everyone": "on"}).text

    assert '/tracking/participants/KAZ/">Kazakhstan</a></th>' in html
    assert ">Tajikistan</a></th>" not in html
    assert "1 of 2 participants have submitted records in this cycle" in html
    assert '/tracking/participants/TJK/">Tajikistan</a></th>' in everyone
    assert "All 2 participants of the declaration." in everyone


def test_it_charts_the_ratings_per_paragraph_with_a_table_of_the_numbers(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    rate(kazakhstan, cycle, kaz_focal, 1, "partially", state="approved")
    rate(tajikistan, cycle, tjk_focal, 1, "partially", state="submitted")
    client.force_login(secretariat)

    html = client.get(MATRIX).text

    assert 'aria-label="Ratings per operative paragraph"' in html
    assert "<title>OP1: Partially implemented 2</title>" in html
    assert '<th scope="row">OP1</th><td>0</td><td>2</td>' in html


def test_another_cycle_can_be_chosen(client, cycle, kazakhstan, kaz_focal, secretariat):
    older = new_cycle(cycle.declaration, 2025, state=ReportingCycle.State.CLOSED)
    rate(kazakhstan, older, kaz_focal, 2, "fully", state="approved")
    client.force_login(secretariat)

    assert "Fully implemented</span>" not in client.get(MATRIX).text
    assert "Fully implemented</span>" in client.get(MATRIX, {"cycle": older.pk}).text


def test_a_cached_matrix_shows_a_submission_or_a_return_on_the_next_view(
    client, cycle, tjk_action, tjk_focal, tjk_coordinator, secretariat
):
    draft = rate_all(tjk_action.submission, rating="partially")
    client.force_login(secretariat)
    assert ">Tajikistan</a></th>" not in client.get(MATRIX).text

    services.submission_submit(submission=draft, version=draft.version, user=tjk_focal)
    html = client.get(MATRIX).text

    assert "Partially implemented" in _cell(html, "Tajikistan", 6)
    assert "1 action" in _cell(html, "Tajikistan", 6)
    submitted = Submission.objects.get(pk=draft.pk)
    services.submission_return(
        submission=submitted, version=submitted.version, user=tjk_coordinator, comment="More."
    )
    assert ">Tajikistan</a></th>" not in client.get(MATRIX).text


def test_a_cached_matrix_shows_a_renamed_cycle_and_a_new_participant(
    client, cycle, kazakhstan, kaz_focal, secretariat
):
    rate(kazakhstan, cycle, kaz_focal, 3, "partially", state=Submission.State.SUBMITTED)
    client.force_login(secretariat)
    client.get(MATRIX, {"everyone": "on"})

    services.cycle_edit(
        cycle=cycle,
        user=secretariat,
        values={
            "declaration": cycle.declaration,
            "name": "2026 (extended)",
            "starts_on": cycle.starts_on,
            "ends_on": cycle.ends_on,
            "due_on": cycle.due_on,
        },
        participants=list(cycle.participants.all()),
    )
    Participant.objects.create(code="KGZ", name="Kyrgyzstan", kind="state").declarations.add(
        cycle.declaration
    )
    html = client.get(MATRIX, {"everyone": "on"}).text

    assert "2026 (extended)" in html.split("<table>", 1)[0]
    assert "All 2 participants of the declaration." in html
    assert ">Kyrgyzstan</a></th>" in html


def test_a_member_in_the_secretariat_sees_its_draft_change_at_once(
    client, cycle, tajikistan, tjk_focal, secretariat
):
    Membership.objects.create(user=secretariat, participant=tajikistan, role="viewer")
    client.force_login(secretariat)
    rate(tajikistan, cycle, tjk_focal, 3, "partially")
    assert "Partially implemented" in _cell(client.get(MATRIX).text, "Tajikistan", 3)

    Assessment.objects.filter(submission__participant=tajikistan).update(rating="not_started")

    assert "Not started" in _cell(client.get(MATRIX).text, "Tajikistan", 3)


def test_completeness_lists_each_participant_with_its_submission_state(
    client, cycle, tajikistan, kazakhstan, secretariat
):
    submission(kazakhstan, cycle, Submission.State.SUBMITTED)
    submission(tajikistan, cycle, Submission.State.DRAFT)
    Participant.objects.create(code="KGZ", name="Kyrgyzstan", kind="state").declarations.add(
        cycle.declaration
    )
    client.force_login(secretariat)

    html = client.get(COMPLETENESS).text

    assert "due on 2026-12-31" in html
    assert re.search(r"Kazakhstan</td>.*?Submitted", html, re.S)
    assert re.search(r"Tajikistan</td>.*?Draft", html, re.S)
    assert re.search(r"Kyrgyzstan</td>.*?No submission", html, re.S)
    assert "<dt>No submission</dt><dd>1</dd>" in html
    assert "<dt>Submitted</dt><dd>1</dd>" in html


def _participants(n: int, cycle) -> None:
    for i in range(n):
        participant = Participant.objects.create(
            code=f"P{i:02}", name=f"State {i:02}", kind="state"
        )
        participant.declarations.add(cycle.declaration)
        submission(participant, cycle, Submission.State.SUBMITTED)


def _rate_everything(cycle, user, ratings: list[str], state: str) -> None:
    """Rates every operative paragraph of every participant in one go, `ratings` in turn."""
    paragraphs = list(Paragraph.objects.operative().filter(declaration=cycle.declaration))
    Assessment.objects.bulk_create(
        Assessment(
            submission=submission(participant, cycle, state),
            paragraph=paragraph,
            rating=ratings[(participant.pk + paragraph.pk) % len(ratings)],
            justification="Because.",
            updated_by=user,
        )
        for participant in Participant.objects.all()
        for paragraph in paragraphs
    )


# The page around the table (header, forms, legend, chart: 11-12 KB) and what one more
# participant may add: its row header and 16 cells, each rated and changed since the previous
# cycle (2.3 KB). The cells that repeated the previous rating and the trend word in every
# cell took 3.6 KB a row.
MATRIX_PAGE_BYTES = 15_000
MATRIX_ROW_BYTES = 2_500


@pytest.mark.parametrize("rows", [1, 50])
@pytest.mark.parametrize("earlier", [False, True], ids=["first cycle", "compared"])
def test_the_matrix_runs_the_same_queries_for_1_and_50_participants(
    rows, earlier, client, cycle, secretariat, django_assert_num_queries
):
    _participants(rows, cycle)
    _rate_everything(cycle, secretariat, ["partially", "fully", "substantially"], "submitted")
    if earlier:
        older = new_cycle(cycle.declaration, 2025, state=ReportingCycle.State.CLOSED)
        _rate_everything(older, secretariat, ["substantially", "partially", "fully"], "approved")
    client.force_login(secretariat)

    # session, user, the cycles (form and default), memberships, the version of what the
    # matrix shows, operative paragraphs, participants, ratings, action counts per participant
    # and paragraph, the previous cycle; when there is one, its ratings.
    with django_assert_num_queries(11 if earlier else 10):
        response = client.get(MATRIX)
    assert response.status_code == 200
    # Again: the same matrix from the cache, after the session, user, cycles, memberships and
    # the version.
    with django_assert_num_queries(5):
        again = client.get(MATRIX)
    assert again.text.split('role="region"')[1] == response.text.split('role="region"')[1]
    matrix = response.text.split('<section class="card"')[0]
    assert matrix.count("<td>") == rows * 16
    # Every rating changed: each cell carries its mark.
    assert matrix.count("<b class=") == (rows * 16 if earlier else 0)
    assert len(response.content) <= MATRIX_PAGE_BYTES + rows * MATRIX_ROW_BYTES


@pytest.mark.parametrize("rows", [1, 50])
def test_completeness_runs_the_same_queries_for_1_and_50_participants(
    rows, client, cycle, secretariat, django_assert_num_queries
):
    _participants(rows, cycle)
    client.force_login(secretariat)

    # session, user, the cycles (form and default), the user's memberships (header), the
    # cycle's chases with their chasers and the version of the declaration's records (the
    # cache's key), the participants and their states counted (the paginator's count too), the
    # page of participants with their submission (subqueries).
    with django_assert_num_queries(8):
        response = client.get(COMPLETENESS)
    assert response.status_code == 200
    # Again: the counts and the table from the cache.
    with django_assert_num_queries(6):
        client.get(COMPLETENESS)
    # One page of at most 25 participants (4.4 KB with 1, 13.2 KB with 25 of the 50).
    assert len(response.content) <= 5_000 + min(rows, 25) * 450


def test_completeness_pages_through_the_participants_it_counted(client, cycle, secretariat):
    _participants(55, cycle)
    client.force_login(secretariat)

    first = client.get(COMPLETENESS).text
    second = client.get(COMPLETENESS, {"page": 2}).text

    assert "<dt>Participants</dt><dd>55</dd>" in first
    assert first.count("<td ") // 6 == 50
    assert second.count("<td ") // 6 == 5
    assert "State 54" in second and "State 54" not in first
