"""Actions, their progress updates and evidence: the records a participant files."""

import logging
from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, Func, OuterRef, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from .. import fragments, paging, permissions, services, submission_rules
from ..forms import ActionCreateForm, ActionEditForm, EvidenceForm, ProgressUpdateForm
from ..idempotency import ALREADY_SENT, submit_once
from ..models import (
    Action,
    Evidence,
    EvidenceDownload,
    Participant,
    ProgressUpdate,
    Submission,
    User,
)
from ..permissions import AuthenticatedRequest, get_for_user
from ..services import FilingRefused
from ..tables import EvidenceDownloadTable
from ..versioning import EditConflict
from ._forms import refused_edit

logger = logging.getLogger(__name__)

# An action's updates and evidence shown at a time, newest first.
RECORDS_SHOWN = 20
# The updates' own columns, and of their authors only the names they are shown by: not the
# whole user row (the password hash among it) for each of them.
UPDATE_COLUMNS = [field.name for field in ProgressUpdate._meta.concrete_fields]
AUTHOR_NAMES = ("created_by__username", "created_by__first_name", "created_by__last_name")


@require_http_methods(["GET", "POST"])
def action_create(request: AuthenticatedRequest) -> HttpResponse:
    ids = permissions.participant_ids(request.user, permissions.FILING_ROLES)
    if not ids:
        raise PermissionDenied
    places = submission_rules.filing_places(request.user)
    open_ids = [place.participant.pk for place in places if not place.locked]
    # Why the user cannot file elsewhere, once each (naming the declaration when there are
    # several); the form only if somewhere is open.
    several = len({place.declaration.pk for place in places}) > 1
    locked = list(
        dict.fromkeys(
            f"{place.declaration}: {place.locked}" if several else place.locked
            for place in places
            if place.locked
        )
    )
    if not open_ids and request.method == "GET":
        return render(request, "tracking/action_form.html", {"form": None, "locked": locked})
    # A POST where nothing is open goes on to the service, which refuses it.
    chosen = set(open_ids or ids)
    participants = Participant.objects.filter(pk__in=chosen)
    initial: dict[str, object] = {"participant": min(chosen)} if len(chosen) == 1 else {}
    if request.GET.get("paragraph", "").isdigit():
        initial["paragraphs"] = [int(request.GET["paragraph"])]
    # The open ones were read with the places: offered without reading them again.
    offered = {place.participant.pk: place.participant for place in places if not place.locked}
    form = ActionCreateForm(
        request.POST or None,
        participants=participants,
        offered=list(offered.values()) if open_ids else None,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        paragraphs = list(form.cleaned_data["paragraphs"])

        def create() -> str:
            return services.action_create(
                participant=form.cleaned_data["participant"],
                declaration=paragraphs[0].declaration,
                paragraphs=paragraphs,
                user=request.user,
                values=form.values(),
            ).get_absolute_url()

        try:
            url, repeated = submit_once(
                token=form.cleaned_data["form_token"], user=request.user, create=create
            )
        except FilingRefused as refused:
            if not open_ids:
                messages.error(request, str(refused))
                context = {"form": None, "locked": locked}
                return render(request, "tracking/action_form.html", context)
            form.add_error(None, str(refused))
        else:
            messages.success(request, ALREADY_SENT if repeated else _("The action was saved."))
            return redirect(url)
    return render(request, "tracking/action_form.html", {"form": form, "locked": locked})


# The audit histories, through their models' own managers: `Model.history` builds a manager
# class on each use.
ACTION_HISTORY = Action.history.model._default_manager
UPDATE_HISTORY = ProgressUpdate.history.model._default_manager
EVIDENCE_HISTORY = Evidence.history.model._default_manager


def _action_page_queryset() -> QuerySet[Action]:
    """The actions with what their page reads besides: the cycle of the action each was
    carried forward from, which the page names, and what a draft's history is kept under
    (`_history_key`), in the same query."""
    carried_from = Action.objects.filter(pk=OuterRef("carried_from_id"))
    return Action.objects.annotate(
        carried_from_cycle=Subquery(carried_from.values("submission__cycle__name")[:1]),
        newest_action_entry=_newest_entry(ACTION_HISTORY.filter(id=OuterRef("pk"))),
        newest_update_entry=_newest_entry(UPDATE_HISTORY.filter(action_id=OuterRef("pk"))),
        newest_evidence_entry=_newest_entry(EVIDENCE_HISTORY.filter(action_id=OuterRef("pk"))),
    )


def _newest_entry(history: QuerySet) -> Subquery:
    # MAX as a Func, not an aggregate: Django adds no GROUP BY, and builds it in a fraction
    # of the time (NULL without entries, as the grouped one).
    return Subquery(history.order_by().values(newest=Func(F("history_id"), function="MAX")))


# Built once per process, cloned on each view: its subqueries take longer to build than the
# database takes to answer them.
ACTION_PAGE = _action_page_queryset()


def action_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    action = permissions.get_action_for_user(user, pk, queryset=ACTION_PAGE)
    member = action.participant_id in permissions.participant_ids(user)
    if action.submission.seal and not request.GET and (member or fragments.caches_for(user)):
        content = _kept_action_content(request, action, member)
    else:
        content = _action_content(request, action)
    return render(request, "tracking/action_detail.html", {"action": action, "content": content})


def _kept_action_content(request: AuthenticatedRequest, action: Action, member: bool) -> str:
    """The page's content for those who see what the secretariat sees, and for the members of
    the action's participant, kept in the cache: a sealed action, its updates, evidence and
    history never change, and what they name does only with the declaration's version (its
    participant, cycles, paragraphs and the later cycles' sealed actions it was carried to) or
    with the names of the people who filed and changed them, read on each view. Members see
    more (items marked "Participant only", the lock's note for those who file, the later
    cycles' drafts it was carried to): their content is kept apart, with those drafts' ids."""
    user = request.user
    version = fragments.declaration_version(action.declaration_id)
    name = (
        f"action|{action.pk}|{action.submission.seal}|{timezone.get_current_timezone_name()}"
        # The download logs' links are the secretariat's and coordinators', but the rule may
        # change.
        f"|{int(permissions.may_see_evidence_downloads(user, action.participant_id))}"
        f"|{int(member)}|{int(permissions.may_file_for(user, action.participant_id))}"
    )
    if member and action.submission.state == Submission.State.APPROVED:
        # Its copies in later cycles' drafts come and go without a new version.
        name += f"|{sorted(action.carried_to.values_list('pk', flat=True))}"
    people = fragments.cached(f"{name}|people", version, lambda: _people(request, action))
    names = fragments.names_of(people)
    return fragments.cached(f"{name}|{names}", version, lambda: _action_content(request, action))


def _people(request: AuthenticatedRequest, action: Action) -> list[int]:
    """Who the page names: the authors of the updates shown and of the history's entries."""
    context = _action_context(request, action)
    authors = {update.created_by_id for update in context["updates"].items}
    changed = {entry["user_id"] for entry in context["history"].items}
    return sorted((authors | changed) - {None})


def _action_content(request: AuthenticatedRequest, action: Action) -> str:
    context = _action_context(request, action)
    return render_to_string("tracking/_action_detail.html", context, request)


def _action_context(request: AuthenticatedRequest, action: Action) -> dict:
    user = request.user
    may_edit = permissions.may_edit(user, action)
    member = action.participant_id in permissions.participant_ids(user)
    updates = paging.newest(
        request,
        permissions.scope(
            action.updates.select_related("created_by").only(*UPDATE_COLUMNS, *AUTHOR_NAMES),
            user,
        ),
        param="updates",
        per_page=RECORDS_SHOWN,
        anchor="updates-heading",
    )
    context = {
        "action": action,
        # The same action in later cycles, as far as the user may see them: only an approved
        # submission's actions are carried forward, and an approved one never changes again.
        "carried_to": permissions.scope(
            action.carried_to.select_related("submission__cycle"), user
        ).order_by("submission__cycle__starts_on")
        if action.submission.state == Submission.State.APPROVED
        else [],
        "may_file": permissions.may_file_for(user, action.participant_id),
        # What their links show (`label`) and point to, not their text.
        "paragraphs": action.paragraphs.select_related("declaration").only(
            "number", "verb", "declaration__slug", "declaration__short_title"
        ),
        # Updates, evidence and history keep growing: the page shows the newest of each.
        "updates": updates,
        "evidence": paging.newest(
            request,
            permissions.scope_evidence(action.evidence.select_related("update"), user),
            param="evidence",
            per_page=RECORDS_SHOWN,
            anchor="evidence-heading",
            # A sealed submission's evidence never changes; members and others see different
            # items. (Updates name their authors as they are now: read on each view.)
            kept=f"evidence:{action.pk}:{action.submission.seal}:{int(member)}"
            if action.submission.seal
            else "",
        ),
        "may_see_downloads": permissions.may_see_evidence_downloads(user, action.participant_id),
        "history": paging.history(
            request,
            (lambda: ACTION_HISTORY.filter(id=action.pk), lambda record: _("the action")),
            (
                lambda: permissions.scope(UPDATE_HISTORY.filter(action_id=action.pk), user),
                lambda record: _("progress update of %(date)s") % {"date": record.date},
            ),
            (
                lambda: permissions.scope_evidence(
                    EVIDENCE_HISTORY.filter(action_id=action.pk), user
                ),
                lambda record: _("evidence “%(title)s”") % {"title": record.title},
            ),
            kept=_history_key(action, member),
        ),
        "may_edit": may_edit,
        "update_form": ProgressUpdateForm(
            initial={"date": timezone.localdate(), "status": action.status},
            auto_id="update_%s",
        )
        if may_edit
        else None,
        # A draft's newest updates, which its filers see all of, are those the form offers.
        "evidence_form": EvidenceForm(
            action=action,
            updates=updates.items if updates.is_newest else None,
            auto_id="evidence_%s",
        )
        if may_edit
        else None,
    }
    return context


def _history_key(action: Action, member: bool) -> str:
    """What the history of an action, its updates and its evidence is kept under: a sealed
    submission's seal; for a draft, the newest entry of each (every write adds one, a deletion
    too, under the submission's lock), read with the action. Members and others see different
    evidence."""
    if action.submission.seal:
        return f"action:{action.pk}:{action.submission.seal}:{int(member)}"
    newest = (
        action.newest_action_entry,  # type: ignore[attr-defined]
        action.newest_update_entry,  # type: ignore[attr-defined]
        action.newest_evidence_entry,  # type: ignore[attr-defined]
    )
    return f"action-draft:{action.pk}:{':'.join(map(str, newest))}:{int(member)}"


@require_http_methods(["GET", "POST"])
def action_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    action = permissions.get_action_for_user(request.user, pk, write=True)
    form = ActionEditForm(
        request.POST or None, instance=action, initial={"version": action.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.action_edit(
                action=action,
                version=form.cleaned_data["version"],
                values=form.values(),
                paragraphs=list(form.cleaned_data["paragraphs"]),
                user=request.user,
            )
        except EditConflict as conflict:
            form = refused_edit(ActionEditForm, request, conflict, instance=action)
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The action was saved."))
            return redirect(action)
    return render(request, "tracking/action_form.html", {"form": form, "action": action})


@require_http_methods(["GET", "POST"])
def update_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    action = permissions.get_action_to_file_on(request.user, pk)
    form = ProgressUpdateForm(
        request.POST or None,
        initial={
            "date": timezone.localdate(),
            "status": action.status,
            "progress": action.progress,
        },
    )
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            values = form.values_without_token
            services.progress_update_file(action=action, user=request.user, **values)
            return action.get_absolute_url()

        try:
            url, repeated = submit_once(
                token=form.cleaned_data["form_token"], user=request.user, create=create
            )
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, ALREADY_SENT if repeated else _("The update was filed."))
            return redirect(url)
    return render(request, "tracking/update_form.html", {"form": form, "action": action})


@require_http_methods(["GET", "POST"])
def evidence_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    action = permissions.get_action_to_file_on(request.user, pk)
    form = EvidenceForm(request.POST or None, request.FILES or None, action=action)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            services.evidence_add(
                action=action,
                user=request.user,
                title=form.cleaned_data["title"],
                date=form.cleaned_data["date"],
                update=form.cleaned_data["update"],
                upload=form.cleaned_data["upload"],
                extension=form.extension,
                content_type=form.content_type,
                url=form.cleaned_data["url"],
                visibility=form.cleaned_data["visibility"],
            )
            return action.get_absolute_url()

        try:
            url, repeated = submit_once(
                token=form.cleaned_data["form_token"], user=request.user, create=create
            )
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, ALREADY_SENT if repeated else _("The evidence was added."))
            return redirect(url)
    return render(request, "tracking/evidence_form.html", {"form": form, "action": action})


@require_GET
def evidence_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    evidence = permissions.get_evidence_for_user(request.user, pk)
    return evidence_file_response(evidence, request.user)


def evidence_file_response(evidence: Evidence, user: User | None) -> FileResponse:
    """The evidence's file as an attachment, its download logged; 404 for a link or a lost file.

    For the page and the API alike: `evidence` comes from `get_evidence_for_user`; for the
    public view (`user` None: an anonymous reader, whose downloads are not logged) from
    `get_public_evidence`.
    """
    if not evidence.file:
        raise Http404
    try:
        stored = evidence.file.open("rb")
    except FileNotFoundError:
        logger.warning("Evidence %s: its file %s is missing", evidence.pk, evidence.file.name)
        raise Http404 from None
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=evidence.original_name or f"evidence-{evidence.pk}",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    if user is not None:
        EvidenceDownload.objects.create(evidence=evidence, user=user)
    return response


@require_GET
def evidence_downloads(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Who downloaded an evidence file, and when: for the participant's coordinators and the
    secretariat."""
    evidence = permissions.get_evidence_downloads_for_user(request.user, pk)
    action = (
        Action.objects.select_related("submission__cycle", "participant")
        # Evidence is on an action or on one of its updates (a database constraint).
        .filter(pk=evidence.action_id or cast(ProgressUpdate, evidence.update).action_id)
        .get()
    )
    table = EvidenceDownloadTable(
        evidence.downloads.select_related("user"), order_by="-at", orderable=False
    )
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(
        request,
        "tracking/evidence_downloads.html",
        {"evidence": evidence, "action": action, "table": table},
    )


@require_http_methods(["GET", "POST"])
def evidence_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    evidence = get_for_user(Evidence.objects.select_related("action"), request.user, pk, write=True)
    back = evidence.action or cast(ProgressUpdate, evidence.update).action
    if request.method == "POST":
        try:
            services.evidence_delete(evidence=evidence, user=request.user)
        except FilingRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The evidence was deleted."))
        return redirect(back)
    return render(
        request, "tracking/evidence_confirm_delete.html", {"evidence": evidence, "action": back}
    )
