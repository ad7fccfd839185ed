"""Celery tasks: thin; they take primary keys and call one service."""

from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import notices, services


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def build_report(self, report_id: int) -> None:
    try:
        services.report_run(report_id=report_id)
    except services.TRANSIENT_ERRORS as error:
        if self.request.retries >= self.max_retries:
            services.report_fail(
                report_id=report_id,
                reason=_("The database was unavailable: %(error)s") % {"error": error},
            )
            return
        # Exponential backoff: 5 s, 10 s, 20 s ... at most 5 minutes.
        raise self.retry(exc=error, countdown=min(5 * 2**self.request.retries, 300)) from error


@shared_task
def sweep_reports() -> dict[str, int]:
    return services.reports_sweep()


@shared_task
def expire_reports() -> int:
    return services.reports_expire()


@shared_task
def send_submission_notice(submission_id: int, event: str, actor_id: int, comment: str = "") -> int:
    return notices.submission_notice_send(
        submission_id=submission_id, event=event, actor_id=actor_id, comment=comment
    )


@shared_task
def send_reminders(today: str | None = None) -> int:
    """Daily (CELERY_BEAT_SCHEDULE); `today` (YYYY-MM-DD) lets an operator re-run a missed day."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return notices.reminders_send(today=day)


@shared_task
def send_chase(chase_id: int) -> int:
    return notices.chase_send(chase_id=chase_id)
