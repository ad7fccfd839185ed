"""The API's resources of technical assistance: needs, offers and matches. As the pages, they
read through `permissions` and write through `assistance` after the pages' forms validated."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action as route
from rest_framework.request import Request
from rest_framework.response import Response

from declarations.models import Declaration, Paragraph

from .. import assistance, permissions
from ..forms import MatchMoveForm, MatchProposeForm, NeedForm, OfferForm
from ..models import AssistanceKind, Match, Need, Offer, Participant
from . import serializers as s
from .views import (
    ERRORS,
    ETAG,
    WRITE_ERRORS,
    RecordViewSet,
    _codes_to_pks,
    _record_id,
    body,
    validated,
)

# Ids only: anything else in the path is not a record of ours (and never reaches the database).
ID = r"[0-9]{1,18}"


# Fields that take several values (several form fields of the same name, or a JSON list).
_LISTS = ("paragraphs", "themes", "open_regions", "open_participants")


def _plain(data: Any) -> dict:
    """The request's fields as a dict, lists kept whether they came as JSON or form fields."""
    if isinstance(data, QueryDict):
        return {name: data.getlist(name) if name in _LISTS else data[name] for name in data}
    return dict(data)


def _edited(current: dict, data: Any) -> dict:
    """The record's current fields, replaced by those the request sends (PATCH)."""
    return {**current, **{k: v for k, v in _plain(data).items() if k in current}}


# --- Needs ----------------------------------------------------------------------------------


class NeedViewSet(RecordViewSet):
    """Needs stated in submissions: who sees them as on the submission page (`need_filter`);
    changed only while their draft accepts filing, by those who file for it."""

    serializer_class = s.NeedSerializer
    lookup_value_regex = ID
    filters = {
        "participant": ("submission__participant__code", str),
        "cycle": ("submission__cycle_id", int),
        "number": ("paragraph__number", int),
        "kind": ("kind", str),
    }

    def get_queryset(self) -> QuerySet:
        needs = Need.objects.select_related("submission__participant", "paragraph")
        return permissions.scope_needs(needs, self.user)

    def get_object(self) -> Need:
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return permissions.get_need_for_user(self.user, int(self.kwargs["pk"]), write=write)

    @extend_schema(
        parameters=[
            OpenApiParameter("participant", str, description="A participant's code."),
            OpenApiParameter("cycle", int, description="A reporting cycle's id."),
            OpenApiParameter("number", int, description="An operative paragraph's number."),
            OpenApiParameter("kind", str, enum=AssistanceKind.values),
        ],
        responses={200: s.NeedSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.NeedSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=s.NeedCreateSerializer,
                   responses={201: s.NeedSerializer, **WRITE_ERRORS})  # fmt: skip
    def create(self, request: Request) -> Response:
        """States a need in the participant's draft for the open cycle (started when missing)."""
        data = body(request)
        submission = permissions.get_submission_for_user(
            self.user, str(data.get("participant", "")), _record_id(data, "cycle"), write=True
        )
        blank = {**dict.fromkeys(NeedForm.Meta.fields, ""), "priority": Need.Priority.MEDIUM}
        form = NeedForm(
            {**_edited(blank, data), "version": 0},
            declaration_id=submission.cycle.declaration_id,
        )
        values = validated(form).values()  # type: ignore[attr-defined]
        need = assistance.need_create(
            participant=submission.participant,
            cycle=submission.cycle,
            paragraph=values.pop("paragraph"),
            values=values,
            user=self.user,
        )
        return self.answer(self.get_queryset().get(pk=need.pk), status.HTTP_201_CREATED)

    @extend_schema(
        request=s.NeedEditSerializer,
        parameters=[ETAG],
        responses={200: s.NeedSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        need = self.get_object()
        self.check_if_match(need)
        current = {
            "paragraph": need.paragraph_id,
            "kind": need.kind,
            "priority": need.priority,
            "description": need.description,
            "shareable": need.shareable,
        }
        form = NeedForm(
            {**_edited(current, body(request)), "version": need.version},
            instance=need,
            declaration_id=need.submission.cycle.declaration_id,
        )
        assistance.need_edit(
            need=need,
            version=need.version,
            values=validated(form).values(),  # type: ignore[attr-defined]
            user=self.user,
        )
        return self.answer(self.get_queryset().get(pk=need.pk))

    @extend_schema(parameters=[ETAG], responses={204: None, **WRITE_ERRORS})
    def destroy(self, request: Request, pk: str) -> Response:
        need = self.get_object()
        self.check_if_match(need)
        assistance.need_delete(need=need, version=need.version, user=self.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Offers ---------------------------------------------------------------------------------


OFFER_FIELDS = [field.name for field in Offer._meta.concrete_fields]


class OfferViewSet(RecordViewSet):
    """Providers' offers: their provider's members manage them; every other user reads the
    published ones (`offer_filter`)."""

    serializer_class = s.OfferSerializer
    lookup_value_regex = ID
    filters = {
        "provider": ("provider__code", str),
        "declaration": ("declaration__slug", str),
        "kind": ("kind", str),
        "state": ("state", str),
        "paragraph": ("paragraphs__id", int),
    }

    def get_queryset(self) -> QuerySet:
        offers = Offer.objects.select_related("provider", "declaration")
        if self.action == "list":
            # What the list shows of the related rows (the declaration's holds its source
            # text); the links' values are read for the whole page at once (LinkedValues).
            offers = offers.only(*OFFER_FIELDS, "provider__code", "declaration__slug")
        else:
            offers = offers.prefetch_related(
                Prefetch("paragraphs", Paragraph.objects.only("pk")),
                "themes",
                Prefetch("open_participants", Participant.objects.only("code")),
            )
        return permissions.scope_offers(offers, self.user)

    def get_object(self) -> Offer:
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        offer = permissions.get_offer_for_user(self.user, int(self.kwargs["pk"]), write=write)
        return self.get_queryset().get(pk=offer.pk)

    @extend_schema(
        parameters=[
            OpenApiParameter("provider", str, description="The provider's code."),
            OpenApiParameter("declaration", str, description="The declaration's slug."),
            OpenApiParameter("kind", str, enum=AssistanceKind.values),
            OpenApiParameter("state", str, enum=Offer.State.values),
            OpenApiParameter("paragraph", int, description="An operative paragraph's id."),
        ],
        responses={200: s.OfferSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.OfferSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    def _form(self, data: dict, offer: Offer | None = None) -> OfferForm:
        _codes_to_pks(data, "open_participants")
        version = offer.version if offer else 0
        form = OfferForm({**data, "version": version}, instance=offer)
        validated(form)
        return form

    @extend_schema(request=s.OfferCreateSerializer,
                   responses={201: s.OfferSerializer, **WRITE_ERRORS})  # fmt: skip
    def create(self, request: Request) -> Response:
        """A draft offer of one of your providers; publish it when it is ready."""
        ids = permissions.provider_ids(self.user)
        if not ids:
            raise PermissionDenied
        data = _plain(body(request))
        code = str(data.get("provider", ""))
        provider = Participant.objects.filter(pk__in=ids, code=code).first() if code else None
        if provider is None and code:
            raise PermissionDenied
        provider = provider or Participant.objects.get(pk=ids[0])
        declaration = Declaration.objects.filter(slug=str(data.get("declaration", ""))).first()
        data["declaration"] = declaration.pk if declaration else None
        form = self._form(data)
        offer = assistance.offer_create(
            provider=provider,
            declaration=form.cleaned_data["declaration"],
            values=form.values(),
            user=self.user,
            **form.relations(),
        )
        return self.answer(self.get_queryset().get(pk=offer.pk), status.HTTP_201_CREATED)

    @extend_schema(
        request=s.OfferEditSerializer,
        parameters=[ETAG],
        responses={200: s.OfferSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        offer = self.get_object()
        self.check_if_match(offer)
        current = {name: getattr(offer, name) for name in OfferForm.PLAIN_FIELDS}
        current |= {
            "paragraphs": [p.pk for p in offer.paragraphs.all()],
            "themes": [t.pk for t in offer.themes.all()],
            "open_regions": offer.region_list,
            "open_participants": [p.code for p in offer.open_participants.all()],
        }
        form = self._form(_edited(current, body(request)), offer)
        assistance.offer_edit(
            offer=offer,
            version=offer.version,
            values=form.values(),
            user=self.user,
            **form.relations(),
        )
        return self.answer(self.get_queryset().get(pk=offer.pk))

    def _move(self, state: str) -> Response:
        offer = self.get_object()
        self.check_if_match(offer)
        assistance.offer_move(offer=offer, state=state, version=offer.version, user=self.user)
        return self.answer(self.get_queryset().get(pk=offer.pk))

    @extend_schema(
        request=None,
        parameters=[ETAG],
        responses={200: s.OfferSerializer, **WRITE_ERRORS},
        description="Publish a draft offer: every signed-in user then sees it.",
    )
    @route(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        return self._move(Offer.State.PUBLISHED)

    @extend_schema(
        request=None,
        parameters=[ETAG],
        responses={200: s.OfferSerializer, **WRITE_ERRORS},
        description="Withdraw an offer for good; its matches stay.",
    )
    @route(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        return self._move(Offer.State.WITHDRAWN)


# --- Matches --------------------------------------------------------------------------------


class MatchViewSet(RecordViewSet):
    """The secretariat's matches of a need with an offer; both sides read theirs
    (`match_filter`)."""

    serializer_class = s.MatchSerializer
    lookup_value_regex = ID
    filters = {
        "state": ("state", str),
        "need": ("need_id", int),
        "offer": ("offer_id", int),
        "participant": ("need__submission__participant__code", str),
        "provider": ("offer__provider__code", str),
    }

    def get_queryset(self) -> QuerySet:
        matches = Match.objects.select_related(
            "need__submission__participant", "need__paragraph", "offer__provider"
        )
        return permissions.scope_matches(matches, self.user)

    def get_object(self) -> Match:
        write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return permissions.get_match_for_user(self.user, int(self.kwargs["pk"]), write=write)

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=Match.State.values),
            OpenApiParameter("need", int),
            OpenApiParameter("offer", int),
            OpenApiParameter("participant", str, description="The need's participant's code."),
            OpenApiParameter("provider", str, description="The offer's provider's code."),
        ],
        responses={200: s.MatchSerializer(many=True), **ERRORS},
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={200: s.MatchSerializer, **ERRORS})
    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=s.MatchCreateSerializer,
                   responses={201: s.MatchSerializer, **WRITE_ERRORS})  # fmt: skip
    def create(self, request: Request) -> Response:
        """The secretariat proposes a match, as from the matching board."""
        if not permissions.may_manage_matches(self.user):
            raise PermissionDenied
        data = body(request)
        need = permissions.get_need_for_user(self.user, _record_id(data, "need"))
        offer = permissions.get_offer_for_user(self.user, _record_id(data, "offer"))
        form = validated(
            MatchProposeForm({"need": need.pk, "offer": offer.pk, "note": data.get("note", "")})
        )
        match = assistance.match_propose(
            need=need, offer=offer, note=form.cleaned_data["note"], user=self.user
        )
        return self.answer(self.get_queryset().get(pk=match.pk), status.HTTP_201_CREATED)

    @extend_schema(
        request=s.MatchMoveSerializer,
        parameters=[ETAG],
        responses={200: s.MatchSerializer, **WRITE_ERRORS},
        description="The secretariat moves a match on: proposed → agreed → delivered, or "
        "declined / cancelled.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        match = self.get_object()
        self.check_if_match(match)
        data = body(request)
        form = validated(
            MatchMoveForm(
                {
                    "state": data.get("state", ""),
                    "note": data.get("note", ""),
                    "version": match.version,
                }  # fmt: skip
            )
        )
        assistance.match_move(
            match=match,
            state=form.cleaned_data["state"],
            version=match.version,
            note=form.cleaned_data["note"],
            user=self.user,
        )
        return self.answer(self.get_queryset().get(pk=match.pk))
