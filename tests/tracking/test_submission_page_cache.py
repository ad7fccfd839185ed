"""The secretariat's page of a sealed submission is kept in the cache until what it shows
changes: an approval, a return and a new submitting, a renamed participant, cycle or person,
or a new or moved match of one of its needs shows on the next view."""

import pytest

from tracking import assistance, services
from tracking.models import Assessment, Match, Submission

from .filings import make_offer, rate_all, state_need


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
