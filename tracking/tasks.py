"""Celery tasks: thin; they take primary keys and call one service."""

from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _

from . import idempotency, notices, services


# The Report row holds a build's state: no result to store, and sending one never waits
# on a result backend that is down.
@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=5,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def build_report(self, report_id: int, resume: int | None = None) -> None:
    if resume is not None:
        # A retry after a lost connection: open a new one instead of using the broken one.
        close_old_connections()
    try:
        services.report_run(report_id=report_id, resume=resume)
    except services.ReportInterrupted as interrupted:
        if self.request.retries >= self.max_retries:
            services.report_fail(
                report_id=report_id,
                reason=_("The database was unavailable; try again later."),
            )
            return
        # Exponential backoff: 5 s, 10 s, 20 s ... at most 5 minutes.
        raise self.retry(
            args=[report_id],
            kwargs={"resume": interrupted.attempt},
            exc=interrupted.__cause__,
            countdown=min(5 * 2**self.request.retries, 300),
        ) from interrupted


@shared_task
def sweep_reports() -> dict[str, int]:
    return services.reports_sweep()


@shared_task
def expire_reports() -> int:
    return services.reports_expire()


# All or nothing in one transaction: a worker lost midway wrote nothing, so a redelivery may
# apply it again; the claim makes a duplicate delivery find it taken and stop.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def apply_workbook(import_id: int) -> None:
    services.workbook_import_run(import_id=import_id)


@shared_task
def sweep_workbook_imports() -> dict[str, int]:
    return services.workbook_imports_sweep()


@shared_task
def expire_workbook_imports() -> dict[str, int]:
    return services.workbook_imports_expire()


@shared_task
def expire_form_submissions() -> int:
    return idempotency.expire()


@shared_task(ignore_result=True)
def send_submission_notice(submission_id: int, event: str, actor_id: int, comment: str = "") -> int:
    return notices.submission_notice_send(
        submission_id=submission_id, event=event, actor_id=actor_id, comment=comment
    )


@shared_task
def send_reminders(today: str | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE); `today` (YYYY-MM-DD) lets an operator re-run a missed day."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return notices.reminders_send(today=day)


@shared_task(ignore_result=True)
def send_chase(chase_id: int) -> int:
    return notices.chase_send(chase_id=chase_id)
