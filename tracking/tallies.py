"""Action counts kept current with the writes, so that pages never count actions at request time.

At UN scale a page that counts actions by paragraph and status, with their latest update,
scans 100,000 actions, their paragraphs and a million updates. The counts change only when
a service writes an action, its paragraphs or an update (or carries a cycle forward), so each
of those services calls `recount` for the submission it wrote, inside its own transaction
and under the submission's lock: the `ActionTally` rows are then as current as the rows they
count. Evidence and reviews change no count; visibility is the submission's, as for actions.
"""

from collections.abc import Iterable

from django.db.models import Count, Max

from .models import Action, ActionTally


def fresh(submission_ids: list[int] | None = None) -> list[ActionTally]:
    """The tallies of the submissions (None: all), computed from the rows, unsaved: two
    grouped queries."""
    actions = Action.objects.all()
    through = Action.paragraphs.through.objects.all()
    if submission_ids is not None:
        actions = actions.filter(submission_id__in=submission_ids)
        through = through.filter(action__submission_id__in=submission_ids)
    per_paragraph = (
        through.values("action__submission_id", "paragraph_id", "action__status")
        .annotate(n=Count("action_id", distinct=True), last=Max("action__updates__date"))
        .order_by()
    )
    whole = (
        actions.values("submission_id", "status")
        .annotate(n=Count("pk", distinct=True), last=Max("updates__date"))
        .order_by()
    )
    return [
        ActionTally(
            submission_id=row["action__submission_id"],
            paragraph_id=row["paragraph_id"],
            status=row["action__status"],
            actions=row["n"],
            last_update=row["last"],
        )
        for row in per_paragraph
    ] + [
        ActionTally(
            submission_id=row["submission_id"],
            paragraph_id=None,
            status=row["status"],
            actions=row["n"],
            last_update=row["last"],
        )
        for row in whole
    ]


def recount(submission_ids: Iterable[int]) -> None:
    """Replace the submissions' tallies by a fresh count of their actions.

    Call it inside the transaction that wrote the actions, holding the submissions' lock."""
    ids = list(submission_ids)
    ActionTally.objects.filter(submission_id__in=ids).delete()
    ActionTally.objects.bulk_create(fresh(ids), batch_size=1000)


def recount_all() -> None:
    """Every submission's tallies afresh: after bulk loads that bypass the services."""
    ActionTally.objects.all().delete()
    ActionTally.objects.bulk_create(fresh(), batch_size=1000)
