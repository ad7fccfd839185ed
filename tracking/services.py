"""Writes that touch several models or enqueue work: `<thing>_<verb>(*, ...)` functions."""

# --- Reports ---------------------------------------------------------------------------------
import logging
import os
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from uuid import uuid4

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from .models import Report

logger = logging.getLogger(__name__)

# Worth another try later: the database went away for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


class ReportLost(Exception):
    """The report was deleted, or another attempt took it over, while it was being built."""


@transaction.atomic
def report_request(
    *, user, declaration, cycle, participants, paragraphs, format: str, table: str = ""
) -> Report:
    """Stores the request and hands it to the queue once the transaction has committed."""
    report = Report.objects.create(
        requested_by=user,
        declaration=declaration,
        cycle=cycle,
        format=format,
        table=table if format == Report.Format.CSV else "",
    )
    report.participants.set(participants)
    report.paragraphs.set(paragraphs)
    transaction.on_commit(partial(report_dispatch, report_id=report.pk))
    return report


def report_dispatch(*, report_id: int) -> bool:
    """Sends the build task. A broker that is down leaves the report queued for the sweep."""
    from .tasks import build_report

    try:
        build_report.apply_async(args=[report_id], retry=False)
    except (BrokerError, OSError):
        logger.warning("Report %s: the broker is unavailable; the sweep will send it", report_id)
        return False
    Report.objects.filter(pk=report_id).update(enqueued_at=timezone.now())
    return True


@transaction.atomic
def report_retry(*, report: Report) -> bool:
    """Queues a failed report again; False if it had not failed."""
    retried = Report.objects.filter(pk=report.pk, state=Report.State.FAILED).update(
        state=Report.State.QUEUED,
        error="",
        progress=0,
        attempts=0,
        enqueued_at=None,
        started_at=None,
        heartbeat_at=None,
        finished_at=None,
    )
    if retried:
        transaction.on_commit(partial(report_dispatch, report_id=report.pk))
    return bool(retried)


@transaction.atomic
def report_delete(*, report: Report) -> None:
    """Deletes the report and its file; a build still running stops at its next chunk."""
    name = report.file.name
    report.delete()
    if name:
        transaction.on_commit(partial(default_storage.delete, name))


def _report_claim(report_id: int) -> int | None:
    """Marks the report running for this attempt; None if it is not ours to build."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.REPORT_HEARTBEAT_TIMEOUT)
    claimed = Report.objects.filter(
        Q(state=Report.State.QUEUED)
        | Q(
            state=Report.State.RUNNING,
            heartbeat_at__lt=stale,
            attempts__lt=settings.REPORT_MAX_ATTEMPTS,
        ),
        pk=report_id,
    ).update(
        state=Report.State.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        progress=0,
        error="",
    )
    if not claimed:
        return None
    return Report.objects.values_list("attempts", flat=True).get(pk=report_id)


def report_fail(*, report_id: int, reason: str, attempt: int | None = None) -> bool:
    reports = Report.objects.filter(pk=report_id, state__in=Report.ACTIVE_STATES)
    if attempt is not None:
        reports = reports.filter(attempts=attempt)
    return bool(reports.update(state=Report.State.FAILED, error=reason, finished_at=timezone.now()))


def report_run(*, report_id: int) -> None:
    """Builds the report's file once: claim, write to a temporary file, move it into place."""
    from .reports import build

    attempt = _report_claim(report_id)
    if attempt is None:
        logger.info("Report %s is not queued (done, deleted or running elsewhere)", report_id)
        return
    report = Report.objects.select_related("requested_by", "declaration", "cycle").get(pk=report_id)
    mine = Report.objects.filter(pk=report_id, state=Report.State.RUNNING, attempts=attempt)

    def on_progress(percent: int) -> None:
        if not mine.update(progress=percent, heartbeat_at=timezone.now()):
            raise ReportLost

    name = f"reports/{report.pk}/{report.download_name}"
    final = Path(default_storage.path(name))
    temporary = final.parent.parent / "tmp" / f"{report.pk}-{attempt}-{uuid4().hex}.part"
    temporary.parent.mkdir(parents=True, exist_ok=True)
    try:
        build(report, temporary, on_progress)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, final)
    except ReportLost:
        temporary.unlink(missing_ok=True)
        return
    except TRANSIENT_ERRORS:
        temporary.unlink(missing_ok=True)
        mine.update(state=Report.State.QUEUED)  # the task retries it with backoff
        raise
    except SoftTimeLimitExceeded:
        temporary.unlink(missing_ok=True)
        report_fail(
            report_id=report_id,
            attempt=attempt,
            reason=_("The report took too long to build; ask for fewer participants or rows."),
        )
        return
    except Exception as error:
        logger.exception("Report %s failed", report_id)
        temporary.unlink(missing_ok=True)
        report_fail(report_id=report_id, attempt=attempt, reason=f"{type(error).__name__}: {error}")
        return
    now = timezone.now()
    if mine.update(
        state=Report.State.SUCCEEDED,
        progress=100,
        file=name,
        finished_at=now,
        heartbeat_at=now,
        expires_at=now + timedelta(days=settings.REPORT_RETENTION_DAYS),
    ):
        report_notify(report=report)
    elif not Report.objects.filter(pk=report_id).exists():
        final.unlink(missing_ok=True)  # deleted while it was being built


def report_notify(*, report: Report) -> None:
    """Tells the requester by e-mail that the report is ready."""
    user = report.requested_by
    if not user.email:
        return
    link = settings.SITE_URL + reverse("tracking:reports")
    send_mail(
        _("Your report #%(number)s is ready") % {"number": report.pk},
        _("Your %(format)s report on %(declaration)s is ready. Download it from %(link)s")
        % {"format": report.get_format_display(), "declaration": report.declaration, "link": link},
        None,
        [user.email],
    )


def reports_sweep() -> dict[str, int]:
    """Re-queues reports whose worker was lost, sends those the broker never got."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.REPORT_HEARTBEAT_TIMEOUT)
    hard_limit = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    lost = Report.objects.filter(state=Report.State.RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True) | Q(started_at__lt=hard_limit)
    )
    counts = {"requeued": 0, "failed": 0, "dispatched": 0}
    for report_id, attempts in lost.values_list("pk", "attempts")[:100]:
        running = Report.objects.filter(pk=report_id, state=Report.State.RUNNING, attempts=attempts)
        if attempts >= settings.REPORT_MAX_ATTEMPTS:
            counts["failed"] += running.update(
                state=Report.State.FAILED,
                finished_at=now,
                error=_("The worker building this report stopped %(count)d times.")
                % {"count": attempts},
            )
        elif running.update(state=Report.State.QUEUED, enqueued_at=None):
            counts["requeued"] += 1
    never_sent = Report.objects.filter(state=Report.State.QUEUED).filter(
        Q(enqueued_at__isnull=True)
        | Q(enqueued_at__lt=now - timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT))
    )
    for report_id in never_sent.values_list("pk", flat=True)[:100]:
        counts["dispatched"] += report_dispatch(report_id=report_id)
    return counts


def reports_expire() -> int:
    """Deletes the files of reports past their retention; the rows stay, marked expired."""
    now = timezone.now()
    expired = 0
    for report in Report.objects.filter(state=Report.State.SUCCEEDED, expires_at__lte=now)[:500]:
        if Report.objects.filter(pk=report.pk, state=Report.State.SUCCEEDED).update(
            state=Report.State.EXPIRED, file=""
        ):
            if report.file.name:
                default_storage.delete(report.file.name)
            expired += 1
    # Temporary files of builds whose worker was killed.
    leftovers = Path(default_storage.path("reports/tmp"))
    if leftovers.is_dir():
        too_old = time.time() - settings.CELERY_TASK_TIME_LIMIT
        for part in leftovers.glob("*.part"):
            if part.stat().st_mtime < too_old:
                part.unlink(missing_ok=True)
    return expired


# --- end reports -----------------------------------------------------------------------------
