"""Data for 0006's new columns, in a migration of its own: PostgreSQL creates 0006's indexes
and foreign keys at the end of that migration, which it refuses once rows wait on them."""

from django.db import migrations, models


def cycles_get_state_period_and_scope(apps, schema_editor):
    """Open cycles stay open, others are closed; the period ends at the due date; every
    participant of the declaration is in scope, as it was."""
    ReportingCycle = apps.get_model("tracking", "ReportingCycle")
    HistoricalReportingCycle = apps.get_model("tracking", "HistoricalReportingCycle")
    for model in (ReportingCycle, HistoricalReportingCycle):
        model.objects.filter(is_open=True).update(state="open")
        model.objects.filter(is_open=False).update(state="closed")
        model.objects.update(ends_on=models.F("due_on"))
    for cycle in ReportingCycle.objects.all():
        cycle.participants.set(cycle.declaration.participants.all())


COPIED_ACTION_FIELDS = (
    "participant_id", "declaration_id", "paragraph_numbers", "title", "description",
    "lead_institution", "partners", "start_date", "end_date", "status", "progress",
    "created_by_id",
)  # fmt: skip


def seal_submissions(apps, schema_editor):
    """Updates and evidence filed in a later cycle than their action's own move to a copy of
    the action in their own submission, and the action gets back the status and progress it
    had before them: each submission then owns everything it shows."""
    Action = apps.get_model("tracking", "Action")
    ProgressUpdate = apps.get_model("tracking", "ProgressUpdate")
    Evidence = apps.get_model("tracking", "Evidence")
    HistoricalAction = apps.get_model("tracking", "HistoricalAction")
    F = models.F
    updates = ProgressUpdate.objects.exclude(submission_id=F("action__submission_id"))
    evidence = Evidence.objects.filter(action__isnull=False).exclude(
        submission_id=F("action__submission_id")
    )
    later = {}  # action id -> the later submissions that hold its updates or evidence
    for action_id, submission_id, starts_on in [
        *updates.values_list("action_id", "submission_id", "submission__cycle__starts_on"),
        *evidence.values_list("action_id", "submission_id", "submission__cycle__starts_on"),
    ]:
        later.setdefault(action_id, {})[submission_id] = starts_on
    for action_id, submissions in later.items():
        original = Action.objects.get(pk=action_id)
        own = ProgressUpdate.objects.filter(
            action_id=action_id, submission_id=original.submission_id
        )
        first_later = updates.filter(action_id=action_id).order_by("created_at").first()
        before = None
        if first_later is not None:
            before = (
                HistoricalAction.objects.filter(
                    id=action_id, history_date__lt=first_later.created_at
                )
                .order_by("-history_date")
                .first()
            ) or own.order_by("-date", "-pk").first()
        state = (before.status, before.progress) if before else (original.status, original.progress)
        Action.objects.filter(pk=action_id).update(status=state[0], progress=state[1])
        paragraphs = list(original.paragraphs.all())
        previous = original
        for submission_id in sorted(submissions, key=lambda pk: (submissions[pk], pk)):
            moved = ProgressUpdate.objects.filter(action_id=action_id, submission_id=submission_id)
            latest = moved.order_by("-date", "-pk").first()
            if latest is not None:
                state = (latest.status, latest.progress)
            values = {name: getattr(original, name) for name in COPIED_ACTION_FIELDS}
            values.update(status=state[0], progress=state[1])
            copy = Action.objects.create(
                submission_id=submission_id, carried_from_id=previous.pk, **values
            )
            copy.paragraphs.set(paragraphs)
            moved.update(action_id=copy.pk)
            evidence.filter(action_id=action_id, submission_id=submission_id).update(
                action_id=copy.pk
            )
            previous = copy



class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0006_cycle_state_scope_carried_from"),
    ]

    operations = [
        migrations.RunPython(cycles_get_state_period_and_scope, migrations.RunPython.noop),
        migrations.RunPython(seal_submissions, migrations.RunPython.noop),
    ]
