"""The API's resources. Each reads through `permissions` (the pages' rules) and writes through
`services` after the pages' own form has validated the input: no rule is written twice."""

import hashlib
import json
from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Func,
    Model,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    TextField,
    prefetch_related_objects,
)
from django.db.models.functions import MD5, Cast, JSONArray
from django.http import FileResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action as route
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from declarations.models import (
    Declaration,
    DeclarationVersion,
    Paragraph,
    ParagraphText,
    Section,
)

from .. import permissions, services
from ..forms import (
    ActionCreateForm,
    ActionEditForm,
    AssessmentForm,
    EvidenceForm,
    ProgressUpdateForm,
    ReportRequestForm,
    ReviewForm,
)
from ..fragments import CACHE_SECONDS
from ..models import (
    Action,
    Assessment,
    Evidence,
    Participant,
    ProgressUpdate,
    Report,
    ReportingCycle,
    Submission,
    User,
)
from ..views.records import evidence_file_response
from ..views.reports import report_file_response
from . import idempotency
from . import serializers as s
from .idempotency import created_once
from .problems import PreconditionRequired, Stale, StateConflict


class Pagination(CursorPagination):
    page_size = settings.API_PAGE_SIZE
    # A script may ask for up to 1,000 records a page (`?page_size=`): fewer round trips.
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "pk"


PROBLEM = OpenApiResponse(OpenApiTypes.OBJECT, description="A problem details object (RFC 9457).")
# The answers every operation may give besides its own.
ERRORS = {code: PROBLEM for code in (400, 401, 403, 404, 429)}
WRITE_ERRORS = {**ERRORS, 409: PROBLEM, 412: PROBLEM, 413: PROBLEM, 428: PROBLEM}
# A POST that creates: 422 when its Idempotency-Key was sent with another request.
CREATE_ERRORS = {**WRITE_ERRORS, 422: PROBLEM}
ETAG = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True, description="The record's ETag."
)


def etag(record: Any, representation: Mapping) -> str:
    """The record's version where it has one (what the pages check), else a digest of it."""
    version = getattr(record, "version", None)
    if version is not None:
        return f'"{version}"'
    encoded = json.dumps(representation, sort_keys=True, default=str).encode()
    return f'"{hashlib.sha256(encoded).hexdigest()[:20]}"'


# Fields that name records by id: the forms look them up as given.
ID_FIELDS = ("paragraphs", "paragraph", "themes", "update", "cycle", "participants")
NUL_REFUSED = gettext_lazy("Null characters are not allowed.")  # Django's words, translated


def _is_number(text: str) -> bool:
    """Digits 0-9 only: str.isdigit() also takes "²", which int() refuses."""
    return text.isascii() and text.isdigit()


def _beyond_64_bits(value: Any) -> bool:
    if isinstance(value, list):
        return any(_beyond_64_bits(item) for item in value)
    digits = str(value).removeprefix("-")
    return not isinstance(value, bool) and _is_number(digits) and int(digits) >= 2**63


def _has_nul(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return isinstance(value, str) and "\x00" in value


def body(request: Request) -> Any:
    """The request's fields as a form takes them (a JSON object, or form fields).

    Refused here, before anything is looked up: an id beyond 64 bits (SQLite raises
    OverflowError) and a NUL character (PostgreSQL refuses it in text).
    """
    if not isinstance(request.data, Mapping):
        raise exceptions.ValidationError({"": [_("Send a JSON object or form fields.")]})
    data = request.data.copy()
    for name in data:
        values = data.getlist(name) if isinstance(data, QueryDict) else data[name]
        if _has_nul(values):
            raise exceptions.ValidationError({name: [NUL_REFUSED]})
        if name in ID_FIELDS and _beyond_64_bits(values):
            raise exceptions.ValidationError({name: [_("This id is out of range.")]})
    return data


def validated(form: forms.BaseForm) -> forms.BaseForm:
    """The form if valid; else a 400 listing its errors, field by field."""
    if not form.is_valid():
        raise exceptions.ValidationError(
            {
                ("" if field == "__all__" else field): [str(error) for error in errors]
                for field, errors in form.errors.items()
            }
        )
    return form


def int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if not _is_number(value) or len(value) > 18:
        raise exceptions.ValidationError({name: [_("Give a whole number.")]})
    return int(value)


class RecordViewSet(viewsets.GenericViewSet):
    """Lists and single records; a single record carries its ETag, a change needs If-Match."""

    pagination_class = Pagination
    # Query parameter → (lookup, type); every filter narrows what the scope already allows.
    filters: dict[str, tuple[str, type]] = {}

    def get_queryset(self) -> QuerySet:
        raise NotImplementedError

    @property
    def user(self) -> User:
        """The user the request authenticated: IsAuthenticated lets nobody else in."""
        return cast(User, self.request.user)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        for name, (lookup, kind) in self.filters.items():
            if kind is int:
                value: Any = int_param(self.request, name)
            else:
                value = self.request.query_params.get(name) or None
                if _has_nul(value):
                    raise exceptions.ValidationError({name: [NUL_REFUSED]})
            if value is not None:
                queryset = queryset.filter(**{lookup: value})
        return queryset

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self.answer(self.get_object())

    def answer(self, record: Any, code: int = status.HTTP_200_OK) -> Response:
        data = self.get_serializer(record).data
        return Response(data, status=code, headers={"ETag": etag(record, data)})

    def check_if_match(self, record: Any) -> None:
        """428 without If-Match; 412 with the current record when it changed since."""
        given = self.request.headers.get("If-Match")
        if not given:
            raise PreconditionRequired(
                _("Send If-Match with the ETag of the record as you last read it.")
            )
        data = self.get_serializer(record).data
        current = etag(record, data)
        if given.strip() != "*" and current not in [tag.strip() for tag in given.split(",")]:
            raise Stale(data, current)


# --- Declarations, participants, cycles, submissions ------------------------------------------


class Joined(Func):
    """The rows' strings joined into one, in the order the database reads them (a Func, so
    that Django adds no GROUP BY)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, '')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def digest(model: type[Model], path: str, fields: list[str]) -> Subquery:
    """One MD5 of the MD5s of `fields` (as a JSON array) of the model's rows whose `path` is
    the outer row: a row added, removed or changed in any of them changes it."""
    rows = model._default_manager.filter(**{path: OuterRef("pk")}).order_by()
    each = MD5(Cast(JSONArray(*fields), TextField()))
    return Subquery(rows.values(all=MD5(Joined(each))))


# What the detail shows: the declaration's own fields, its sections, paragraphs, versions and
# their texts. The database digests them with the lookup; the answer is kept until it changes.
CONTENT = {
    "sections": (Section, "declaration", ["id", "number", "title", "order"]),
    "paragraphs": (Paragraph, "declaration", ["id", "kind", "number", "verb", "text",
                                              "text_markdown", "position", "section_id"]),
    "versions": (DeclarationVersion, "declaration", ["id", "language", "status", "title"]),
    "texts": (ParagraphText, "version__declaration", ["id", "version_id", "paragraph_id",
                                                      "verb", "text", "text_markdown"]),
}  # fmt: skip


class DeclarationViewSet(RecordViewSet):
    """Every declaration, open to everyone who logs in (as its pages are)."""

    lookup_field = "slug"
    lookup_value_regex = r"[-\w]+"

    def get_queryset(self) -> QuerySet:
        if self.action != "retrieve":
            return Declaration.objects.all()
        own = s.DeclarationSerializer.Meta.fields
        return Declaration.objects.only(*own).annotate(
            content_digest=MD5(Cast(JSONArray(*own), TextField())),
            **{f"{name}_digest": digest(*part) for name, part in CONTENT.items()},
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.DeclarationDetailSerializer
        return s.DeclarationSerializer

    @extend_schema(responses={200: s.DeclarationSerializer(many=True), **ERRORS})
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.DeclarationDetailSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        declaration = self.get_object()
        digests = [getattr(declaration, f"{name}_digest") for name in ["content", *CONTENT]]
        raw = "|".join(map(str, [declaration.pk, *digests]))
        key = "api-declaration:" + hashlib.sha256(raw.encode()).hexdigest()
        kept = cache.get(key)
        if kept is None:
            texts = ParagraphText.objects.order_by("paragraph__position")
            prefetch_related_objects(
                [declaration],
                "sections",
                Prefetch("paragraphs", Paragraph.objects.select_related("section")),
                Prefetch("versions", DeclarationVersion.objects.prefetch_related(
                    Prefetch("texts", texts)
                )),
            )  # fmt: skip
            data = self.get_serializer(declaration).data
            kept = (data, etag(declaration, data))
            cache.set(key, kept, CACHE_SECONDS)
        data, tag = kept
        return Response(data, headers={"ETag": tag})


class ParticipantViewSet(RecordViewSet):
    lookup_field = "code"
    lookup_value_regex = r"[-\w]+"
    serializer_class = s.ParticipantSerializer

    def get_queryset(self) -> QuerySet:
        participants = Participant.objects.all()
        if self.action != "list":  # a list reads its declarations' slugs at once (LinkedValues)
            participants = participants.prefetch_related("declarations")
        return permissions.scope_participants(participants, self.user)

    @extend_schema(responses={200: s.ParticipantSerializer(many=True), **ERRORS})
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.ParticipantSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)


class CycleViewSet(RecordViewSet):
    serializer_class = s.CycleSerializer
    filters = {"declaration": ("declaration__slug", str), "state": ("state", str)}

    def get_queryset(self) -> QuerySet:
        cycles = ReportingCycle.objects.select_related("declaration")
        return permissions.scope_cycles(cycles, self.user)

    @extend_schema(
        parameters=[OpenApiParameter("declaration", str), OpenApiParameter("state", str)],
        responses={200: s.CycleSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.CycleSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)


class SubmissionViewSet(RecordViewSet):
    serializer_class = s.SubmissionSerializer
    filters = {
        "participant": ("participant__code", str),
        "cycle": ("cycle_id", int),
        "state": ("state", str),
    }

    def get_queryset(self) -> QuerySet:
        submissions = Submission.objects.select_related("participant")
        return permissions.scope(submissions, self.user, "")

    @extend_schema(
        parameters=[
            OpenApiParameter("participant", str),
            OpenApiParameter("cycle", int),
            OpenApiParameter("state", str),
        ],
        responses={200: s.SubmissionSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.SubmissionSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=None,
        parameters=[ETAG],
        responses={200: s.SubmissionSerializer, **WRITE_ERRORS},
        description="Send the draft to the coordinator, as the submission page's Submit does. "
        "Refused (409, with `problems`) while a paragraph is unrated or unexplained.",
    )
    @route(detail=True, methods=["post"])
    def submit(self, request: Request, pk: int) -> Response:
        record = self.get_object()
        if not permissions.may_file_for(self.user, record.participant_id):
            raise PermissionDenied
        self.check_if_match(record)
        services.submission_submit(submission=record, version=record.version, user=self.user)
        return self.answer(self.get_queryset().get(pk=record.pk))

    @extend_schema(
        request=s.ReviewSerializer,
        parameters=[ETAG],
        responses={200: s.SubmissionSerializer, **WRITE_ERRORS},
        description="The coordinator approves a submitted submission or returns it to draft "
        "with a comment, as on the submission page.",
    )
    @route(detail=True, methods=["post"])
    def review(self, request: Request, pk: int) -> Response:
        record = self.get_object()
        if not permissions.may_approve_for(self.user, record.participant_id):
            raise PermissionDenied
        self.check_if_match(record)
        form = validated(ReviewForm({**body(request), "version": record.version}))
        decide = (
            services.submission_approve
            if form.cleaned_data["decision"] == "approve"
            else services.submission_return
        )
        decide(
            submission=record,
            version=record.version,
            user=self.user,
            comment=form.cleaned_data["comment"],
        )
        return self.answer(self.get_queryset().get(pk=record.pk))


# --- Actions and their updates and evidence ---------------------------------------------------


ACTION_FIELDS = [field.name for field in Action._meta.concrete_fields]
ACTION_RELATED_SHOWN = ["participant__code", "declaration__slug", "submission__cycle_id"]


class ActionViewSet(RecordViewSet):
    serializer_class = s.ActionSerializer
    filters = {
        "participant": ("participant__code", str),
        "cycle": ("submission__cycle_id", int),
        "status": ("status", str),
        "paragraph": ("paragraphs__id", int),
        "number": ("paragraphs__number", int),
    }

    def get_queryset(self) -> QuerySet:
        actions = Action.objects.select_related("participant", "declaration", "submission")
        if self.action == "list":
            # What the list shows of the related rows (the declaration's holds its source
            # text); the paragraphs' ids are read for the whole page at once (LinkedValues).
            actions = actions.only(*ACTION_FIELDS, *ACTION_RELATED_SHOWN)
        else:
            actions = actions.prefetch_related(Prefetch("paragraphs", Paragraph.objects.only("pk")))
        # As the actions page: a member's by their participants' index, not through submissions.
        return permissions.scope_actions(actions, self.user)

    def get_object(self) -> Action:
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return permissions.get_for_user(self.get_queryset(), self.user,
                                        self.kwargs["pk"], write=write)  # fmt: skip

    @extend_schema(
        parameters=[
            OpenApiParameter("participant", str, description="A participant's code."),
            OpenApiParameter("cycle", int, description="A reporting cycle's id."),
            OpenApiParameter("status", str, enum=Action.Status.values),
            OpenApiParameter("paragraph", int, description="An operative paragraph's id."),
            OpenApiParameter("number", int, description="An operative paragraph's number."),
        ],
        responses={200: s.ActionSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.ActionSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=s.ActionCreateSerializer,
        parameters=[idempotency.PARAMETER],
        responses={201: s.ActionSerializer, **CREATE_ERRORS},
    )
    @created_once
    def create(self, request: Request) -> Response:
        ids = permissions.participant_ids(self.user, permissions.FILING_ROLES)
        if not ids:
            raise PermissionDenied
        participants = Participant.objects.filter(pk__in=ids)
        data = body(request)
        code = str(data.get("participant", ""))
        data["participant"] = participants.filter(code=code).values_list("pk", flat=True).first()
        form = validated(ActionCreateForm(data, participants=participants))
        paragraphs = list(form.cleaned_data["paragraphs"])
        created = services.action_create(
            participant=form.cleaned_data["participant"],
            declaration=paragraphs[0].declaration,
            paragraphs=paragraphs,
            user=self.user,
            values=form.values(),  # type: ignore[attr-defined]
        )
        return self.answer(self.get_queryset().get(pk=created.pk), status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ActionEditSerializer,
        parameters=[ETAG],
        responses={200: s.ActionSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        record = self.get_object()
        self.check_if_match(record)
        current = self.get_serializer(record).data
        edited = {name: current[name] for name in s.ActionEditSerializer.Meta.fields}
        edited = {k: "" if v is None else v for k, v in edited.items()}
        data = {**edited, **{k: v for k, v in body(request).items() if k in edited}}
        form = validated(ActionEditForm({**data, "version": record.version}, instance=record))
        services.action_edit(
            action=record,
            version=record.version,
            values=form.values(),  # type: ignore[attr-defined]
            paragraphs=list(form.cleaned_data["paragraphs"]),
            user=self.user,
        )
        return self.answer(self.get_queryset().get(pk=record.pk))

    @extend_schema(parameters=[ETAG], responses={204: None, **WRITE_ERRORS})
    def destroy(self, request: Request, pk: int) -> Response:
        record = self.get_object()
        self.check_if_match(record)
        services.action_delete(action=record, version=record.version, user=self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UpdateViewSet(RecordViewSet):
    serializer_class = s.UpdateSerializer
    filters = {"action": ("action_id", int), "cycle": ("submission__cycle_id", int)}

    def get_queryset(self) -> QuerySet:
        return permissions.scope(ProgressUpdate.objects.all(), self.user)

    @extend_schema(
        parameters=[OpenApiParameter("action", int), OpenApiParameter("cycle", int)],
        responses={200: s.UpdateSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.UpdateSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=s.UpdateCreateSerializer,
        parameters=[idempotency.PARAMETER],
        responses={201: s.UpdateSerializer, **CREATE_ERRORS},
    )
    @created_once
    def create(self, request: Request) -> Response:
        data = body(request)
        action = permissions.get_action_to_file_on(self.user, _record_id(data, "action"))
        form = validated(ProgressUpdateForm(data))
        update = services.progress_update_file(
            action=action,
            user=self.user,
            **form.values_without_token,  # type: ignore[attr-defined]
        )
        return self.answer(update, status.HTTP_201_CREATED)


def _codes_to_pks(data: Any, name: str) -> None:
    """Participants named by code, as the page's form takes them (by primary key)."""
    codes = data.getlist(name) if isinstance(data, QueryDict) else data.get(name)
    if not isinstance(codes, list):
        return  # nothing, or not a list: the form says what is wrong
    found = dict(Participant.objects.filter(code__in=[str(c) for c in codes])
                 .values_list("code", "pk"))  # fmt: skip
    pks = [str(found.get(str(code), code)) for code in codes]
    if isinstance(data, QueryDict):
        data.setlist(name, pks)
    else:
        data[name] = pks


def _record_id(data: Mapping, name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not _is_number(str(value)) or len(str(value)) > 18:
        raise exceptions.ValidationError({name: [_("Give the id of a record.")]})
    return int(str(value))


class EvidenceViewSet(RecordViewSet):
    serializer_class = s.EvidenceSerializer
    filters = {"action": ("action_id", int)}

    def get_queryset(self) -> QuerySet:
        return permissions.scope_evidence(Evidence.objects.all(), self.user)

    @extend_schema(
        parameters=[OpenApiParameter("action", int)],
        responses={200: s.EvidenceSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.EvidenceSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": s.EvidenceCreateSerializer},
        parameters=[idempotency.PARAMETER],
        responses={201: s.EvidenceSerializer, **CREATE_ERRORS},
    )
    @created_once
    def create(self, request: Request) -> Response:
        data = body(request)
        action = permissions.get_action_to_file_on(self.user, _record_id(data, "action"))
        files = {"upload": request.FILES["file"]} if "file" in request.FILES else {}
        form = validated(EvidenceForm(data, files, action=action))
        evidence = services.evidence_add(
            action=action,
            user=self.user,
            title=form.cleaned_data["title"],
            date=form.cleaned_data["date"],
            update=form.cleaned_data["update"],
            upload=form.cleaned_data["upload"],
            extension=form.extension,  # type: ignore[attr-defined]
            content_type=form.content_type,  # type: ignore[attr-defined]
            url=form.cleaned_data["url"],
            visibility=form.cleaned_data["visibility"],
        )
        return self.answer(evidence, status.HTTP_201_CREATED)

    @extend_schema(parameters=[ETAG], responses={204: None, **WRITE_ERRORS})
    def destroy(self, request: Request, pk: int) -> Response:
        record = permissions.get_for_user(self.get_queryset(), self.user, pk, write=True)
        self.check_if_match(record)
        services.evidence_delete(evidence=record, user=self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS})
    @route(detail=True, methods=["get"])
    def download(self, request: Request, pk: int) -> FileResponse:
        evidence = permissions.get_evidence_for_user(self.user, pk)
        return evidence_file_response(evidence, self.user)


# --- Assessments ------------------------------------------------------------------------------


class AssessmentViewSet(RecordViewSet):
    serializer_class = s.AssessmentSerializer
    filters = {
        "participant": ("submission__participant__code", str),
        "cycle": ("submission__cycle_id", int),
        "number": ("paragraph__number", int),
    }

    def get_queryset(self) -> QuerySet:
        assessments = Assessment.objects.select_related("submission__participant", "paragraph")
        return permissions.scope(assessments, self.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("participant", str),
            OpenApiParameter("cycle", int),
            OpenApiParameter("number", int, description="An operative paragraph's number."),
        ],
        responses={200: s.AssessmentSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.AssessmentSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    def _save(self, submission: Submission, paragraph: Paragraph, record, data) -> Response:
        version = record.version if record else 0
        data["version"] = version  # checked by If-Match already, and by the service under lock
        form = AssessmentForm(data, instance=record, submission=submission, paragraph=paragraph)
        validated(form)
        saved = services.assessment_save(
            participant=submission.participant,
            cycle=submission.cycle,
            paragraph=paragraph,
            rating=form.cleaned_data["rating"],
            justification=form.cleaned_data["justification"],
            version=version,
            user=self.user,
        )
        code = status.HTTP_200_OK if record else status.HTTP_201_CREATED
        return self.answer(self.get_queryset().get(pk=saved.pk), code)

    @extend_schema(
        request=s.AssessmentCreateSerializer,
        parameters=[idempotency.PARAMETER],
        responses={201: s.AssessmentSerializer, **CREATE_ERRORS},
    )
    @created_once
    def create(self, request: Request) -> Response:
        """Rates a paragraph not rated yet in the submission (else PATCH its assessment)."""
        data = body(request)
        submission = permissions.get_submission_for_user(
            self.user, str(data.get("participant", "")), _record_id(data, "cycle"), write=True
        )
        paragraph = get_object_or_404(
            Paragraph.objects.operative(),
            declaration_id=submission.cycle.declaration_id,
            number=_record_id(data, "number"),
        )
        return self._save(submission, paragraph, None, data)

    @extend_schema(
        request=s.AssessmentEditSerializer,
        parameters=[ETAG],
        responses={200: s.AssessmentSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: int) -> Response:
        record = permissions.get_for_user(self.get_queryset(), self.user, pk, write=True)
        self.check_if_match(record)
        current = {"rating": record.rating, "justification": record.justification}
        data = {**current, **{k: v for k, v in body(request).items() if k in current}}
        return self._save(record.submission, record.paragraph, record, data)


# --- Reports ----------------------------------------------------------------------------------


class ReportViewSet(RecordViewSet):
    serializer_class = s.ReportSerializer

    def get_queryset(self) -> QuerySet:
        reports = Report.objects.select_related("declaration").defer("declaration__source_text")
        if self.action != "list":  # a list reads its links' values at once (LinkedValues)
            reports = reports.prefetch_related(
                "participants", Prefetch("paragraphs", Paragraph.objects.only("pk"))
            )
        return permissions.scope_reports(reports, self.user)

    @extend_schema(responses={200: s.ReportSerializer(many=True), **ERRORS})
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.ReportSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        request=s.ReportRequestSerializer,
        parameters=[idempotency.PARAMETER],
        responses={202: s.ReportSerializer, **ERRORS, 413: PROBLEM, 422: PROBLEM},
    )
    @created_once
    def create(self, request: Request) -> Response:
        """Asks for a report; poll it until its state is `succeeded`, then download it."""
        if permissions.reportable_participant_ids(self.user) == []:
            raise PermissionDenied
        data = body(request)
        declaration = Declaration.objects.filter(slug=str(data.get("declaration", ""))).first()
        data["declaration"] = declaration.pk if declaration else None
        _codes_to_pks(data, "participants")
        form = validated(ReportRequestForm(data, user=self.user))
        report = services.report_request(
            user=self.user,
            **form.values_without_token,  # type: ignore[attr-defined]
        )
        response = self.answer(self.get_queryset().get(pk=report.pk), status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(
            self.reverse_action("detail", args=[report.pk])
        )
        return response

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS})
    @route(detail=True, methods=["get"])
    def download(self, request: Request, pk: int) -> FileResponse:
        report = permissions.get_report_for_user(Report.objects.all(), self.user, pk)
        return report_file_response(report, self.user)

    @extend_schema(request=None, responses={202: s.ReportSerializer, **WRITE_ERRORS})
    @route(detail=True, methods=["post"])
    def retry(self, request: Request, pk: int) -> Response:
        """Queues a failed report again (its requester only, as on My reports); 409 otherwise."""
        report = permissions.get_report_for_user(Report.objects.all(), self.user, pk, manage=True)
        if not services.report_retry(report=report):
            raise StateConflict(_("Only a failed report can be retried."))
        return self.answer(self.get_queryset().get(pk=pk), status.HTTP_202_ACCEPTED)

    @extend_schema(parameters=[ETAG], responses={204: None, **WRITE_ERRORS})
    def destroy(self, request: Request, pk: int) -> Response:
        """Deletes the report and its file (its requester only); a build still running stops."""
        report = permissions.get_report_for_user(self.get_queryset(), self.user, pk, manage=True)
        self.check_if_match(report)
        services.report_delete(report=report)
        return Response(status=status.HTTP_204_NO_CONTENT)
