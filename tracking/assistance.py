"""Writes of technical assistance: needs stated in a submission, providers' offers, and the
secretariat's matches between them. Views call these; they never write around them.

Who may call which is decided in `permissions`; these functions keep the rules of the records
themselves: a need changes only with its draft, an offer names paragraphs or themes, a match
joins a need a provider may see with a published offer that fits it, and moves forward only.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from declarations.models import Declaration, Paragraph, Theme

from .models import Match, Need, Offer, Participant, ReportingCycle, Submission, User
from .services import FilingRefused, _filing_submission, _lock_for_filing
from .versioning import lock_and_check, save_new_version


class AssistanceRefused(Exception):
    """The offer or match would break a rule of technical assistance; nothing was written."""


def _paragraphs_of(paragraphs: list[Paragraph], declaration_id: int) -> None:
    if any(not p.is_operative or p.declaration_id != declaration_id for p in paragraphs):
        raise AssistanceRefused(
            _("Choose operative paragraphs of the declaration: nothing was saved.")
        )


@transaction.atomic
def need_create(
    *,
    participant: Participant,
    cycle: ReportingCycle,
    paragraph: Paragraph,
    values: dict,
    user: User,
) -> Need:
    """State a need in the participant's draft for the open cycle (started when missing)."""
    submission = _filing_submission(
        participant=participant, declaration=cycle.declaration, user=user
    )
    if submission.cycle_id != cycle.pk:
        raise FilingRefused(_("This reporting cycle is closed: nothing was saved."))
    if not paragraph.is_operative or paragraph.declaration_id != cycle.declaration_id:
        raise FilingRefused(_("Choose an operative paragraph of the declaration."))
    return Need.objects.create(
        submission=submission, paragraph=paragraph, created_by=user, **values
    )


@transaction.atomic
def need_edit(*, need: Need, version: int, values: dict, user: User) -> Need:
    """Save the edited need if nobody saved it since `version`; EditConflict otherwise."""
    submission = _lock_for_filing(need.submission_id)
    paragraph = values.get("paragraph")
    if paragraph is not None and (
        not paragraph.is_operative or paragraph.declaration_id != submission.cycle.declaration_id
    ):
        raise FilingRefused(_("Choose an operative paragraph of the declaration."))
    locked = lock_and_check(Need.objects.all(), pk=need.pk, version=version)
    locked._history_user = user  # type: ignore[attr-defined]
    return save_new_version(locked, values)


@transaction.atomic
def need_delete(*, need: Need, version: int, user: User) -> None:
    """Delete a draft's need, unless the secretariat matched it with an offer."""
    _lock_for_filing(need.submission_id)
    locked = lock_and_check(Need.objects.all(), pk=need.pk, version=version)
    if locked.matches.exists():
        raise FilingRefused(
            _("This need has a match with an offer, so it stays: nothing was deleted.")
        )
    locked._history_user = user  # type: ignore[attr-defined]
    locked.delete()


def _check_offer(declaration: Declaration, paragraphs: list[Paragraph], themes: list[Theme]):
    if not paragraphs and not themes:
        raise AssistanceRefused(
            _("Choose at least one paragraph or one theme for the offer: nothing was saved.")
        )
    _paragraphs_of(paragraphs, declaration.pk)


@transaction.atomic
def offer_create(
    *,
    provider: Participant,
    declaration: Declaration,
    paragraphs: list[Paragraph],
    themes: list[Theme],
    open_participants: list[Participant],
    values: dict,
    user: User,
) -> Offer:
    """A draft offer of the provider; `values` holds its plain fields."""
    _check_offer(declaration, paragraphs, themes)
    offer = Offer(provider=provider, declaration=declaration, created_by=user, **values)
    offer._history_user = user  # type: ignore[attr-defined]
    offer.save()
    offer.paragraphs.set(paragraphs)
    offer.themes.set(themes)
    offer.open_participants.set(open_participants)
    return offer


@transaction.atomic
def offer_edit(
    *,
    offer: Offer,
    version: int,
    paragraphs: list[Paragraph],
    themes: list[Theme],
    open_participants: list[Participant],
    values: dict,
    user: User,
) -> Offer:
    """Save the edited offer if nobody saved it since `version`; EditConflict otherwise."""
    _check_offer(offer.declaration, paragraphs, themes)
    locked = lock_and_check(Offer.objects.all(), pk=offer.pk, version=version)
    if locked.state == Offer.State.WITHDRAWN:
        raise AssistanceRefused(_("This offer was withdrawn, so it no longer changes."))
    locked._history_user = user  # type: ignore[attr-defined]
    save_new_version(locked, values)
    locked.paragraphs.set(paragraphs)
    locked.themes.set(themes)
    locked.open_participants.set(open_participants)
    return locked


OFFER_MOVES = {
    Offer.State.DRAFT: (Offer.State.PUBLISHED, Offer.State.WITHDRAWN),
    Offer.State.PUBLISHED: (Offer.State.WITHDRAWN,),
    Offer.State.WITHDRAWN: (),
}


@transaction.atomic
def offer_move(*, offer: Offer, state: str, version: int, user: User) -> Offer:
    """Publish or withdraw an offer. A withdrawn offer stays withdrawn; its matches stay."""
    locked = lock_and_check(Offer.objects.all(), pk=offer.pk, version=version)
    if state not in OFFER_MOVES[Offer.State(locked.state)]:
        raise AssistanceRefused(
            _("An offer that is %(state)s cannot be %(target)s: nothing was saved.")
            % {
                "state": locked.get_state_display().lower(),
                "target": str(Offer.State(state).label).lower(),
            }
        )
    locked._history_user = user  # type: ignore[attr-defined]
    return save_new_version(locked, {"state": state})


@transaction.atomic
def match_propose(*, need: Need, offer: Offer, note: str, user: User) -> Match:
    """The secretariat pairs a need providers may see with a published offer that fits it."""
    need = (
        Need.objects.select_for_update(of=("self",))
        .select_related("submission__participant", "paragraph")
        .get(pk=need.pk)
    )
    offer = Offer.objects.prefetch_related("paragraphs", "themes", "open_participants").get(
        pk=offer.pk
    )
    if not need.shareable or need.submission.state != Submission.State.APPROVED:
        raise AssistanceRefused(
            _(
                "Only a need its participant shares with providers, in an approved submission, "
                "can be matched: nothing was saved."
            )
        )
    if offer.state != Offer.State.PUBLISHED:
        raise AssistanceRefused(_("Only a published offer can be matched: nothing was saved."))
    if not offer.fits(need):
        raise AssistanceRefused(
            _(
                "The offer does not fit the need (paragraph or theme, kind, or who it is open "
                "to): nothing was saved."
            )
        )
    match = Match(need=need, offer=offer, note=note, created_by=user, updated_by=user)
    match._history_user = user  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            match.save()
    except IntegrityError:
        raise AssistanceRefused(
            _("This need and this offer are already matched: nothing was saved.")
        ) from None
    return match


@transaction.atomic
def match_move(*, match: Match, state: str, version: int, note: str, user: User) -> Match:
    """Move a match on (proposed → agreed → delivered, or declined / cancelled)."""
    locked = lock_and_check(Match.objects.all(), pk=match.pk, version=version)
    if state not in locked.next_states:
        raise AssistanceRefused(
            _("A match that is %(state)s cannot become %(target)s: nothing was saved.")
            % {
                "state": locked.get_state_display().lower(),
                "target": str(Match.State(state).label).lower(),
            }
        )
    values: dict = {"state": state, "updated_by": user}
    if note:
        values["note"] = note
    locked._history_user = user  # type: ignore[attr-defined]
    return save_new_version(locked, values)
