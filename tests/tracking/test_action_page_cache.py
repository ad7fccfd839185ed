"""The secretariat's page of a sealed action is kept in the cache until what it shows changes:
a return, a new submitting or an approval, a renamed participant or cycle, or a renamed
author shows on the next view."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import new_cycle
from tracking import services
from tracking.models import Action, Evidence, Membership, Submission

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


def _details(html: str) -> str:
    return html[html.index('id="details-heading"') :]


@pytest.mark.parametrize("member", ["tjk_focal", "tjk_coordinator", "tjk_viewer"])
def test_a_members_page_of_a_sealed_action_is_kept_apart_from_the_secretariats(
    member, request, client, submitted, tjk_focal, secretariat, django_assert_num_queries
):
    user = request.getfixturevalue(member)
    Evidence.objects.create(
        action=submitted, submission=_submission(submitted), title="Internal memo",
        url="https://example.org/memo", uploaded_by=tjk_focal,
        visibility=Evidence.Visibility.PARTICIPANT,
    )  # fmt: skip
    url = submitted.get_absolute_url()
    client.force_login(secretariat)
    assert "Internal memo" not in client.get(url).text
    client.force_login(user)
    first = client.get(url)

    # session, user, memberships, the action, the version, the names the page names.
    with django_assert_num_queries(6):
        again = client.get(url)
    cache.clear()
    afresh = client.get(url)

    assert "Internal memo" in first.text
    assert _details(again.text) == _details(first.text) == _details(afresh.text)
    client.force_login(secretariat)
    assert "Internal memo" not in client.get(url).text


def test_a_return_to_draft_gives_the_focal_point_the_edit_link_at_once(
    client, submitted, tjk_focal, tjk_coordinator
):
    url = submitted.get_absolute_url()
    edit = reverse("tracking:action_edit", args=[submitted.pk])
    client.force_login(tjk_focal)
    assert f'href="{edit}"' not in client.get(url).text

    services.submission_return(
        submission=_submission(submitted),
        version=_submission(submitted).version,
        user=tjk_coordinator,
        comment="Say more.",
    )

    assert f'href="{edit}"' in client.get(url).text


def test_a_later_cycles_copy_shows_and_goes_on_the_members_page_of_an_approved_action(
    client, declaration, submitted, tajikistan, tjk_focal, tjk_coordinator, tjk_viewer
):
    services.submission_approve(
        submission=_submission(submitted), version=_submission(submitted).version,
        user=tjk_coordinator,
    )  # fmt: skip
    url = submitted.get_absolute_url()
    # A viewer: those who file read the lock's note there instead.
    client.force_login(tjk_viewer)
    assert "This action in the 2027 cycle" not in client.get(url).text

    later = new_cycle(declaration, 2027)
    services.submission_start(participant=tajikistan, cycle=later, user=tjk_focal)
    copy = Action.objects.get(carried_from=submitted)
    assert "This action in the 2027 cycle" in client.get(url).text

    services.action_delete(action=copy, version=copy.version, user=tjk_focal)

    assert "This action in the 2027 cycle" not in client.get(url).text


def test_a_secretariat_member_of_the_participant_sees_its_items_the_secretariat_does_not(
    client, submitted, tajikistan, tjk_focal, secretariat, django_user_model
):
    Evidence.objects.create(
        action=submitted, submission=_submission(submitted), title="Internal memo",
        url="https://example.org/memo", uploaded_by=tjk_focal,
        visibility=Evidence.Visibility.PARTICIPANT,
    )  # fmt: skip
    both = django_user_model.objects.create_user("sec-viewer", is_secretariat=True)
    Membership.objects.create(user=both, participant=tajikistan, role="viewer")
    url = submitted.get_absolute_url()
    client.force_login(secretariat)
    assert "Internal memo" not in client.get(url).text

    client.force_login(both)
    assert "Internal memo" in client.get(url).text
    client.force_login(secretariat)
    assert "Internal memo" not in client.get(url).text


def test_those_who_file_read_the_locks_note_whoever_saw_the_page_first(
    client, submitted, tjk_focal, tjk_viewer
):
    url = submitted.get_absolute_url()
    note = "A coordinator can return the submission to draft."
    client.force_login(tjk_viewer)
    assert note not in client.get(url).text

    client.force_login(tjk_focal)
    assert note in client.get(url).text
