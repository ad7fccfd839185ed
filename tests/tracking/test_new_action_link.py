"""The actions list offers "New action" exactly where the new action form takes one now."""

import pytest
from django.urls import reverse

from tests.conftest import new_cycle
from tracking.models import Membership, ReportingCycle, Submission

from .filings import submission

URL = reverse("tracking:actions")
CREATE_URL = reverse("tracking:action_create")


def _offers_new_action(client) -> bool:
    offered = f'href="{CREATE_URL}"' in client.get(URL).text
    # The form itself says the same: its fields, or only why nothing can be filed.
    form_open = 'name="title"' in client.get(CREATE_URL).text
    assert offered == form_open
    return offered


def test_a_draft_or_no_submission_yet_takes_new_actions(client, cycle, tajikistan, tjk_focal):
    client.force_login(tjk_focal)
    assert _offers_new_action(client)

    submission(tajikistan, cycle)
    assert _offers_new_action(client)


@pytest.mark.parametrize("state", [Submission.State.SUBMITTED, Submission.State.APPROVED])
def test_a_sealed_submission_takes_none(state, client, cycle, tajikistan, tjk_coordinator):
    submission(tajikistan, cycle, state)
    client.force_login(tjk_coordinator)

    assert not _offers_new_action(client)


def test_a_participant_out_of_the_cycles_scope_files_nothing(client, cycle, tajikistan, tjk_focal):
    cycle.participants.remove(tajikistan)
    client.force_login(tjk_focal)

    assert not _offers_new_action(client)


@pytest.mark.parametrize("state", [ReportingCycle.State.PLANNED, ReportingCycle.State.CLOSED])
def test_without_an_open_cycle_nothing_is_filed(state, client, cycle, tjk_focal):
    ReportingCycle.objects.filter(pk=cycle.pk).update(state=state)
    client.force_login(tjk_focal)

    assert not _offers_new_action(client)


def test_only_the_latest_open_cycle_counts(client, cycle, declaration, tajikistan, tjk_focal):
    later = new_cycle(declaration, 2027)
    client.force_login(tjk_focal)

    submission(tajikistan, cycle, Submission.State.SUBMITTED)
    assert _offers_new_action(client)  # 2027 takes them

    submission(tajikistan, cycle, Submission.State.DRAFT)
    submission(tajikistan, later, Submission.State.SUBMITTED)
    assert not _offers_new_action(client)  # a draft of 2026 does not


def test_one_open_participant_of_several_is_enough(
    client, cycle, declaration, tajikistan, kazakhstan, tjk_focal
):
    Membership.objects.create(
        user=tjk_focal, participant=kazakhstan, role=Membership.Role.FOCAL_POINT
    )
    submission(tajikistan, cycle, Submission.State.SUBMITTED)
    client.force_login(tjk_focal)
    assert _offers_new_action(client)

    submission(kazakhstan, cycle, Submission.State.APPROVED)
    assert not _offers_new_action(client)


def test_viewers_and_providers_file_nothing(client, cycle, tjk_viewer, provider):
    for user in (tjk_viewer, provider):
        client.force_login(user)
        assert f'href="{CREATE_URL}"' not in client.get(URL).text


def test_each_member_is_answered_for_its_own_participants(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal
):
    # The question is built once per set of participants (`may_file_anywhere`).
    submission(kazakhstan, cycle, Submission.State.SUBMITTED)
    client.force_login(tjk_focal)
    assert _offers_new_action(client)

    client.force_login(kaz_focal)
    assert not _offers_new_action(client)
