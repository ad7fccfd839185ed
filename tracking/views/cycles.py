"""Reporting cycles, managed by the secretariat: listing, planning, opening, closing."""

import hashlib

from django.contrib import messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import fragments, languages, paging, permissions, services
from ..forms import CycleCloseForm, PublicationForm, ReportingCycleForm
from ..models import Publication, ReportingCycle, Submission
from ..permissions import AuthenticatedRequest
from ..services import CycleUnderReview, FilingRefused
from ..tables import CycleTable, configure_table


def _count_per_cycle(queryset, cycle_field: str) -> Coalesce:
    """The rows of `queryset` per cycle, as a subquery: joining participants and submissions
    instead would multiply each cycle's rows by both."""
    counted = (
        queryset.filter(**{cycle_field: OuterRef("pk")})
        .order_by()
        .values(cycle_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@require_GET
def cycle_list(request: AuthenticatedRequest) -> HttpResponse:
    permissions.require_secretariat(request.user)
    in_scope = ReportingCycle.participants.through.objects.all()
    cycles = (
        ReportingCycle.objects.select_related("declaration")
        .defer("declaration__source_text")
        .annotate(
            participant_count=_count_per_cycle(in_scope, "reportingcycle_id"),
            submitted_count=_count_per_cycle(
                Submission.objects.filter(state=Submission.State.SUBMITTED), "cycle_id"
            ),
            approved_count=_count_per_cycle(
                Submission.objects.filter(state=Submission.State.APPROVED), "cycle_id"
            ),
        )
        .order_by("-starts_on", "-pk")
    )
    table = CycleTable(cycles)
    configure_table(request, table)
    return render(request, "tracking/cycle_list.html", {"table": table})


@require_http_methods(["GET", "POST"])
def cycle_create(request: AuthenticatedRequest) -> HttpResponse:
    permissions.require_secretariat(request.user)
    form = ReportingCycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(
                user=request.user,
                values=form.values(),
                participants=list(form.cleaned_data["participants"]),
            )
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The %(cycle)s cycle is planned.") % {"cycle": cycle})
            return redirect(cycle)
    return render(request, "tracking/cycle_form.html", {"form": form})


def _get_cycle(pk: int) -> ReportingCycle:
    return get_object_or_404(
        ReportingCycle.objects.select_related("declaration").defer("declaration__source_text"),
        pk=pk,
    )


def _participant_rows(cycle: ReportingCycle) -> tuple[int, SafeString]:
    """How many participants the cycle has in scope, and a table row for each with the state of
    its submission: written in Python, as a template would take most of the page's time."""
    submission = Submission.objects.filter(cycle=cycle, participant=OuterRef("pk"))
    participants = languages.by_name(
        cycle.participants.annotate(submission_state=Subquery(submission.values("state")[:1]))
    )
    labels = dict(Submission.State.choices)
    rows = []
    for participant in participants:
        state = labels.get(participant.submission_state, _("Not started"))
        # The secretariat sees submitted and approved submissions only: drafts get no link.
        if participant.submission_state in Submission.VISIBLE_TO_SECRETARIAT:
            url = reverse("tracking:submission", args=[participant.code, cycle.pk])
            cell = format_html('<a href="{}">{}</a>', url, state)
        else:
            cell = format_html('<span class="badge">{}</span>', state)
        rows.append(
            format_html(
                '<tr><th scope="row">{} <span class="muted">{}</span></th><td>{}</td></tr>',
                participant.display_name,
                participant.code,
                cell,
            )
        )
    return len(rows), mark_safe("\n".join(rows))  # noqa: S308 - every row is format_html's


@require_GET
def cycle_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    permissions.require_secretariat(request.user)
    # With its publication, if any, in the same query.
    cycle = get_object_or_404(
        ReportingCycle.objects.select_related("declaration", "publication").defer(
            "declaration__source_text"
        ),
        pk=pk,
    )
    publication = getattr(cycle, "publication", None)
    histories = (
        (lambda: cycle.history.all(), lambda record: _("the cycle")),
        (
            lambda: Publication.history.filter(cycle_id=cycle.pk),
            lambda record: _("its publication"),
        ),
    )
    # Built once per version of the declaration's records for those who see what the
    # secretariat sees (tracking/fragments.py); the history's newest entries too, under that
    # version (which holds the cycle's history) and the publication's every change.
    if fragments.caches_for(request.user):
        version = fragments.declaration_version(cycle.declaration_id)
        count, rows = fragments.cached(
            f"cycle-participants|{cycle.pk}", version, lambda: _participant_rows(cycle)
        )
        published = f"{publication.pk}.{publication.updated_at.isoformat()}" if publication else ""
        kept = hashlib.sha256(f"{version}|{published}".encode()).hexdigest()
        history = paging.history(request, *histories, kept=f"cycle:{cycle.pk}:{kept}")
    else:
        count, rows = _participant_rows(cycle)
        history = paging.history(request, *histories)
    context = {
        "cycle": cycle,
        "publication": publication,
        "participant_count": count,
        "participant_rows": rows,
        "history": history,
    }
    return render(request, "tracking/cycle_detail.html", context)


@require_http_methods(["GET", "POST"])
def cycle_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    permissions.require_secretariat(request.user)
    cycle = _get_cycle(pk)
    if cycle.state == ReportingCycle.State.CLOSED:
        messages.error(request, _("A closed cycle cannot change."))
        return redirect(cycle)
    form = ReportingCycleForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_edit(
                cycle=cycle,
                user=request.user,
                values=form.values(),
                participants=list(form.cleaned_data["participants"]),
            )
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The cycle was saved."))
            return redirect(cycle)
    return render(request, "tracking/cycle_form.html", {"form": form, "cycle": cycle})


@require_POST
def cycle_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    permissions.require_secretariat(request.user)
    cycle = _get_cycle(pk)
    try:
        services.cycle_open(cycle=cycle, user=request.user)
    except FilingRefused as refused:
        messages.error(request, _("Not opened: %(reason)s") % {"reason": refused})
    else:
        messages.success(request, _("The %(cycle)s cycle is now open.") % {"cycle": cycle})
    return redirect(cycle)


@require_POST
def cycle_close(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Closes the cycle, or asks to confirm it when submissions are still under review."""
    permissions.require_secretariat(request.user)
    cycle = _get_cycle(pk)
    form = CycleCloseForm(request.POST)
    confirmed = form.is_valid() and form.cleaned_data["confirmed"]
    try:
        services.cycle_close(cycle=cycle, user=request.user, confirmed=confirmed)
    except CycleUnderReview as refused:
        form = CycleCloseForm()
        if "confirming" in request.POST:
            form = CycleCloseForm(request.POST)
            form.add_error(
                "confirmed",
                _("Tick the box to close the cycle while submissions are under review."),
            )
        context = {"cycle": cycle, "form": form, "under_review": refused.participants}
        return render(request, "tracking/cycle_close.html", context)
    except FilingRefused as refused:
        messages.error(request, _("Not closed: %(reason)s") % {"reason": refused})
    else:
        messages.success(request, _("The %(cycle)s cycle is now closed.") % {"cycle": cycle})
    return redirect(cycle)


@require_http_methods(["GET", "POST"])
def cycle_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Asks for the licence and a confirmation, then shows the cycle on the public pages."""
    permissions.require_secretariat(request.user)
    cycle = _get_cycle(pk)
    publication = Publication.objects.filter(cycle=cycle).first()
    form = PublicationForm(request.POST or None, instance=publication)
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_publish(
                cycle=cycle,
                user=request.user,
                licence=form.cleaned_data["licence"],
                licence_url=form.cleaned_data["licence_url"],
            )
        except FilingRefused as refused:
            messages.error(request, _("Not published: %(reason)s") % {"reason": refused})
        else:
            messages.success(
                request, _("The %(cycle)s cycle is now on the public pages.") % {"cycle": cycle}
            )
        return redirect(cycle)
    context = {"cycle": cycle, "form": form, "publication": publication}
    return render(request, "tracking/cycle_publish.html", context)


@require_http_methods(["GET", "POST"])
def cycle_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Asks for a confirmation, then takes the cycle off the public pages."""
    permissions.require_secretariat(request.user)
    cycle = _get_cycle(pk)
    if request.method == "POST":
        try:
            services.cycle_unpublish(cycle=cycle, user=request.user)
        except FilingRefused as refused:
            messages.error(request, _("Not withdrawn: %(reason)s") % {"reason": refused})
        else:
            messages.success(
                request,
                _("The %(cycle)s cycle was withdrawn from the public view.") % {"cycle": cycle},
            )
        return redirect(cycle)
    return render(request, "tracking/cycle_withdraw.html", {"cycle": cycle})
