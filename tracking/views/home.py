"""The home page with its dashboard, and the health check."""

import threading
import time
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

from .. import charts, dashboards, fragments
from ..permissions import AuthenticatedRequest, may_file_for


def home(request: AuthenticatedRequest) -> HttpResponse:
    return dashboard(request)


# A check that has not answered by then counts as down: a load balancer's probe, and the
# gunicorn worker answering it, must not wait for a database or broker that hangs.
HEALTH_CHECK_TIMEOUT = 3.0


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False
    finally:
        # The check runs in its own thread, whose connection nobody else would close.
        connection.close()


def _broker_answers() -> bool:
    try:
        with celery_app.connection_for_write(connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def _answers_within(checks: dict[str, Callable[[], bool]], seconds: float) -> dict[str, bool]:
    """Runs the checks side by side; one still running after `seconds` counts as down."""
    results = dict.fromkeys(checks, False)

    def run(name: str) -> None:
        results[name] = checks[name]()

    threads = [threading.Thread(target=run, args=(name,), daemon=True) for name in checks]
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return {
        name: results[name] and not thread.is_alive()
        for name, thread in zip(checks, threads, strict=True)
    }


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and monitors: 200 when the database and the broker answer in time."""
    checks = _answers_within(
        {"database": _database_answers, "broker": _broker_answers}, HEALTH_CHECK_TIMEOUT
    )
    healthy = all(checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    overview = dashboards.member_overview(request.user)
    for entry in overview:
        # The cycle is open; a sealed submission takes nothing new ("New action" not offered).
        entry.may_file = may_file_for(request.user, entry.participant.pk) and (
            entry.submission is None or entry.submission.is_draft
        )
        entry.status_rows = charts.status_rows(entry.statuses)
        name = entry.participant.display_name
        entry.chart = charts.bars(
            _("Actions of %(name)s by status") % {"name": name}, entry.status_rows
        )
        # The translation as it is, the name escaped (what {% blocktranslate %} writes).
        caption = mark_safe(_("Actions of %(name)s by status") % {"name": escape(name)})  # noqa: S308
        entry.status_table = charts.status_table(caption, entry.status_rows)
    context: dict[str, object] = {"overview": overview}
    if request.user.is_secretariat:

        def secretariat_part() -> dict[str, object]:
            headlines = dashboards.secretariat_headlines(request.user)
            status_rows = charts.status_rows(headlines["statuses"])
            return {
                "headlines": headlines,
                "status_rows": status_rows,
                "status_chart": charts.bars(_("Actions by status"), status_rows),
                "status_table": charts.status_table(_("Submitted actions by status"), status_rows),
            }

        # Counts of sealed records and of submissions: kept until one of them changes.
        if fragments.caches_for(request.user):
            version = fragments.declaration_version()
            context |= fragments.cached("home", version, secretariat_part)
        else:
            context |= secretariat_part()
    return render(request, "tracking/home.html", context)
