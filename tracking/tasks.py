"""Celery tasks: thin; they take primary keys and call one service."""

from celery import shared_task
from django.conf import settings
from django.utils.translation import gettext as _

from . import services


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
