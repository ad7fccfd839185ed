"""A participant's submission for a reporting cycle: ratings, submitting, review."""

import contextlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from declarations.models import Paragraph

from .. import comparison, paging, permissions, services, submission_rules
from ..forms import AssessmentForm, ReviewForm, SubmitForm, WorkbookUploadForm
from ..models import Action, ActionTally, Assessment, Match, Need, Submission
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
    history = (
        paging.history(request, (assessment.history.all(), lambda record: _("this rating")))
        if assessment
        else None
    )
    context = {"form": form, "submission": submission, "paragraph": paragraph, "history": history}
    return render(request, "tracking/assessment_form.html", context)


def _submission_page(request: AuthenticatedRequest, submission: Submission, review_form=None):
    user, participant = request.user, submission.participant
    paragraphs = list(
        Paragraph.objects.operative()
        .filter(declaration_id=submission.cycle.declaration_id)
        .select_related("declaration")
        .order_by("position")
    )
    numbers = {paragraph.pk: paragraph.number for paragraph in paragraphs}
    labels: dict[str | None, str | Promise] = dict(Assessment.Rating.choices)
    ratings = {a.paragraph_id: a for a in Assessment.objects.filter(submission_id=submission.pk)}
    previous_cycle = comparison.previous_cycle(submission.cycle)
    previous = (
        comparison.previous_ratings(user, submission.cycle, [participant.pk])
        if previous_cycle
        else {}
    )
    rows = []
    for paragraph in paragraphs:
        assessment = ratings.get(paragraph.pk)
        before = previous.get((participant.pk, paragraph.pk))
        rows.append(
            (
                paragraph,
                assessment,
                labels.get(before, ""),
                comparison.trend(before, assessment.rating if assessment else None),
            )
        )
    counts = {
        "actions": ActionTally.objects.filter(
            submission_id=submission.pk, paragraph=None
        ).aggregate(n=Sum("actions"))["n"]
        or 0,
        "updates": submission.updates.count() if submission.pk else 0,
        "evidence": permissions.scope_evidence(submission.evidence.all(), user).count()
        if submission.pk
        else 0,
        "assessments": len(ratings),
    }
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
    problems = submission_rules.submission_problems(submission) if may_file else []
    may_review = submission.state == Submission.State.SUBMITTED and (
        permissions.may_approve_for(user, participant.pk)
    )
    context = {
        "submission": submission,
        # The first few; the actions list, filtered to this submission, pages through the rest.
        "actions": Action.objects.filter(submission_id=submission.pk).order_by("title")[
            :ACTIONS_SHOWN
        ],
        "all_actions_url": reverse("tracking:actions")
        + "?"
        + urlencode({"participant": participant.pk, "cycle": submission.cycle_id}),
        "rows": rows,
        "needs": needs,
        "unrated": [row[0] for row in rows if row[1] is None],
        "previous_cycle": previous_cycle,
        "counts": counts,
        "may_file": may_file,
        "locked": locked,
        "problems": problems,
        "may_submit": may_file and submission.pk is not None and not problems,
        "upload_form": WorkbookUploadForm() if may_file else None,
        "review_form": review_form or (ReviewForm(initial={"version": submission.version})),
        "may_review": may_review,
        "history": paging.history(
            request,
            (submission.history.all(), lambda record: _("the submission")),
            (
                Assessment.history.filter(submission_id=submission.pk),
                lambda record: (
                    _("rating of paragraph %(number)s")
                    % {"number": numbers.get(record.paragraph_id, "?")}
                ),
            ),
            (
                Need.history.filter(submission_id=submission.pk),
                lambda record: (
                    _("need on paragraph %(number)s")
                    % {"number": numbers.get(record.paragraph_id, "?")}
                ),
            ),
        )
        if submission.pk
        else None,
    }
    return render(request, "tracking/submission_detail.html", context)


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
