"""Who may see and change what. Every view, table, filter and export asks here.

Members of a participant see all of its records, drafts included; the secretariat sees every
participant's submitted and approved records, never drafts. A record of another participant
answers 404; a record the user may read but not change answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import Membership, Submission, User

FILING_ROLES = (Membership.Role.FOCAL_POINT, Membership.Role.COORDINATOR)


def participant_ids(user: User, roles: tuple[str, ...] | None = None) -> list[int]:
    """The participants the user is a member of (with one of `roles`, if given)."""
    if not user.is_authenticated:
        return []
    # Cached per request object: views ask several times.
    cache = user.__dict__.setdefault("_participant_ids", {})
    if roles not in cache:
        memberships = Membership.objects.filter(user=user)
        if roles:
            memberships = memberships.filter(role__in=roles)
        cache[roles] = list(memberships.values_list("participant_id", flat=True))
    return cache[roles]


def visible_filter(user: User, submission_path: str = "submission") -> Q:
    """A filter for records that hang off a Submission through `submission_path`."""
    condition = Q(pk__in=[])
    if not user.is_authenticated:
        return condition
    own = participant_ids(user)
    if own:
        condition |= Q(**{f"{submission_path}__participant_id__in": own})
    if user.is_secretariat:
        condition |= Q(**{f"{submission_path}__state__in": Submission.VISIBLE_TO_SECRETARIAT})
    return condition


def scope(queryset: QuerySet, user: User, submission_path: str = "submission") -> QuerySet:
    """Only the rows of `queryset` the user may see."""
    return queryset.filter(visible_filter(user, submission_path))


def may_file_for(user: User, participant_id: int) -> bool:
    return participant_id in participant_ids(user, FILING_ROLES)


def may_approve_for(user: User, participant_id: int) -> bool:
    return participant_id in participant_ids(user, (Membership.Role.COORDINATOR,))


def get_for_user(queryset: QuerySet, user: User, pk: int, *, write: bool = False) -> Model:
    """The record with `pk` if the user may see it (else 404); with write, may change it (else 403).

    The queryset's model must have `submission` (a Submission) and so a participant.
    """
    try:
        record = scope(queryset, user).select_related("submission").get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    if write and not (
        record.submission.is_draft and may_file_for(user, record.submission.participant_id)
    ):
        raise PermissionDenied
    return record


# --- Reports ---------------------------------------------------------------------------------


def scope_submissions(queryset: QuerySet, user: User) -> QuerySet:
    """Only the submissions the user may see (the rule of `visible_filter`, on Submission)."""
    condition = Q(pk__in=[])
    own = participant_ids(user)
    if own:
        condition |= Q(participant_id__in=own)
    if user.is_authenticated and user.is_secretariat:
        condition |= Q(state__in=Submission.VISIBLE_TO_SECRETARIAT)
    return queryset.filter(condition)


def reportable_participant_ids(user: User) -> list[int] | None:
    """Whose records a user may put in a report: None means every participant (secretariat)."""
    if user.is_authenticated and user.is_secretariat:
        return None
    return participant_ids(user)


def get_report_for_user(queryset: QuerySet, user: User, pk: int) -> Model:
    """A report the user requested (the secretariat: anyone's); another user's answers 404."""
    try:
        return queryset.listed_for(user).get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def may_download_report(user: User, report: Model) -> bool:
    """Only the requester: a report holds what its requester may see, drafts included."""
    return report.requested_by_id == user.pk


# --- end reports -----------------------------------------------------------------------------
