"""Who may see and change what. Every view, table, filter and export asks here.

Members of a participant see all of its records, drafts included; the secretariat sees every
participant's submitted and approved records, never drafts, and of evidence never an item
marked "Participant only". A record of another participant answers 404; a record the user may
read but not change answers 403. Anyone, logged in or not, sees on the public pages the approved
submissions of published cycles and, of their evidence, only what is marked public
(`public_filter`).

Technical assistance: a provider's members (role "Provider") see none of its filings, only
the shareable needs of approved submissions, and manage its offers; every member sees
published offers; a match is seen by the secretariat and by the members on both of its sides,
and only the secretariat makes and moves one.
"""

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest

from .models import (
    Action,
    Assessment,
    Evidence,
    Match,
    Membership,
    Need,
    Offer,
    Participant,
    ProgressUpdate,
    Publication,
    Report,
    ReportingCycle,
    Submission,
    User,
    WorkbookImport,
)

FILING_ROLES = (Membership.Role.FOCAL_POINT, Membership.Role.COORDINATOR)
# The roles that see a participant's filings: every one but the provider's.
READING_ROLES = (*FILING_ROLES, Membership.Role.VIEWER)

# A record that hangs off a submission, and so belongs to one participant and one cycle.
Filed = TypeVar("Filed", bound=Action | ProgressUpdate | Evidence | Assessment | Need)


class AuthenticatedRequest(HttpRequest):
    """The request of a view behind LoginRequiredMiddleware (every view not marked
    `login_not_required`): its user is signed in. For annotations only."""

    user: User


def memberships(user: User) -> list[Membership]:
    """The user's memberships with their participants: one query per request, however often
    views, tables and the page header ask."""
    if not user.is_authenticated:
        return []
    if "_memberships" not in user.__dict__:
        user.__dict__["_memberships"] = list(
            Membership.objects.filter(user=user)
            .select_related("participant")
            .order_by("participant__name")
        )
    return user.__dict__["_memberships"]


def participant_ids(user: User, roles: tuple[str, ...] = READING_ROLES) -> list[int]:
    """The participants whose filings the user sees as a member (or, with `roles`, for whom the
    user holds one of them). A provider membership alone shows no filings."""
    return [m.participant_id for m in memberships(user) if m.role in roles]


def visible_filter(user: User, submission_path: str = "submission") -> Q:
    """The visibility rule, as a filter on records that hang off a Submission through
    `submission_path` ("" for Submission itself): members see all of their participants'
    submissions, the secretariat every submitted or approved one, nobody else anything."""
    prefix = f"{submission_path}__" if submission_path else ""
    condition = Q(pk__in=[])
    if not user.is_authenticated:
        return condition
    own = participant_ids(user)
    if own:
        condition |= Q(**{f"{prefix}participant_id__in": own})
    if user.is_secretariat:
        condition |= Q(**{f"{prefix}state__in": Submission.VISIBLE_TO_SECRETARIAT})
    return condition


def scope(queryset: QuerySet, user: User, submission_path: str = "submission") -> QuerySet:
    """Only the rows of `queryset` the user may see (of Submission itself: `submission_path=""`)."""
    return queryset.filter(visible_filter(user, submission_path))


def scope_actions(queryset: QuerySet, user: User) -> QuerySet:
    """`scope` for actions. A member who is not the secretariat sees their participants'
    actions: the condition names the action's own participant, which is always its
    submission's (the services file an action in its participant's submission), so that the
    database reads them newest first by their index instead of walking every action in the
    list's order to find theirs (thousands of rows for 25 at UN scale)."""
    own = participant_ids(user)
    if not own or user.is_secretariat:  # not own first: an anonymous user has no roles
        return scope(queryset, user)
    return queryset.filter(participant_id__in=own)


def scope_evidence(queryset: QuerySet, user: User, submission_path: str = "submission") -> QuerySet:
    """`scope` for evidence (or its history): an item marked "Participant only" is seen by
    the participant's members alone, never by the secretariat as such."""
    prefix = f"{submission_path}__" if submission_path else ""
    shared = ~Q(visibility=Evidence.Visibility.PARTICIPANT) | Q(
        **{f"{prefix}participant_id__in": participant_ids(user)}
    )
    return scope(queryset, user, submission_path).filter(shared)


def get_evidence_for_user(user: User, pk: int) -> Evidence:
    """An evidence item the user may see and download; 404 otherwise."""
    try:
        return scope_evidence(Evidence.objects.select_related("submission"), user).get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404 from None


def may_see_evidence_downloads(user: User, participant_id: int) -> bool:
    """Who sees the download log of the evidence they see: the participant's coordinators and
    the secretariat."""
    return user.is_secretariat or may_approve_for(user, participant_id)


def get_evidence_downloads_for_user(user: User, pk: int) -> Evidence:
    """An evidence item whose download log the user may read: 404 if the item is unseen, 403
    for its focal points and viewers."""
    evidence = get_evidence_for_user(user, pk)
    if not may_see_evidence_downloads(user, evidence.submission.participant_id):
        raise PermissionDenied
    return evidence


def require_secretariat(user: User) -> None:
    """The secretariat's pages (cycles, the matrix, completeness, chasing, declaration
    imports): anyone else logged in gets 403."""
    if not (user.is_authenticated and user.is_secretariat):
        raise PermissionDenied


def may_file_for(user: User, participant_id: int) -> bool:
    return participant_id in participant_ids(user, FILING_ROLES)


def may_approve_for(user: User, participant_id: int) -> bool:
    return participant_id in participant_ids(user, (Membership.Role.COORDINATOR,))


def get_for_user(queryset: QuerySet[Filed], user: User, pk: int, *, write: bool = False) -> Filed:
    """The record with `pk` if the user may see it (else 404); with write, may change it (else 403).

    The queryset's model must have `submission` (a Submission) and so a participant.
    """
    try:
        record = scope(queryset, user).select_related("submission__cycle").get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None
    if write and not may_edit(user, record):
        raise PermissionDenied
    return record


def get_submission_for_user(
    user: User, participant_code: str, cycle_pk: int, *, write: bool = False
) -> Submission:
    """The submission of a participant for a cycle, unsaved (a fresh draft) when nothing was
    filed yet. 404 if the user may not see it; with write, 403 unless the user may file for the
    participant and the submission is still a draft."""
    # One query when the user sees a filed submission of a declaration the participant reports
    # on, as on most visits; three more to tell a fresh draft from a 404 otherwise.
    submission = (
        scope(Submission.objects.filter(participant__code=participant_code), user, "")
        .filter(cycle_id=cycle_pk, participant__declarations=F("cycle__declaration_id"))
        .select_related("participant", "cycle__declaration")
        .defer("cycle__declaration__source_text")
        .first()
    )
    if submission is None:
        participant = Participant.objects.filter(code=participant_code).first()
        cycle = (
            ReportingCycle.objects.select_related("declaration")
            .defer("declaration__source_text")
            .filter(pk=cycle_pk)
            .first()
        )
        if (
            participant is None
            or cycle is None
            or not participant.declarations.filter(pk=cycle.declaration_id).exists()
            # Members see every submission of theirs: none visible means nothing filed yet.
            or participant.pk not in participant_ids(user)
        ):
            raise Http404
        submission = Submission(participant=participant, cycle=cycle, version=0)
    if write and not (submission.accepts_filing and may_file_for(user, submission.participant_id)):
        raise PermissionDenied
    return submission


def get_chase_target(
    user: User, cycle_pk: int, participant_code: str
) -> tuple[ReportingCycle, Participant]:
    """A cycle and a participant in its scope, for the secretariat to chase: anyone else gets
    403; an unknown cycle, or a participant outside its scope, 404."""
    require_secretariat(user)
    cycle = ReportingCycle.objects.select_related("declaration").filter(pk=cycle_pk).first()
    participant = cycle.participants.filter(code=participant_code).first() if cycle else None
    if cycle is None or participant is None:
        raise Http404
    return cycle, participant


def may_edit(user: User, record: Action | ProgressUpdate | Evidence | Assessment | Need) -> bool:
    """Whether the user may change a record that hangs off a submission (loaded with its
    cycle): only a draft of an open cycle changes; a sealed or closed one never does."""
    return record.submission.accepts_filing and may_file_for(user, record.submission.participant_id)


def get_action_for_user(
    user: User, pk: int, *, write: bool = False, queryset: QuerySet[Action] | None = None
) -> Action:
    """`get_for_user` for an action (of `queryset`, which may add annotations), with what its
    pages show: its participant, declaration (without the document's text) and submission
    with its cycle, in one query of five tables. PostgreSQL plans a join of more (the
    carried-from chain) in several milliseconds on every request: the caller reads what it
    needs of that otherwise."""
    action = get_for_user(
        (Action.objects.all() if queryset is None else queryset)
        .select_related("participant", "declaration")
        .defer("declaration__source_text"),
        user,
        pk,
        write=write,
    )
    # The services file an action in its participant's own submission.
    if action.submission.participant_id == action.participant_id:
        action.submission.participant = action.participant
    return action


def get_action_to_file_on(user: User, pk: int) -> Action:
    """An action the user may file updates and evidence on: 404 if unseen, 403 if read-only."""
    return get_action_for_user(user, pk, write=True)


def reportable_participant_ids(user: User) -> list[int] | None:
    """Whose records a user may put in a report: None means every participant (secretariat)."""
    if user.is_authenticated and user.is_secretariat:
        return None
    return participant_ids(user)


def report_filter(user: User) -> Q:
    """The reports a user sees on My reports: their own; the secretariat also sees the reports
    that hold no drafts (`may_download_report`), never who asked for a participant's drafts."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    condition = Q(requested_by=user)
    if user.is_secretariat:
        condition |= Q(includes_drafts=False)
    return condition


def scope_reports(queryset: QuerySet, user: User) -> QuerySet:
    """Only the reports the user may see (`report_filter`)."""
    return queryset.filter(report_filter(user))


def get_report_for_user(
    queryset: QuerySet[Report], user: User, pk: int, *, manage: bool = False
) -> Report:
    """A report the user may see (else 404); with manage (retry, delete), only the requester's
    own: anyone else's answers 404 too."""
    queryset = queryset.filter(requested_by=user) if manage else scope_reports(queryset, user)
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def may_download_report(user: User, report: Report) -> bool:
    """The requester; and the secretariat when the report holds no drafts, only what every
    secretariat member sees (submitted and approved records)."""
    if report.requested_by_id == user.pk:
        return True
    return user.is_secretariat and not report.includes_drafts


def may_manage_report(user: User, report: Report) -> bool:
    """Only the requester retries or deletes a report, even one shared with the secretariat."""
    return report.requested_by_id == user.pk


def get_workbook_import_for_user(user: User, pk: int) -> WorkbookImport:
    """A workbook upload is its uploader's alone, while they may still see its submission
    (it may hold the participant's drafts); anyone else's answers 404."""
    imports = scope(WorkbookImport.objects.filter(requested_by=user), user).select_related(
        "submission__participant", "submission__cycle__declaration"
    )
    try:
        return imports.get(pk=pk)
    except WorkbookImport.DoesNotExist:
        raise Http404 from None


def scope_participants(queryset: QuerySet[Participant], user: User) -> QuerySet[Participant]:
    """The participants whose page the user may open: those they are a member of (who see all
    its submissions, drafts included); every one for the secretariat (who sees its submitted
    and approved ones)."""
    if user.is_authenticated and user.is_secretariat:
        return queryset
    return queryset.filter(pk__in=participant_ids(user))


def get_participant_for_user(user: User, code: str) -> Participant:
    """A participant of `scope_participants`; 404 for everyone else."""
    # A member's own came with the memberships, which every page reads: no query.
    for membership in memberships(user):
        if membership.role in READING_ROLES and membership.participant.code == code:
            return membership.participant
    participant = scope_participants(Participant.objects.all(), user).filter(code=code).first()
    if participant is None:
        raise Http404
    return participant


def scope_cycles(queryset: QuerySet[ReportingCycle], user: User) -> QuerySet[ReportingCycle]:
    """The cycles the user may know of: every one for the secretariat, who runs them; for
    members, those their participants report in."""
    if user.is_authenticated and user.is_secretariat:
        return queryset
    return queryset.filter(participants__in=participant_ids(user)).distinct()


def public_filter(submission_path: str = "submission") -> Q:
    """The public's visibility rule, as a filter on records that hang off a Submission through
    `submission_path` ("" for Submission itself): approved submissions of a cycle whose
    publication is live. Nothing else (drafts, submissions under review, unpublished or
    withdrawn cycles) is ever public."""
    prefix = f"{submission_path}__" if submission_path else ""
    return Q(
        **{
            f"{prefix}state": Submission.State.APPROVED,
            # isnull=False makes the join find a publication: no row is not "not withdrawn".
            f"{prefix}cycle__publication__isnull": False,
            f"{prefix}cycle__publication__withdrawn_at__isnull": True,
        }
    )


def scope_public(queryset: QuerySet, submission_path: str = "submission") -> QuerySet:
    """Only the rows of `queryset` that the public pages and open data may show."""
    return queryset.filter(public_filter(submission_path))


def scope_public_evidence(queryset: QuerySet, submission_path: str = "submission") -> QuerySet:
    """`scope_public` for evidence: only the items their participant marked public."""
    return scope_public(queryset, submission_path).filter(visibility=Evidence.Visibility.PUBLIC)


def live_publications() -> QuerySet[Publication]:
    """The publications the public sees, with their cycle and declaration."""
    return (
        Publication.objects.live()
        .select_related("cycle__declaration")
        .defer("cycle__declaration__source_text")
    )


def get_public_evidence(publication: Publication, pk: int) -> Evidence:
    """A public evidence item of the publication's cycle, for anyone to download; 404 otherwise."""
    of_cycle = Evidence.objects.filter(submission__cycle=publication.cycle_id)
    evidence = scope_public_evidence(of_cycle)
    try:
        return evidence.get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404 from None


def provider_ids(user: User) -> list[int]:
    """The participants for which the user publishes offers of technical assistance."""
    return participant_ids(user, (Membership.Role.PROVIDER,))


def may_use_assistance_board(user: User) -> bool:
    """The matching board is the secretariat's and the providers'."""
    return user.is_authenticated and (user.is_secretariat or bool(provider_ids(user)))


def require_assistance_board(user: User) -> None:
    if not may_use_assistance_board(user):
        raise PermissionDenied


def need_filter(user: User, submission_path: str = "submission") -> Q:
    """Who sees a need: as every filing (`visible_filter`), and providers the shareable needs
    of approved submissions."""
    prefix = f"{submission_path}__" if submission_path else ""
    condition = visible_filter(user, submission_path)
    if provider_ids(user):
        condition |= Q(shareable=True, **{f"{prefix}state": Submission.State.APPROVED})
    return condition


def scope_needs(queryset: QuerySet, user: User) -> QuerySet:
    """Only the needs (or their history) the user may see (`need_filter`)."""
    return queryset.filter(need_filter(user))


def get_need_for_user(user: User, pk: int, *, write: bool = False) -> Need:
    """A need the user may see (else 404); with write, one of a draft the user files for (else
    403)."""
    try:
        need = scope_needs(Need.objects.select_related("submission__cycle", "paragraph"), user).get(
            pk=pk
        )
    except Need.DoesNotExist:
        raise Http404 from None
    if write and not may_edit(user, need):
        raise PermissionDenied
    return need


def offer_filter(user: User) -> Q:
    """Who sees an offer: its provider's members and the secretariat always; every other
    signed-in user once it is published (so that a State finds who offers help)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_secretariat:
        return Q()
    return Q(state=Offer.State.PUBLISHED) | Q(provider_id__in=provider_ids(user))


def scope_offers(queryset: QuerySet, user: User) -> QuerySet:
    return queryset.filter(offer_filter(user))


def may_manage_offers(user: User, provider_id: int) -> bool:
    """Only the provider's members create, edit, publish and withdraw its offers."""
    return provider_id in provider_ids(user)


def get_offer_for_user(user: User, pk: int, *, write: bool = False) -> Offer:
    """An offer the user may see (else 404); with write, one of the user's provider (else 403)."""
    offers = Offer.objects.select_related("provider", "declaration").defer(
        "declaration__source_text"
    )
    try:
        offer = scope_offers(offers, user).get(pk=pk)
    except Offer.DoesNotExist:
        raise Http404 from None
    if write and not may_manage_offers(user, offer.provider_id):
        raise PermissionDenied
    return offer


def match_filter(user: User, match_path: str = "") -> Q:
    """Who sees a match: the secretariat; the members of the need's participant; the members of
    the offer's provider."""
    prefix = f"{match_path}__" if match_path else ""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_secretariat:
        return Q()
    return Q(**{f"{prefix}need__submission__participant_id__in": participant_ids(user)}) | Q(
        **{f"{prefix}offer__provider_id__in": provider_ids(user)}
    )


def scope_matches(queryset: QuerySet, user: User) -> QuerySet:
    return queryset.filter(match_filter(user))


def may_manage_matches(user: User) -> bool:
    """Only the secretariat proposes matches and moves them on."""
    return user.is_authenticated and user.is_secretariat


def get_match_for_user(user: User, pk: int, *, write: bool = False) -> Match:
    """A match the user may see (else 404); with write, for the secretariat only (else 403)."""
    matches = Match.objects.select_related(
        "need__submission__participant", "need__submission__cycle", "need__paragraph",
        "offer__provider",
    )  # fmt: skip
    try:
        match = scope_matches(matches, user).get(pk=pk)
    except Match.DoesNotExist:
        raise Http404 from None
    if write and not may_manage_matches(user):
        raise PermissionDenied
    return match
