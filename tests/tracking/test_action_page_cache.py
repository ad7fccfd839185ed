"""The secretariat's page of a sealed action is kept in the cache until what it shows changes:
a return, a new submitting or an approval, a renamed participant or cycle, or a renamed
author shows on the next view."""

import pytest

from tracking import services
from tracking.models import Membership, Submission

from .filings import file_action, file_update, rate_all


@pytest.fixture
def submitted(cycle, tajikistan, tjk_focal):
    """A submitted action of Tajikistan's, with one progress update."""
    action = file_action(tajikistan, cycle, tjk_focal, title="Border management training")
    file_update(action, tjk_focal)
    draft = rate_all(action.submission)
    services.submission_submit(submission=draft, version=draft.version, user=tjk_focal)
    return action


def _submission(action) -> Submission:
    return Submission.objects.get(pk=action.submission_id)


def test_a_return_a_new_submitting_and_an_approval_show_on_the_next_view(
    client, submitted, tjk_focal, tjk_coordinator, secretariat
):
    url = submitted.get_absolute_url()
    client.force_login(secretariat)
    assert "Submission 2026 (Submitted)" in client.get(url).text

    returned = services.submission_return(
        submission=_submission(submitted),
        version=_submission(submitted).version,
        user=tjk_coordinator,
        comment="Say more.",
    )
    assert client.get(url).status_code == 404

    submitted.title = "Border management training, second phase"
    submitted.save()
    services.submission_submit(submission=returned, version=returned.version, user=tjk_focal)
    assert "<h1>Border management training, second phase</h1>" in client.get(url).text

    services.submission_approve(
        submission=_submission(submitted),
        version=_submission(submitted).version,
        user=tjk_coordinator,
    )
    assert "Submission 2026 (Approved)" in client.get(url).text


def test_a_renamed_participant_cycle_and_author_show_on_the_next_view(
    client, submitted, cycle, tajikistan, tjk_focal, secretariat
):
    url = submitted.get_absolute_url()
    client.force_login(secretariat)
    assert "Filed by Farrukh Focal" in client.get(url).text

    tajikistan.name = "Republic of Tajikistan"
    tajikistan.save()
    assert "<dd>Republic of Tajikistan</dd>" in client.get(url).text

    cycle.name = "2026 (extended)"
    cycle.save()
    assert "Submission 2026 (extended) (Submitted)" in client.get(url).text

    tjk_focal.first_name = "Farrukhjon"
    tjk_focal.save()
    page = client.get(url).text
    assert "Filed by Farrukhjon Focal" in page
    assert "Farrukh Focal" not in page


def test_the_page_is_in_the_language_of_each_request(client, submitted, secretariat):
    url = submitted.get_absolute_url()
    client.force_login(secretariat)

    english = client.get(url, headers={"accept-language": "en"}).text
    french = client.get(url, headers={"accept-language": "fr"}).text

    assert "Progress updates" in english
    assert "Progress updates" not in french


def test_a_member_in_the_secretariat_sees_its_draft_change_at_once(
    client, cycle, tajikistan, tjk_focal, secretariat
):
    action = file_action(tajikistan, cycle, tjk_focal)
    Membership.objects.create(user=secretariat, participant=tajikistan, role="viewer")
    client.force_login(secretariat)
    assert "Filed by" not in client.get(action.get_absolute_url()).text

    file_update(action, tjk_focal)

    assert "Filed by Farrukh Focal" in client.get(action.get_absolute_url()).text


def test_from_the_cache_the_page_reads_the_action_the_version_and_the_names(
    client, submitted, secretariat, django_assert_num_queries
):
    url = submitted.get_absolute_url()
    client.force_login(secretariat)
    first = client.get(url)

    # session, user, memberships (header), the action with its participant, declaration,
    # submission and cycle, the version of the declaration's records, the names of the people
    # the page names.
    with django_assert_num_queries(6):
        again = client.get(url)
    content = 'id="details-heading"'
    assert again.text[again.text.index(content) :] == first.text[first.text.index(content) :]
