"""Records filed straight through the ORM, for the list and dashboard tests.

Like the services, they recount the submission's action tallies (`tracking/tallies.py`).
"""

from declarations.models import Paragraph
from tracking import tallies
from tracking.models import (
    Action,
    Assessment,
    AssistanceKind,
    Need,
    Offer,
    Participant,
    ProgressUpdate,
    Submission,
)


def submission(participant, cycle, state=Submission.State.DRAFT) -> Submission:
    record, created = Submission.objects.get_or_create(
        participant=participant, cycle=cycle, defaults={"state": state}
    )
    if not created and record.state != state:
        record.state = state
        record.version += 1  # as the services do on every change of state
        record.save()
    return record


def file_action(
    participant,
    cycle,
    user,
    *,
    state=Submission.State.DRAFT,
    title="Border management training",
    numbers=(1,),
    status=Action.Status.PLANNED,
    **fields,
) -> Action:
    record = submission(participant, cycle, state)
    action = Action.objects.create(
        participant=participant,
        declaration=cycle.declaration,
        submission=record,
        title=title,
        lead_institution=fields.pop("lead_institution", "Ministry of Internal Affairs"),
        status=status,
        created_by=user,
        **fields,
    )
    action.paragraphs.set(
        Paragraph.objects.filter(declaration=cycle.declaration, number__in=numbers)
    )
    tallies.recount([record.pk])
    return action


def submitted_by_new_participants(count: int, cycle, user) -> None:
    """`count` new participants of the cycle's declaration, each with a submitted action."""
    for code in range(count):
        participant = Participant.objects.create(code=f"P{code:02}", name=f"State {code:02}")
        participant.declarations.add(cycle.declaration)
        file_action(participant, cycle, user, state=Submission.State.SUBMITTED)


def file_update(action, user, date="2026-03-01", status=Action.Status.IN_PROGRESS, progress=50):
    update = ProgressUpdate.objects.create(
        action=action,
        submission=action.submission,
        date=date,
        narrative="Work goes on.",
        status=status,
        progress=progress,
        created_by=user,
    )
    tallies.recount([action.submission_id])
    return update


def rate(participant, cycle, user, number, rating, *, state=Submission.State.DRAFT) -> Assessment:
    return Assessment.objects.create(
        submission=submission(participant, cycle, state),
        paragraph=Paragraph.objects.get(declaration=cycle.declaration, number=number),
        rating=rating,
        justification="Because.",
        updated_by=user,
    )


def rate_all(target, cycle=None, user=None, *, rating=Assessment.Rating.NOT_STARTED) -> Submission:
    """Rates every operative paragraph still without a rating, so the submission may be submitted.

    `target` is a Submission, or a participant whose draft for `cycle` is used (or started).
    """
    record = target if isinstance(target, Submission) else submission(target, cycle)
    rated = set(record.assessments.values_list("paragraph_id", flat=True))
    for paragraph in Paragraph.objects.operative().filter(declaration=record.cycle.declaration):
        if paragraph.pk not in rated:
            Assessment.objects.create(
                submission=record,
                paragraph=paragraph,
                rating=rating,
                justification="Nothing done yet.",
                updated_by=user or record.participant.memberships.first().user,
            )
    return record


def state_need(
    participant,
    cycle,
    user,
    number=7,
    *,
    state=Submission.State.DRAFT,
    shareable=True,
    kind=AssistanceKind.TRAINING,
    description="Training for border guards",
) -> Need:
    return Need.objects.create(
        submission=submission(participant, cycle, state),
        paragraph=Paragraph.objects.get(declaration=cycle.declaration, number=number),
        description=description,
        kind=kind,
        priority=Need.Priority.HIGH,
        shareable=shareable,
        created_by=user,
    )


def make_offer(
    provider,
    declaration,
    user,
    numbers=(7,),
    *,
    state=Offer.State.PUBLISHED,
    kind=AssistanceKind.TRAINING,
    title="Border guard training",
    open_regions="",
) -> Offer:
    offer = Offer.objects.create(
        provider=provider,
        declaration=declaration,
        title=title,
        description="Two weeks of courses.",
        kind=kind,
        open_regions=open_regions,
        contact_name="Olga Offer",
        contact_email="olga@example.org",
        state=state,
        created_by=user,
    )
    offer.paragraphs.set(Paragraph.objects.filter(declaration=declaration, number__in=numbers))
    return offer
