"""A participant's submission for a reporting cycle: ratings, submitting, review."""

import contextlib
import hashlib
import html
from collections.abc import Iterable

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import F, Func, OuterRef, Prefetch, Subquery, Value
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import truncatewords
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from declarations.models import Paragraph

from .. import comparison, fragments, paging, permissions, services, submission_rules
from ..forms import AssessmentForm, ReviewForm, SubmitForm, WorkbookUploadForm
from ..models import (
    Action,
    ActionTally,
    Assessment,
    Evidence,
    Match,
    Membership,
    Need,
    ProgressUpdate,
    Submission,
    User,
)
from ..permissions import AuthenticatedRequest
from ..services import FilingRefused
from ..versioning import EditConflict
from ._forms import refused_edit

# A participant may have a thousand actions in a cycle: the page lists this many.
ACTIONS_SHOWN = 50
# Needs are stated by hand, a few per paragraph at most; the page stops at this many.
NEEDS_SHOWN = 100


@require_http_methods(["GET", "POST"])
def assessment_edit(
    request: AuthenticatedRequest, code: str, cycle_pk: int, number: int
) -> HttpResponse:
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk, write=True)
    paragraph = get_object_or_404(
        Paragraph.objects.operative().select_related("declaration").with_text_in(),
        declaration_id=submission.cycle.declaration_id,
        number=number,
    )
    assessment = Assessment.objects.filter(submission_id=submission.pk, paragraph=paragraph).first()
    form = AssessmentForm(
        request.POST or None,
        instance=assessment,
        initial={"version": assessment.version if assessment else 0},
        submission=submission,
        paragraph=paragraph,
    )
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in ("rating", "justification", "version")}
        try:
            services.assessment_save(
                participant=submission.participant,
                cycle=submission.cycle,
                paragraph=paragraph,
                user=request.user,
                **values,
            )
        except EditConflict as conflict:
            form = refused_edit(
                AssessmentForm,
                request,
                conflict,
                instance=assessment,
                submission=submission,
                paragraph=paragraph,
            )
        except FilingRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("The rating was saved."))
            return redirect(submission)
    # Every write of a rating moves its version (`versioning`): its history is kept under it.
    history = (
        paging.history(
            request,
            (lambda: assessment.history.all(), lambda record: _("this rating")),
            kept=f"assessment:{assessment.pk}:{assessment.version}",
        )
        if assessment
        else None
    )
    context = {"form": form, "submission": submission, "paragraph": paragraph, "history": history}
    return render(request, "tracking/assessment_form.html", context)


def _filed(submission: Submission, user) -> dict:
    """What the page shows of the submission's own records: its counts of actions, progress
    updates and the evidence the user may see, its ratings by paragraph, the first actions.

    Counting reads every row (thousands in a large submission): a sealed submission's are kept
    under its seal and the reader's side of the one visibility rule that differs (members see
    "participant only" evidence, others do not). A draft's are read in three queries, and the
    newest entry of its needs' history with them (`_history_key`).
    """
    if submission.pk is None:
        return {"counts": {"actions": 0, "updates": 0, "evidence": 0}, "ratings": {}, "actions": []}

    def read() -> dict:
        evidence = permissions.scope_evidence(Evidence.objects.filter(submission=submission), user)
        # Named apart from the submission's relations ("actions", "updates", "evidence").
        totals = Submission.objects.filter(pk=submission.pk).values(
            n_actions=_total(
                ActionTally.objects.filter(submission=submission, paragraph=None), "SUM", "actions"
            ),
            n_updates=_total(ProgressUpdate.objects.filter(submission=submission), "COUNT"),
            n_evidence=_total(evidence, "COUNT"),
            newest_need=_total(
                Need.history.filter(submission_id=submission.pk), "MAX", "history_id"
            ),
        )[0]
        return {
            "counts": {
                "actions": totals["n_actions"] or 0,
                "updates": totals["n_updates"],
                "evidence": totals["n_evidence"],
            },
            "newest_need": None if submission.seal else totals["newest_need"],
            "ratings": {
                a.paragraph_id: a for a in Assessment.objects.filter(submission_id=submission.pk)
            },
            "actions": list(
                Action.objects.filter(submission_id=submission.pk)
                .only("title", "status", "progress", "carried_from", "version")
                .order_by("title", "pk")[:ACTIONS_SHOWN]
            ),
        }

    if not submission.seal:
        return read()
    member = submission.participant_id in permissions.participant_ids(user)
    key = f"submission-filed:{submission.seal}:{int(member)}"
    filed = cache.get(key)
    if filed is None:
        filed = read()
        cache.set(key, filed, paging.KEPT_SECONDS)
    return filed


def _total(queryset, function: str, field: str = "pk") -> Subquery:
    """COUNT, SUM or MAX of `field` over `queryset`, as a scalar subquery (a Func, so that
    Django adds no GROUP BY): the page's counts come in one query."""
    return Subquery(queryset.order_by().values(total=Func(F(field), function=function)))


def _history_key(submission: Submission, ratings: Iterable[Assessment], newest_need) -> str:
    """What the history of a submission, its ratings and its needs is kept under: every change
    to them moves a version (the submission's, or a rating's, whose writes all go through
    `versioning`; a new rating adds one) or adds a need's history entry, so a draft's history
    is kept too."""
    if submission.seal:
        return f"submission:{submission.seal}"
    versions = ",".join(f"{a.pk}.{a.version}" for a in sorted(ratings, key=lambda a: a.pk))
    # Needs are listed in part only: their newest history entry (every write, a deletion
    # included, adds one) says whether any of them changed.
    versions += f";needs:{newest_need}"
    digest = hashlib.sha256(versions.encode()).hexdigest()
    return f"draft:{submission.pk}:{submission.version}:{digest}"


class _EachUrl:
    """`reverse(name, args=[*args, last])` for many values of `last`, at the cost of one
    `reverse`: the submission page links each of its dozens of rows."""

    MARK = 2_147_483_647  # an id no row has: where the last argument goes

    def __init__(self, name: str, *args) -> None:
        self.head, self.tail = reverse(name, args=[*args, self.MARK]).split(str(self.MARK))

    def __call__(self, last: int) -> str:
        return f"{self.head}{last}{self.tail}"


def _actions_html(actions) -> SafeString:
    """The `<li>` of each listed action, written in Python: fifty of them through the
    template engine cost more than the rest of the page's contents."""
    unchanged = format_html(' · <span class="muted">{}</span>', _("carried forward, unchanged"))
    # Translated and escaped once, not a get_status_display() (which rebuilds the choices) an
    # action; each row joined from parts escaped as Django escapes (html.escape), without
    # format_html's cost.
    statuses = {value: html.escape(str(label)) for value, label in Action.Status.choices}
    url = _EachUrl("tracking:action")
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<li><a href="{html.escape(url(action.pk))}">{html.escape(action.title)}</a> · '
            f"{statuses.get(action.status) or html.escape(action.status)} · "
            f"{action.progress}%{unchanged if action.is_carried_unchanged else ''}</li>"
            for action in actions
        )
    )


def _rating_rows_html(submission: Submission, rows, *, compare: bool, may_file: bool) -> SafeString:
    """The `<tr>` of each operative paragraph in the ratings table, written in Python from
    parts escaped as Django escapes (html.escape), the words translated once."""
    code, cycle = submission.participant.code, submission.cycle
    escape = html.escape
    carried = format_html('<br><span class="muted">{}</span>', _("Carried forward, unchanged"))
    no_rating = format_html(
        '<td><span class="rating rating--none">{}</span></td>', _("No rating yet")
    )
    not_rated = escape(_("Not rated"))
    ratings = {value: escape(str(label)) for value, label in Assessment.Rating.choices}
    paragraph_url = _EachUrl("declarations:paragraph", cycle.declaration.slug)
    edit_url = _EachUrl("tracking:assessment_edit", code, cycle.pk)
    rate = _("Rate paragraph %(number)s")
    written = []
    for paragraph, assessment, previous, trend in rows:
        cells = [
            f'<th scope="row"><a href="{escape(paragraph_url(paragraph.number))}">'
            f"{escape(paragraph.label)}</a></th>"
        ]
        if assessment:
            rating = assessment.rating
            cells.append(
                f'<td><span class="rating rating--{escape(rating)}">'
                f"{ratings.get(rating) or escape(rating)}</span>"
                f"{carried if assessment.is_carried_unchanged else ''}</td>"
            )
        else:
            cells.append(no_rating)
        if compare:
            cells.append(f"<td>{escape(str(previous)) if previous else not_rated}</td>")
            cells.append(
                f'<td><span class="trend trend--{escape(trend.value)}">{escape(trend.text)}'
                "</span></td>"
                if trend
                else "<td>—</td>"
            )
        justification = assessment.justification if assessment else ""
        cells.append(f"<td>{escape(truncatewords(justification, 30))}</td>")
        if may_file:
            url = escape(edit_url(paragraph.number))
            label = escape(rate % {"number": paragraph.number})
            cells.append(f'<td><a href="{url}">{label}</a></td>')
        written.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("".join(written))  # noqa: S308 - every value is escaped


def _submission_page(
    request: AuthenticatedRequest, submission: Submission, review_form=None
) -> HttpResponse:
    user = request.user
    member = submission.participant_id in permissions.participant_ids(user)
    kept = review_form is None and submission.seal and not request.GET
    content = None
    if kept and (member or fragments.caches_for(user)):
        content = _kept_submission_content(request, submission, member)
    if content is None:
        context = _submission_context(request, submission, review_form)
        content = render_to_string("tracking/_submission_detail.html", context, request)
    context = {"submission": submission, "content": content}
    return render(request, "tracking/submission_detail.html", context)


# Where a kept page's review form goes: the form holds the reader's CSRF token, so it is
# written on each view. (User text is escaped, so it never holds this comment.)
REVIEW_SLOT = "<!-- the review form -->"


def _review_html(request: AuthenticatedRequest, submission: Submission, review_form=None) -> str:
    form = review_form or ReviewForm(initial={"version": submission.version})
    context = {"submission": submission, "review_form": form}
    return render_to_string("tracking/_submission_review.html", context, request)


def _kept_submission_content(
    request: AuthenticatedRequest, submission: Submission, member: bool
) -> str | None:
    """The page's content for those who see what the secretariat sees, and for the members of
    the submission's participant, kept in the cache: a sealed submission's records never
    change, and what the page names of others does only with the declaration's version
    (participants, cycles, paragraphs, the earlier cycle's sealed ratings), with its needs'
    matches (counted, their newest change, the sum of their versions) or with the names of
    the people who submitted, reviewed and changed it, read on each view.

    Members see more: "participant only" evidence in the counts, the earlier cycle's ratings
    while it is a draft (then nothing is kept: None), and, those who file, why nothing can
    change, naming the participant's coordinators, whose memberships change without a
    version (read with the names). A coordinator's review form is written on each view."""
    user, participant_id = request.user, submission.participant_id
    version = fragments.declaration_version(submission.cycle.declaration_id)
    files = permissions.may_file_for(user, participant_id)
    reviews = submission.state == Submission.State.SUBMITTED and permissions.may_approve_for(
        user, participant_id
    )
    name = (
        f"submission|{submission.seal}|{timezone.get_current_timezone_name()}"
        f"|{int(member)}|{int(files)}|{int(reviews)}"
    )

    matches = Match.objects.filter(need__submission_id=submission.pk)
    earlier = Submission.objects.filter(
        participant_id=participant_id,
        cycle_id=comparison.previous_cycle_field(submission.cycle, "pk"),
    )
    *matched, earlier_state = (
        Submission.objects.filter(pk=submission.pk)
        .values_list(
            _total(matches, "COUNT"),
            _total(matches, "MAX", "updated_at"),
            _total(matches, "SUM", "version"),
            Subquery(earlier.values("state")[:1]),
        )
        .get()
    )
    if member and earlier_state == Submission.State.DRAFT:
        return None  # its members see the earlier cycle's draft ratings, which change unversioned
    # Read once for both the people and the content, when either is missing.
    context: dict = {}

    def read() -> dict:
        if not context:
            context.update(_submission_context(request, submission, review_slot=reviews))
        return context

    def people() -> list[int]:
        changed = {entry["user_id"] for entry in read()["history"].items}
        named = {submission.submitted_by_id, submission.reviewed_by_id} | changed
        return sorted(pk for pk in named if pk is not None)

    ids = fragments.cached(f"{name}|people", version, people)
    names_coordinators = files and submission.state == Submission.State.SUBMITTED
    names = _names_of(ids, participant_id if names_coordinators else None)
    key = f"{name}|{names}|{matched}"

    def build() -> str:
        return render_to_string("tracking/_submission_detail.html", read(), request)

    content = fragments.cached(key, version, build)
    if reviews:
        review = _review_html(request, submission)
        content = mark_safe(content.replace(REVIEW_SLOT, review, 1))  # noqa: S308 - both rendered
    return content


def _names_of(user_ids: list[int], coordinators_of: int | None) -> list[tuple]:
    """`fragments.names_of` these users and, with `coordinators_of`, the coordinators of that
    participant (marked), in one query: for a part's key that names them."""
    if coordinators_of is None:
        return fragments.names_of(user_ids)
    named = User.objects.filter(pk__in=user_ids).values_list(
        "pk", "first_name", "last_name", "username", Value(False)
    )
    coordinators = Membership.objects.filter(
        participant_id=coordinators_of, role=Membership.Role.COORDINATOR
    ).values_list("user_id", "user__first_name", "user__last_name", "user__username", Value(True))
    # A union, not an OR, which would read every user.
    return sorted(named.order_by().union(coordinators.order_by(), all=True))


def _submission_context(
    request: AuthenticatedRequest, submission: Submission, review_form=None, review_slot=False
) -> dict:
    """What the page shows; with `review_slot`, REVIEW_SLOT where the review form goes."""
    user, participant, cycle = request.user, submission.participant, submission.cycle
    # The cycle before (its id and name on every row, read once) and each paragraph's rating
    # in it, if the user may see it, in the same query.
    earlier = permissions.scope(
        Assessment.objects.filter(
            submission__cycle_id=OuterRef("previous_cycle_id"),
            submission__participant_id=participant.pk,
            paragraph_id=OuterRef("pk"),
        ),
        user,
    )
    paragraphs: list[Paragraph] = list(
        Paragraph.objects.operative()
        .filter(declaration_id=cycle.declaration_id)
        .only("kind", "number", "declaration_id")
        .order_by("position")
        .annotate(
            previous_cycle_id=comparison.previous_cycle_field(cycle, "pk"),
            previous_cycle_name=comparison.previous_cycle_field(cycle, "name"),
            previous_rating=Subquery(earlier.values("rating")[:1]),
        )
    )
    if paragraphs:
        previous_cycle_name = paragraphs[0].previous_cycle_name  # type: ignore[attr-defined]
    else:
        previous = comparison.previous_cycle(cycle)
        previous_cycle_name = previous.name if previous else None
    numbers = {paragraph.pk: paragraph.number for paragraph in paragraphs}
    labels: dict[str | None, str | Promise] = dict(Assessment.Rating.choices)
    filed = _filed(submission, user)
    ratings = filed["ratings"]
    rows = []
    for paragraph in paragraphs:
        assessment = ratings.get(paragraph.pk)
        before = getattr(paragraph, "previous_rating", None)
        rows.append(
            (
                paragraph,
                assessment,
                labels.get(before, ""),
                comparison.trend(before, assessment.rating if assessment else None),
            )
        )
    counts = {**filed["counts"], "assessments": len(ratings)}
    needs = (
        Need.objects.filter(submission_id=submission.pk)
        .select_related("paragraph")
        .prefetch_related(
            Prefetch(
                "matches",
                permissions.scope_matches(Match.objects.select_related("offer__provider"), user),
            )
        )
        .order_by("paragraph__position", "pk")[:NEEDS_SHOWN]
        if submission.pk
        else []
    )
    files_for_it = permissions.may_file_for(user, participant.pk)
    # Only a draft of an open cycle changes: otherwise no form is offered, and members who
    # file are told why and who can change that.
    locked = submission_rules.why_locked(submission) if files_for_it else ""
    may_file = files_for_it and not locked
    problems = (
        submission_rules.submission_problems(submission, paragraphs=paragraphs, ratings=ratings)
        if may_file
        else []
    )
    may_review = submission.state == Submission.State.SUBMITTED and (
        permissions.may_approve_for(user, participant.pk)
    )
    # Who submitted and who reviewed, named as they are now: one query, when anyone did.
    people = {submission.submitted_by_id, submission.reviewed_by_id} - {None}
    if people:
        named = User.objects.in_bulk(people)
        submission.submitted_by = named.get(submission.submitted_by_id)
        submission.reviewed_by = named.get(submission.reviewed_by_id)
    actions = filed["actions"]
    context = {
        "submission": submission,
        # The first few; the actions list, filtered to this submission, pages through the rest.
        "actions": _actions_html(actions),
        "actions_shown": len(actions),
        "rating_rows": _rating_rows_html(
            submission, rows, compare=previous_cycle_name is not None, may_file=may_file
        ),
        "all_actions_url": reverse("tracking:actions")
        + "?"
        + urlencode({"participant": participant.pk, "cycle": submission.cycle_id}),
        "rows": rows,
        "needs": needs,
        "unrated": [row[0] for row in rows if row[1] is None],
        "previous_cycle_name": previous_cycle_name,
        "counts": counts,
        "may_file": may_file,
        "locked": locked,
        "problems": problems,
        "may_submit": may_file and submission.pk is not None and not problems,
        "upload_form": WorkbookUploadForm() if may_file else None,
        "review": (
            mark_safe(REVIEW_SLOT)  # noqa: S308 - a constant
            if review_slot
            else _review_html(request, submission, review_form)
        )
        if may_review
        else "",
        "may_review": may_review,
        "history": paging.history(
            request,
            (lambda: submission.history.all(), lambda record: _("the submission")),
            (
                lambda: Assessment.history.filter(submission_id=submission.pk),
                lambda record: (
                    _("rating of paragraph %(number)s")
                    % {"number": numbers.get(record.paragraph_id, "?")}
                ),
            ),
            (
                lambda: Need.history.filter(submission_id=submission.pk),
                lambda record: (
                    _("need on paragraph %(number)s")
                    % {"number": numbers.get(record.paragraph_id, "?")}
                ),
            ),
            kept=_history_key(submission, ratings.values(), filed.get("newest_need")),
        )
        if submission.pk
        else None,
    }
    return context


def submission_detail(request: AuthenticatedRequest, code: str, cycle_pk: int) -> HttpResponse:
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk)
    starts_draft = submission.pk is None and submission.accepts_filing
    if starts_draft and permissions.may_file_for(request.user, submission.participant_id):
        # The first visit of someone who files starts the draft from the last approved one.
        with contextlib.suppress(FilingRefused):
            started = services.submission_start(
                participant=submission.participant, cycle=submission.cycle, user=request.user
            )
            started.participant, started.cycle = submission.participant, submission.cycle
            submission = started
    return _submission_page(request, submission)


@require_POST
def submission_submit(request: AuthenticatedRequest, code: str, cycle_pk: int) -> HttpResponse:
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk, write=True)
    form = SubmitForm(request.POST)
    if submission.pk is None or not form.is_valid():
        messages.error(request, _("There is nothing to submit yet."))
        return redirect(submission)
    try:
        services.submission_submit(
            submission=submission, version=form.cleaned_data["version"], user=request.user
        )
    except FilingRefused as refused:
        if refused.problems:
            # The page lists them, each with its link.
            reason = ngettext(
                "%(count)d thing is missing, listed below.",
                "%(count)d things are missing, listed below.",
                len(refused.problems),
            ) % {"count": len(refused.problems)}
        else:
            reason = str(refused)
        messages.error(request, _("Not submitted: %(reason)s") % {"reason": reason})
    except EditConflict as refused:
        messages.error(request, _("Not submitted: %(reason)s") % {"reason": refused})
    else:
        messages.success(request, _("The submission was sent to the coordinator."))
    return redirect(submission)


@require_POST
def submission_review(request: AuthenticatedRequest, code: str, cycle_pk: int) -> HttpResponse:
    submission = permissions.get_submission_for_user(request.user, code, cycle_pk)
    if not permissions.may_approve_for(request.user, submission.participant_id):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _submission_page(request, submission, review_form=form)
    review = (
        services.submission_approve
        if form.cleaned_data["decision"] == "approve"
        else services.submission_return
    )
    try:
        reviewed = review(
            submission=submission,
            version=form.cleaned_data["version"],
            user=request.user,
            comment=form.cleaned_data["comment"],
        )
    except (EditConflict, FilingRefused) as refused:
        messages.error(request, str(refused))
    else:
        state = reviewed.get_state_display().lower()
        messages.success(request, _("The submission is now %(state)s.") % {"state": state})
    return redirect(submission)
