"""The scoping rules every page relies on, checked on the querysets themselves."""

from tracking.models import Action, Submission
from tracking.permissions import scope, scope_actions


def _action(participant, cycle, user, state=Submission.State.DRAFT) -> Action:
    submission, _ = Submission.objects.get_or_create(
        participant=participant, cycle=cycle, defaults={"state": state}
    )
    return Action.objects.create(
        participant=participant,
        declaration=cycle.declaration,
        submission=submission,
        title=f"{participant.code} action",
        lead_institution="Ministry",
        created_by=user,
    )


def test_members_see_their_own_drafts_and_nothing_of_another_participant(
    cycle, tajikistan, kazakhstan, tjk_focal, tjk_viewer, kaz_focal
):
    tjk_action = _action(tajikistan, cycle, tjk_focal)
    kaz_action = _action(kazakhstan, cycle, kaz_focal)

    assert list(scope(Action.objects.all(), tjk_focal)) == [tjk_action]
    assert list(scope(Action.objects.all(), tjk_viewer)) == [tjk_action]
    assert list(scope(Action.objects.all(), kaz_focal)) == [kaz_action]


def test_the_secretariat_sees_submitted_records_but_never_drafts(
    cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    _action(tajikistan, cycle, tjk_focal, state=Submission.State.DRAFT)
    submitted = _action(kazakhstan, cycle, kaz_focal, state=Submission.State.SUBMITTED)

    assert list(scope(Action.objects.all(), secretariat)) == [submitted]


def test_one_rule_scopes_submissions_and_their_rows_alike(
    cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal, secretariat
):
    tjk_draft = _action(tajikistan, cycle, tjk_focal).submission
    kaz_sealed = _action(kazakhstan, cycle, kaz_focal, Submission.State.SUBMITTED).submission

    for user, expected in [(tjk_focal, [tjk_draft]), (secretariat, [kaz_sealed])]:
        # `submission_path=""` is the Submission itself: the same rule, no second copy of it.
        assert list(scope(Submission.objects.all(), user, "")) == expected
        rows = scope(Action.objects.all(), user)
        assert [action.submission for action in rows] == expected


def test_the_actions_scope_is_the_one_rule_for_every_user(
    cycle, tajikistan, kazakhstan, tjk_focal, tjk_viewer, kaz_focal, secretariat, django_user_model
):
    _action(tajikistan, cycle, tjk_focal)
    _action(kazakhstan, cycle, kaz_focal, state=Submission.State.SUBMITTED)
    secretariat_member = django_user_model.objects.create(username="both", is_secretariat=True)
    secretariat_member.memberships.create(participant=tajikistan, role="focal_point")
    stranger = django_user_model.objects.create(username="stranger")

    for user in (tjk_focal, tjk_viewer, kaz_focal, secretariat, secretariat_member, stranger):
        expected = set(scope(Action.objects.all(), user))
        assert set(scope_actions(Action.objects.all(), user)) == expected, user
    assert len(scope_actions(Action.objects.all(), secretariat_member)) == 2
