"""Technical assistance: needs on a submission, providers' offers, the matching board and the
secretariat's matches."""

from collections import defaultdict
from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet, Value
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from declarations.models import Paragraph

from .. import assistance, fragments, paging, permissions
from ..assistance import AssistanceRefused
from ..filters import MatchFilter, NeedFilter, OfferFilter
from ..forms import (
    PARTICIPANT_LABEL,
    MatchMoveForm,
    MatchProposeForm,
    NeedForm,
    OfferForm,
    OfferMoveForm,
)
from ..models import Match, Need, Offer, Participant
from ..permissions import AuthenticatedRequest
from ..services import FilingRefused
from ..tables import MatchTable, NeedBoardTable, OfferTable, configure_table
from ..versioning import EditConflict
from ._forms import refused_edit

# --- Needs, on the submission page -------------------------------------------------------


@require_http_methods(["GET", "POST"])
def need_create(request: AuthenticatedRequest, code: str, cycle_pk: int) -> HttpResponse:
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk, write=True)
    declaration_id = submission.cycle.declaration_id
    form = NeedForm(request.POST or None, declaration_id=declaration_id, initial={"version": 0})
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            assistance.need_create(
                participant=submission.participant,
                cycle=submission.cycle,
                paragraph=values.pop("paragraph"),
                values=values,
                user=request.user,
            )
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The need was saved."))
            return redirect(submission.get_absolute_url() + "#needs-heading")
    return render(request, "tracking/need_form.html", {"form": form, "submission": submission})


@require_http_methods(["GET", "POST"])
def need_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = permissions.get_need_for_user(request.user, pk, write=True)
    submission = need.submission
    kwargs: dict = {"instance": need, "declaration_id": submission.cycle.declaration_id}
    form = NeedForm(request.POST or None, initial={"version": need.version}, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            assistance.need_edit(
                need=need,
                version=form.cleaned_data["version"],
                values=form.values(),
                user=request.user,
            )
        except EditConflict as conflict:
            need.refresh_from_db()
            form = refused_edit(NeedForm, request, conflict, **kwargs)
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The need was saved."))
            return redirect(submission.get_absolute_url() + "#needs-heading")
    context = {
        "form": form,
        "submission": submission,
        "need": need,
        "history": paging.history(
            request, (lambda: need.history.all(), lambda record: _("this need"))
        ),
    }
    return render(request, "tracking/need_form.html", context)


@require_http_methods(["GET", "POST"])
def need_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    need = permissions.get_need_for_user(request.user, pk, write=True)
    submission = need.submission
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
            assistance.need_delete(need=need, version=version, user=request.user)
        except ValueError:
            messages.error(request, _("The form was incomplete: nothing was deleted."))
        except (EditConflict, FilingRefused) as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, _("The need was deleted."))
        return redirect(submission.get_absolute_url() + "#needs-heading")
    return render(request, "tracking/need_confirm_delete.html", {"need": need})


# --- Kept in the cache ----------------------------------------------------------------


def _kept(
    request: AuthenticatedRequest,
    name: str,
    build: Callable[[], tuple[str, str]],
    *,
    shows_filings: bool = True,
) -> tuple[str, str]:
    """`build()` (a list's filters and table), kept in the cache per filter, sort and page until
    what the pages of technical assistance show changes (`fragments.assistance_version`).

    Who sees which offers and matches depends only on being the secretariat and on the
    providers one offers for; the needs the secretariat and providers see are sealed. A member
    of a participant also sees its drafts' needs and their matches, which change without a
    version: their board and matches are built afresh (`shows_filings`); offers are no filings.
    """
    user = request.user
    if shows_filings and permissions.participant_ids(user):
        return build()
    audience = f"{user.is_secretariat}|{permissions.provider_ids(user)}"
    name = f"{name}|{audience}|{timezone.get_current_timezone_name()}|{request.GET.urlencode()}"
    return fragments.cached(name, fragments.assistance_version(), build)


def _html(request: AuthenticatedRequest, filtered, table) -> tuple[str, str]:
    """The filters' form and the table, as `{% include %}` and `{% render_table %}` write them
    (not `table.as_html`, which would count the board's rows afresh: odd and even swap)."""
    return (
        render_to_string("includes/_form.html", {"form": filtered.form}, request),
        render_to_string(table.template_name, {"table": table}, request),
    )


# --- Offers --------------------------------------------------------------------------------


def _offers(user) -> QuerySet[Offer]:
    return permissions.scope_offers(
        Offer.objects.select_related("provider").prefetch_related(
            Prefetch("paragraphs", Paragraph.objects.only("number", "declaration_id")),
            "themes",
            "open_participants",
        ),
        user,
    )


@require_GET
def offer_list(request: AuthenticatedRequest) -> HttpResponse:
    def build() -> tuple[str, str]:
        offers = _offers(request.user).order_by("-updated_at", "-pk")
        filtered = OfferFilter(request.GET or None, queryset=offers, request=request)
        table = OfferTable(filtered.qs)
        configure_table(request, table)
        return _html(request, filtered, table)

    filters_html, table_html = _kept(request, "offers", build, shows_filings=False)
    context = {
        "filters_html": filters_html,
        "table_html": table_html,
        "providers": Participant.objects.filter(pk__in=permissions.provider_ids(request.user)),
    }
    return render(request, "tracking/offer_list.html", context)


def _provider_to_offer_for(request: AuthenticatedRequest) -> Participant:
    """The provider a new offer is for: the user's (the first, with `?provider=` to choose)."""
    ids = permissions.provider_ids(request.user)
    if not ids:
        raise PermissionDenied
    wanted = request.POST.get("provider") or request.GET.get("provider")
    chosen = int(wanted) if wanted and wanted.isdigit() and int(wanted) in ids else ids[0]
    # Read with the user's memberships already.
    return next(
        m.participant for m in permissions.memberships(request.user) if m.participant_id == chosen
    )


@require_http_methods(["GET", "POST"])
def offer_create(request: AuthenticatedRequest) -> HttpResponse:
    provider = _provider_to_offer_for(request)
    form = OfferForm(request.POST or None, initial={"version": 0})
    if request.method == "POST" and form.is_valid():
        try:
            offer = assistance.offer_create(
                provider=provider,
                declaration=form.cleaned_data["declaration"],
                values=form.values(),
                user=request.user,
                **form.relations(),
            )
        except AssistanceRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The offer was saved as a draft."))
            return redirect(offer)
    return render(request, "tracking/offer_form.html", {"form": form, "provider": provider})


@require_GET
def offer_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    offer = permissions.get_offer_for_user(user, pk)
    may_manage = permissions.may_manage_offers(user, offer.provider_id)
    matches = permissions.scope_matches(
        offer.matches.select_related("need__submission__participant", "need__paragraph"), user
    ).order_by("-updated_at", "-pk")

    def about() -> str:
        """What the offer is on and open to, the same for everyone who sees it."""
        context = {
            "offer": offer,
            "paragraphs": offer.paragraphs.select_related("declaration").only(
                "number", "verb", "declaration__slug"
            ),
            "themes": offer.themes.all(),
            "open_participants": offer.open_participants.all(),
        }
        return render_to_string("tracking/_offer_about.html", context, request)

    # Every write of an offer (`tracking.assistance`) gives it a new version, with its
    # paragraphs, themes and participants; what they name changes the declarations' version.
    about_html = fragments.cached(
        f"offer-about|{offer.pk}|{offer.version}", fragments.declaration_version(), about
    )
    history = None
    if may_manage or user.is_secretariat:
        history = paging.history(
            request,
            (lambda: offer.history.all(), lambda record: _("the offer")),
            kept=f"offer:{offer.pk}:{offer.version}",
        )
    context = {
        "offer": offer,
        "about_html": about_html,
        "may_manage": may_manage,
        "moves": assistance.OFFER_MOVES[Offer.State(offer.state)] if may_manage else (),
        "matches": matches[:50],
        "history": history,
    }
    return render(request, "tracking/offer_detail.html", context)


@require_http_methods(["GET", "POST"])
def offer_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = permissions.get_offer_for_user(request.user, pk, write=True)
    form = OfferForm(request.POST or None, instance=offer, initial={"version": offer.version})
    if request.method == "POST" and form.is_valid():
        try:
            assistance.offer_edit(
                offer=offer,
                version=form.cleaned_data["version"],
                values=form.values(),
                user=request.user,
                **form.relations(),
            )
        except EditConflict as conflict:
            form = refused_edit(OfferForm, request, conflict, instance=offer)
        except AssistanceRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The offer was saved."))
            return redirect(offer)
    context = {"form": form, "provider": offer.provider, "offer": offer}
    return render(request, "tracking/offer_form.html", context)


@require_POST
def offer_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    offer = permissions.get_offer_for_user(request.user, pk, write=True)
    form = OfferMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: nothing was saved."))
        return redirect(offer)
    try:
        moved = assistance.offer_move(
            offer=offer,
            state=form.cleaned_data["state"],
            version=form.cleaned_data["version"],
            user=request.user,
        )
    except (EditConflict, AssistanceRefused) as refused:
        messages.error(request, str(refused))
    else:
        state = moved.get_state_display().lower()
        messages.success(request, _("The offer is now %(state)s.") % {"state": state})
    return redirect(offer)


# --- The matching board and matches ----------------------------------------------------


# What the board reads of an offer (`NeedBoardTable`, `Offer.fits`): not its long texts.
BOARD_OFFER_FIELDS = (
    "title", "kind", "declaration_id", "open_regions",
    *(f"provider__{field}" for field in PARTICIPANT_LABEL),
)  # fmt: skip


def fitting_offers(user, needs: list[Need]) -> dict[int, list[Offer]]:
    """The published offers the user sees that fit each need (`Offer.fits`), whatever the
    number of needs (a page of the board): two queries, then sets (not the offers' related
    managers, read for every pair of need and offer)."""
    if not needs:
        return {}
    paragraph_ids = {need.paragraph_id for need in needs}
    on_paragraphs = Offer.paragraphs.through.objects.filter(paragraph_id__in=paragraph_ids)
    on_themes = Offer.themes.through.objects.filter(theme__paragraphs__in=paragraph_ids)
    candidates = list(
        permissions.scope_offers(Offer.objects.published(), user)
        .filter(kind__in={need.kind for need in needs})
        .filter(Q(pk__in=on_paragraphs.values("offer_id")) | Q(pk__in=on_themes.values("offer_id")))
        .select_related("provider")
        .only(*BOARD_OFFER_FIELDS)
        .order_by("provider__name", "pk")
    )
    if not candidates:
        return {}
    ids = [offer.pk for offer in candidates]
    # The page's paragraphs each offer is on (directly or by one of the paragraph's themes),
    # and the participants it names, in one query.
    open_to = Offer.open_participants.through.objects.filter(offer_id__in=ids)
    links = (
        on_paragraphs.filter(offer_id__in=ids)
        .values_list(Value("on"), "offer_id", "paragraph_id")
        .union(
            on_themes.filter(offer_id__in=ids).values_list(
                Value("on"), "offer_id", "theme__paragraphs"
            ),
            open_to.values_list(Value("names"), "offer_id", "participant_id"),
            all=True,
        )
    )
    on: dict[int, set[int]] = defaultdict(set)  # paragraph id → the offers on it
    named: dict[int, set[int]] = defaultdict(set)  # offer id → the participants it names
    for link, offer_id, other_id in links:
        if link == "on":
            on[other_id].add(offer_id)
        else:
            named[offer_id].add(other_id)
    return {
        need.pk: [
            offer
            for offer in candidates
            if offer.pk in on[need.paragraph_id]
            and offer.fits(need, on_paragraph=True, listed=named[offer.pk])
        ]
        for need in needs
    }


@require_GET
def matching_board(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    permissions.require_assistance_board(user)

    def build() -> tuple[str, str]:
        matches = permissions.scope_matches(Match.objects.select_related("offer__provider"), user)
        needs = (
            permissions.scope_needs(Need.objects.all(), user)
            .select_related("submission__participant", "paragraph")
            # A list, not the related manager's cache: that would filter a queryset per need.
            .prefetch_related(Prefetch("matches", matches, to_attr="visible_matches"))
            .order_by("paragraph__position", "submission__participant__name", "pk")
        )
        filtered = NeedFilter(request.GET or None, queryset=needs, request=request)
        table = NeedBoardTable(filtered.qs, may_propose=permissions.may_manage_matches(user))
        configure_table(request, table)
        # The page's needs, once: the table renders the same (cached) rows.
        shown = [row.record for row in table.page.object_list]
        table.fitting = fitting_offers(user, shown)
        return _html(request, filtered, table)

    filters_html, table_html = _kept(request, "board", build)
    context = {"filters_html": filters_html, "table_html": table_html}
    return render(request, "tracking/matching_board.html", context)


@require_GET
def match_list(request: AuthenticatedRequest) -> HttpResponse:
    def build() -> tuple[str, str]:
        matches = permissions.scope_matches(
            Match.objects.select_related(
                "need__submission__participant", "need__paragraph__declaration", "offer__provider"
            ),
            request.user,
        ).order_by("-updated_at", "-pk")
        filtered = MatchFilter(request.GET or None, queryset=matches, request=request)
        table = MatchTable(filtered.qs)
        configure_table(request, table)
        return _html(request, filtered, table)

    filters_html, table_html = _kept(request, "matches", build)
    context = {"filters_html": filters_html, "table_html": table_html}
    return render(request, "tracking/match_list.html", context)


def _need_and_offer(user, form: MatchProposeForm) -> tuple[Need, Offer]:
    """The need and offer a match would join, as the secretariat sees them; 404 otherwise."""
    need = permissions.get_need_for_user(user, form.cleaned_data["need"])
    offer = permissions.get_offer_for_user(user, form.cleaned_data["offer"])
    return need, offer


@require_http_methods(["GET", "POST"])
def match_propose(request: AuthenticatedRequest) -> HttpResponse:
    """Asks first (GET, from the board's link), proposes on POST."""
    if not permissions.may_manage_matches(request.user):
        raise PermissionDenied
    form = MatchProposeForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        raise Http404
    need, offer = _need_and_offer(request.user, form)
    if request.method == "POST":
        try:
            match = assistance.match_propose(
                need=need, offer=offer, note=form.cleaned_data["note"], user=request.user
            )
        except AssistanceRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The match was proposed."))
            return redirect(match)
    context = {"form": form, "need": need, "offer": offer}
    return render(request, "tracking/match_propose.html", context)


@require_GET
def match_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = request.user
    match = permissions.get_match_for_user(user, pk)
    may_manage = permissions.may_manage_matches(user)
    context = {
        "match": match,
        "may_manage": may_manage,
        "move_form": MatchMoveForm(initial={"version": match.version}) if may_manage else None,
        "moves": [Match.State(state) for state in match.next_states] if may_manage else [],
        # Every change of a match (`tracking.assistance`) gives it a new version.
        "history": paging.history(
            request,
            (lambda: match.history.all(), lambda record: _("the match")),
            kept=f"match:{match.pk}:{match.version}",
        ),
    }
    return render(request, "tracking/match_detail.html", context)


@require_POST
def match_move(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    match = permissions.get_match_for_user(request.user, pk, write=True)
    form = MatchMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: nothing was saved."))
        return redirect(match)
    try:
        moved = assistance.match_move(
            match=match,
            state=form.cleaned_data["state"],
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
            user=request.user,
        )
    except (EditConflict, AssistanceRefused) as refused:
        messages.error(request, str(refused))
    else:
        state = moved.get_state_display().lower()
        messages.success(request, _("The match is now %(state)s.") % {"state": state})
    return redirect(match)
