"""The home page: each member's position per paragraph, the secretariat's overview."""

import pytest
from django.urls import reverse

from tests.conftest import new_cycle
from tracking.models import Membership, Participant, ReportingCycle, Submission, User

from .filings import file_action, file_update, rate, submission, submitted_by_new_participants

URL = reverse("home")


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_without_a_role_is_told_there_is_no_access_yet(client, db):
    client.force_login(User.objects.create_user("newcomer"))

    response = client.get(URL)

    assert "No access yet" in response.text
    assert "Matrix" not in response.text


def test_a_focal_point_sees_each_paragraph_with_its_rating_actions_and_last_update(
    client, cycle, tajikistan, tjk_focal
):
    action = file_action(tajikistan, cycle, tjk_focal, numbers=(4,))
    file_update(action, tjk_focal, date="2026-03-15")
    rate(tajikistan, cycle, tjk_focal, 4, "substantially")
    client.force_login(tjk_focal)

    response = client.get(URL)

    row = response.text.split("OP4 <span", 1)[1].split("</tr>", 1)[0]
    assert 'class="rating rating--substantially">Substantially implemented<' in row
    assert ">1</a>" in row
    assert "2026-03-15" in row
    assert ">Tajikistan</a> · Dushanbe Declaration 2026" in response.text


def test_a_member_of_two_participants_sees_each_open_cycle_of_each_one(
    client, cycle, tajikistan, kazakhstan, tjk_focal
):
    Membership.objects.create(user=tjk_focal, participant=kazakhstan, role="viewer")
    new_cycle(cycle.declaration, 2025, state=ReportingCycle.State.CLOSED)
    Participant.objects.create(code="KGZ", name="Kyrgyzstan", kind="state")  # no declaration
    client.force_login(tjk_focal)

    html = client.get(URL).text

    assert ">Kazakhstan</a> · Dushanbe Declaration 2026" in html
    assert ">Tajikistan</a> · Dushanbe Declaration 2026" in html
    assert html.index(">Kazakhstan</a>") < html.index(">Tajikistan</a>")
    assert html.count("<h3>What is still missing for this cycle</h3>") == 2
    assert "2025" not in html


def test_it_says_what_is_still_missing_for_the_open_cycle(client, cycle, tajikistan, tjk_focal):
    rate(tajikistan, cycle, tjk_focal, 1, "partially")
    record = submission(tajikistan, cycle)
    record.review_comment = "Please add the budget figures."
    record.save()
    client.force_login(tjk_focal)

    response = client.get(URL)

    assert "15 operative paragraphs have no rating yet" in response.text
    assert "OP2, OP3" in response.text
    assert "due on 2026-12-31" in response.text
    assert "Please add the budget figures." in response.text


def test_it_shows_actions_by_status_as_a_chart_with_the_numbers(
    client, cycle, tajikistan, tjk_focal
):
    file_action(tajikistan, cycle, tjk_focal, status="completed")
    file_action(tajikistan, cycle, tjk_focal, status="completed")
    client.force_login(tjk_focal)

    response = client.get(URL)

    assert '<svg class="chart" role="img" aria-label="Actions of Tajikistan by status"' in (
        response.text
    )
    assert '<th scope="row">Completed</th><td>2</td>' in response.text


def test_kazakhstan_sees_nothing_of_tajikistan_on_its_home(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal
):
    file_action(tajikistan, cycle, tjk_focal, title="Tajik draft plan")
    rate(tajikistan, cycle, tjk_focal, 1, "fully")
    client.force_login(kaz_focal)

    response = client.get(URL)

    assert "Tajikistan" not in response.text
    assert "Fully implemented" not in response.text
    assert "16 operative paragraphs have no rating yet" in response.text


def test_a_viewer_sees_the_position_but_no_link_to_change_it(
    client, cycle, tajikistan, tjk_focal, tjk_viewer
):
    rate(tajikistan, cycle, tjk_focal, 1, "partially")
    client.force_login(tjk_viewer)

    response = client.get(URL)

    assert "Partially implemented" in response.text
    assert "New action" not in response.text
    submission = reverse("tracking:submission", args=["TJK", cycle.pk])
    assert f'href="{submission}"' in response.text


def test_the_secretariat_sees_links_and_counts_of_submitted_records_only(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    file_action(tajikistan, cycle, tjk_focal, status="delayed")
    file_action(kazakhstan, cycle, kaz_focal, status="completed", state=Submission.State.SUBMITTED)
    client.force_login(secretariat)

    response = client.get(URL)

    assert f'href="{reverse("tracking:matrix")}"' in response.text
    assert f'href="{reverse("tracking:completeness")}"' in response.text
    assert f'href="{reverse("tracking:actions")}"' in response.text
    assert "<dt>Submitted actions in the current cycles</dt><dd>1</dd>" in response.text
    assert "<dt>Submissions still in draft</dt><dd>1</dd>" in response.text
    assert '<th scope="row">Completed</th><td>1</td>' in response.text
    assert '<th scope="row">Delayed</th><td>0</td>' in response.text


@pytest.mark.parametrize("rows", [1, 50])
def test_the_home_runs_the_same_queries_for_1_and_50_actions(
    rows, client, cycle, tajikistan, tjk_focal, django_assert_num_queries
):
    for n in range(rows):
        action = file_action(tajikistan, cycle, tjk_focal, numbers=(1 + n % 16,))
        file_update(action, tjk_focal)
        if n < 16:
            rate(tajikistan, cycle, tjk_focal, 1 + n, "partially")
    client.force_login(tjk_focal)

    # session, user, memberships (with their participants), the open cycles of each
    # participant, operative paragraphs, submissions, ratings, the action tallies (per
    # paragraph with the last update, and per status: one query) (memberships serve
    # "New action" and the header too).
    with django_assert_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200
    # Counts per paragraph and status, never a row per action: 8.8 KB with 1, 10 KB with 50.
    assert len(response.content) <= 12_000


def test_the_secretariat_s_counts_follow_every_submission_and_participant_on_the_next_view(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    client.force_login(secretariat)
    file_action(kazakhstan, cycle, kaz_focal, status="completed", state=Submission.State.SUBMITTED)
    assert "<dt>Submissions still in draft</dt><dd>0</dd>" in client.get(URL).text

    file_action(tajikistan, cycle, tjk_focal, status="delayed")
    assert "<dt>Submissions still in draft</dt><dd>1</dd>" in client.get(URL).text

    submission(tajikistan, cycle, Submission.State.SUBMITTED)  # its version grows, as on submit
    html = client.get(URL).text
    assert "<dt>Submitted actions in the current cycles</dt><dd>2</dd>" in html
    assert '<th scope="row">Delayed</th><td>1</td>' in html

    submission(tajikistan, cycle, Submission.State.DRAFT)  # returned
    assert '<th scope="row">Delayed</th><td>0</td>' in client.get(URL).text

    participants = client.get(URL).text.split("<dt>Participants</dt><dd>")[1][:3]
    Participant.objects.create(code="KGZ", name="Kyrgyzstan")
    assert client.get(URL).text.split("<dt>Participants</dt><dd>")[1][:3] != participants


@pytest.mark.parametrize("rows", [1, 50])
def test_the_secretariat_s_home_from_the_cache_runs_the_same_queries(
    rows, client, cycle, secretariat, django_assert_num_queries
):
    submitted_by_new_participants(rows, cycle, secretariat)
    client.force_login(secretariat)
    client.get(URL)

    # session, user, memberships, the version of the counts (kept in the cache).
    with django_assert_num_queries(4):
        assert client.get(URL).status_code == 200


def test_names_and_verbs_are_escaped_in_the_rows_and_the_tables(
    client, cycle, declaration, tajikistan, tjk_focal
):
    Participant.objects.filter(pk=tajikistan.pk).update(name='Tom & "Jerry" <b>')
    declaration.paragraphs.filter(number=4).update(verb="Urges & <calls>")
    client.force_login(tjk_focal)

    page = client.get(URL).text

    assert 'OP4 <span class="muted">Urges &amp; &lt;calls&gt;</span>' in page
    assert "<caption>Actions of Tom &amp; &quot;Jerry&quot; &lt;b&gt; by status</caption>" in page
    assert "<b>" not in page and "<calls>" not in page
