"""The page of a sealed submission is kept in the cache, for the secretariat and, apart, for the
members of its participant, until what it shows changes: an approval, a return and a new
submitting, a renamed participant, cycle or person, a new or moved match of one of its needs,
a coordinator more or less (named to those who file), or a rating of the earlier cycle's draft
(members see it) shows on the next view; a coordinator's review form is written anew."""

import re

import pytest
from django.core.cache import cache

from tests.conftest import new_cycle
from tracking import assistance, services
from tracking.models import Assessment, Evidence, Match, Membership, Submission

from .filings import file_action, make_offer, rate_all, state_need


@pytest.fixture
def submitted(cycle, tajikistan, tjk_focal):
    """Tajikistan's submitted submission, every paragraph rated."""
    draft = rate_all(tajikistan, cycle, tjk_focal)
    return services.submission_submit(submission=draft, version=draft.version, user=tjk_focal)


def _fresh(submission) -> Submission:
    return Submission.objects.get(pk=submission.pk)


def test_an_approval_a_return_and_a_new_submitting_show_on_the_next_view(
    client, submitted, tjk_focal, tjk_coordinator, secretariat
):
    url = submitted.get_absolute_url()
    client.force_login(secretariat)
    assert '<span class="badge">Submitted</span>' in client.get(url).text

    returned = services.submission_return(
        submission=_fresh(submitted), version=submitted.version, user=tjk_coordinator,
        comment="Say more on paragraph 1.",
    )  # fmt: skip
    assert client.get(url).status_code == 404

    rating = Assessment.objects.get(submission=submitted, paragraph__number=1)
    rating.justification = "A plan is drafted."
    rating.save()
    services.submission_submit(submission=returned, version=returned.version, user=tjk_focal)
    page = client.get(url).text
    assert "A plan is drafted." in page
    assert "Say more on paragraph 1." in page

    services.submission_approve(
        submission=_fresh(submitted), version=_fresh(submitted).version, user=tjk_coordinator,
        comment="Thank you.",
    )  # fmt: skip
    page = client.get(url).text
    assert '<span class="badge">Approved</span>' in page
    assert "Thank you." in page


def test_a_renamed_participant_cycle_and_submitter_show_on_the_next_view(
    client, submitted, cycle, tajikistan, tjk_focal, secretariat
):
    url = submitted.get_absolute_url()
    client.force_login(secretariat)
    assert "by Farrukh Focal" in client.get(url).text

    tajikistan.name = "Republic of Tajikistan"
    tajikistan.save()
    assert "<h1>Republic of Tajikistan: submission for" in client.get(url).text

    cycle.name = "2026 (extended)"
    cycle.save()
    assert "2026 (extended)</h1>" in client.get(url).text

    tjk_focal.first_name = "Farrukhjon"
    tjk_focal.save()
    page = client.get(url).text
    assert "by Farrukhjon Focal" in page
    assert "Farrukh Focal" not in page


def test_a_new_match_and_its_moves_show_on_the_next_view(
    client, cycle, tajikistan, tjk_focal, tjk_coordinator, secretariat, unodc, provider
):
    need = state_need(tajikistan, cycle, tjk_focal)
    draft = rate_all(need.submission)
    draft = services.submission_submit(submission=draft, version=draft.version, user=tjk_focal)
    approved = services.submission_approve(
        submission=draft, version=draft.version, user=tjk_coordinator
    )
    offer = make_offer(unodc, cycle.declaration, provider)
    url = approved.get_absolute_url()
    client.force_login(secretariat)
    assert "Proposed" not in client.get(url).text

    match = assistance.match_propose(need=need, offer=offer, note="", user=secretariat)
    assert f"{unodc}: Proposed" in client.get(url).text

    assistance.match_move(match=match, state=Match.State.AGREED, version=match.version,
                          note="", user=secretariat)  # fmt: skip
    assert f"{unodc}: Agreed" in client.get(url).text


def test_from_the_cache_the_page_reads_the_version_the_names_and_the_matches(
    client, submitted, secretariat, django_assert_num_queries
):
    url = submitted.get_absolute_url()
    client.force_login(secretariat)
    first = client.get(url)

    # session, user, memberships (header), the submission with its participant and cycle, the
    # version of the declaration's records, the names of the people the page names, its
    # needs' matches (count, newest change, sum of versions).
    with django_assert_num_queries(7):
        again = client.get(url)
    content = "<h1>"
    assert again.text[again.text.index(content) :] == first.text[first.text.index(content) :]


def _content(html: str) -> str:
    """The page's content, its CSRF token (written anew on each view) left out."""
    content = html[html.index("<h1>") :]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", content)


@pytest.mark.parametrize("member", ["tjk_focal", "tjk_coordinator", "tjk_viewer"])
def test_a_members_page_of_a_sealed_submission_is_kept_apart_from_the_secretariats(
    member, request, client, submitted, tjk_focal, secretariat, django_assert_num_queries
):
    user = request.getfixturevalue(member)
    action = file_action(
        submitted.participant, submitted.cycle, tjk_focal, state=Submission.State.SUBMITTED
    )
    Evidence.objects.create(
        action=action, submission=submitted, title="Internal memo",
        url="https://example.org/memo", uploaded_by=tjk_focal,
        visibility=Evidence.Visibility.PARTICIPANT,
    )  # fmt: skip
    url = submitted.get_absolute_url()
    client.force_login(secretariat)
    assert "<li>0 evidence items</li>" in client.get(url).text
    client.force_login(user)
    first = client.get(url)

    # session, user, memberships, the submission, the version, the names the page names (and
    # the coordinators, for those who file), the matches and the earlier cycle's submission.
    with django_assert_num_queries(7):
        again = client.get(url)
    cache.clear()
    afresh = client.get(url)

    assert "<li>1 evidence item</li>" in first.text
    assert _content(again.text) == _content(first.text) == _content(afresh.text)
    client.force_login(secretariat)
    assert "<li>0 evidence items</li>" in client.get(url).text


def test_those_who_file_read_why_it_is_locked_whoever_saw_the_page_first(
    client, submitted, tjk_focal, tjk_coordinator, tjk_viewer
):
    # Approved: the note names no coordinators.
    services.submission_approve(
        submission=submitted, version=submitted.version, user=tjk_coordinator
    )
    url = submitted.get_absolute_url()
    note = "Why nothing here can change"
    client.force_login(tjk_viewer)
    assert note not in client.get(url).text

    client.force_login(tjk_focal)
    assert note in client.get(url).text


def test_the_lock_names_the_coordinators_as_they_are_now(
    client, submitted, tajikistan, tjk_focal, tjk_coordinator, django_user_model
):
    url = submitted.get_absolute_url()
    client.force_login(tjk_focal)
    assert "can return it to draft: Kamila Coordinator." in client.get(url).text

    other = django_user_model.objects.create_user("tjk-deputy", first_name="Dilnoza",
                                                  last_name="Deputy")  # fmt: skip
    Membership.objects.create(user=other, participant=tajikistan, role="coordinator")
    assert "draft: Kamila Coordinator, Dilnoza Deputy." in client.get(url).text

    Membership.objects.filter(user=tjk_coordinator).update(role="focal_point")
    assert "draft: Dilnoza Deputy." in client.get(url).text

    other.first_name = "Dilya"
    other.save()
    assert "draft: Dilya Deputy." in client.get(url).text


def test_a_coordinator_gets_a_fresh_review_form_on_each_view(
    client, submitted, tjk_focal, tjk_coordinator
):
    url = submitted.get_absolute_url()
    client.force_login(tjk_focal)
    assert "Return to draft</button>" not in client.get(url).text
    client.force_login(tjk_coordinator)
    first = client.get(url).text
    client.logout()
    client.force_login(tjk_coordinator)
    again = client.get(url).text

    assert "Return to draft</button>" in again
    token = 'name="csrfmiddlewaretoken" value="'
    assert token in again
    assert again.split(token)[1][:64] != first.split(token)[1][:64]
    client.force_login(tjk_focal)
    assert "Return to draft</button>" not in client.get(url).text


def test_members_see_the_earlier_cycles_draft_ratings_as_they_change(
    client, declaration, submitted, tajikistan, tjk_focal
):
    earlier = new_cycle(declaration, 2025)
    draft = rate_all(tajikistan, earlier, tjk_focal)
    url = submitted.get_absolute_url()
    client.force_login(tjk_focal)
    assert "<td>Not started</td>" in client.get(url).text

    # A draft's rating changes without a new version.
    Assessment.objects.filter(submission=draft).update(rating=Assessment.Rating.FULLY)

    page = client.get(url).text
    assert "<td>Fully implemented</td>" in page
    assert "<td>Not started</td>" not in page
