"""What the API shows of each record (read), and what a write accepts (documented here; the
pages' forms validate it, so that both check the same rules)."""

import copy
from collections.abc import Iterable
from typing import Any, ClassVar

from django.db.models import Manager
from django.urls import reverse
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from declarations.models import Declaration, DeclarationVersion, Paragraph, ParagraphText

from ..models import (
    Action,
    Assessment,
    AssistanceKind,
    Evidence,
    Match,
    Need,
    Offer,
    Participant,
    ProgressUpdate,
    Report,
    ReportingCycle,
    Submission,
)
from ..regions import Region


# DRF's, with the fields it derives from the model built once per class and language (their
# labels are translated as they are built) and copied for each use, as DRF copies the declared
# ones: deriving them (the model's fields, their validators and choices) cost more than
# serializing a page of records. (No docstring: the OpenAPI schema would take it as the
# description of every serializer without one of its own.)
class ModelSerializer(serializers.ModelSerializer):
    built: ClassVar[dict[tuple[type, str], dict[str, serializers.Field]]] = {}

    def get_fields(self) -> dict[str, serializers.Field]:
        key = (type(self), get_language())
        if key not in self.built:
            self.built[key] = super().get_fields()
        return copy.deepcopy(self.built[key])


# --- Many-to-many relations ------------------------------------------------------------------


class LinkedValues(serializers.ManyRelatedField):
    """A many-to-many relation as the list of its records' ids (or slugs: the child relation
    says which), in the related model's order. A list's page reads them for all its records
    with one query of values (`LinkingListSerializer`): a prefetch would build a record and a
    related manager per link, which cost more than the rest of the list. A record serialized
    alone reads its relation as before (prefetched, or one query)."""

    def __init__(self, child_relation: serializers.RelatedField, **kwargs: Any) -> None:
        super().__init__(child_relation=child_relation, read_only=True, **kwargs)
        self.loaded: dict[Any, list] = {}

    def load(self, records: list) -> None:
        """Reads the relation's values for these records (of the serializer's model)."""
        serializer: Any = self.parent
        relation = serializer.Meta.model._meta.get_field(self.source)
        back = relation.related_query_name()
        value = getattr(self.child_relation, "slug_field", "pk")
        self.loaded = {record.pk: [] for record in records}
        rows = relation.related_model._default_manager.filter(**{f"{back}__in": self.loaded})
        for owner, linked in rows.values_list(back, value):
            self.loaded[owner].append(linked)

    def get_attribute(self, instance: Any) -> list:
        if instance.pk in self.loaded:
            return self.loaded[instance.pk]
        related = super().get_attribute(instance) or []
        return [self.child_relation.to_representation(record) for record in related]

    def to_representation(self, iterable: Iterable[Any]) -> list:
        return list(iterable)


class LinkingListSerializer(serializers.ListSerializer):
    """A list whose records' `LinkedValues` are read for the whole list at once."""

    def to_representation(self, data: Any) -> list:
        records = list(data.all() if isinstance(data, Manager) else data)
        child: Any = self.child
        for field in child.fields.values():
            if isinstance(field, LinkedValues):
                field.load(records)
        return super().to_representation(records)


# --- Declarations -----------------------------------------------------------------------------


class ParagraphSerializer(ModelSerializer):
    section = serializers.CharField(source="section.number", allow_null=True, default=None)

    class Meta:
        model = Paragraph
        fields = ["id", "kind", "number", "verb", "text", "text_markdown", "position", "section"]


class ParagraphTextSerializer(ModelSerializer):
    class Meta:
        model = ParagraphText
        fields = ["paragraph", "verb", "text", "text_markdown"]


class DeclarationVersionSerializer(ModelSerializer):
    paragraphs = ParagraphTextSerializer(source="texts", many=True)

    class Meta:
        model = DeclarationVersion
        fields = ["language", "status", "title", "paragraphs"]


class DeclarationSerializer(ModelSerializer):
    class Meta:
        model = Declaration
        fields = [
            "slug", "title", "short_title", "symbol", "adopted_on", "place",
            "original_language", "language",
        ]  # fmt: skip


class SectionSerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()


class DeclarationDetailSerializer(DeclarationSerializer):
    sections = SectionSerializer(many=True)
    paragraphs = ParagraphSerializer(many=True)
    versions = DeclarationVersionSerializer(many=True)

    class Meta(DeclarationSerializer.Meta):
        fields = [*DeclarationSerializer.Meta.fields, "sections", "paragraphs", "versions"]


# --- Participants, cycles, submissions -------------------------------------------------------


class ParticipantSerializer(ModelSerializer):
    declarations = LinkedValues(serializers.SlugRelatedField(slug_field="slug", read_only=True))

    class Meta:
        model = Participant
        fields = ["code", "name", "kind", "declarations"]
        list_serializer_class = LinkingListSerializer


class CycleSerializer(ModelSerializer):
    declaration: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = ReportingCycle
        fields = ["id", "declaration", "name", "starts_on", "ends_on", "due_on", "state"]


class SubmissionSerializer(ModelSerializer):
    participant: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Submission
        fields = [
            "id", "participant", "cycle", "state", "submitted_at", "reviewed_at",
            "review_comment", "version",
        ]  # fmt: skip


class ReviewSerializer(serializers.Serializer):
    """A coordinator's decision on a submitted submission (documents the request body)."""

    decision = serializers.ChoiceField(choices=["approve", "return"])
    comment = serializers.CharField(required=False, allow_blank=True)


# --- Filed records ----------------------------------------------------------------------------


class ActionSerializer(ModelSerializer):
    participant: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    declaration: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    cycle = serializers.IntegerField(source="submission.cycle_id", read_only=True)
    paragraphs = LinkedValues(serializers.PrimaryKeyRelatedField(read_only=True))

    class Meta:
        model = Action
        fields = [
            "id", "participant", "declaration", "submission", "cycle", "carried_from",
            "paragraphs", "paragraph_numbers", "title", "description", "lead_institution",
            "partners", "start_date", "end_date", "status", "progress", "created_at",
            "updated_at", "version",
        ]  # fmt: skip
        list_serializer_class = LinkingListSerializer


class ActionEditSerializer(ModelSerializer):
    """An action's fields, for a change (PATCH: only those sent change)."""

    paragraphs = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of operative paragraphs: at least one."
    )

    class Meta:
        model = Action
        fields = [
            "paragraphs", "title", "description", "lead_institution", "partners",
            "start_date", "end_date", "status", "progress",
        ]  # fmt: skip


class ActionCreateSerializer(ActionEditSerializer):
    participant = serializers.CharField(help_text="The code of a participant you file for.")

    class Meta(ActionEditSerializer.Meta):
        fields = ["participant", *ActionEditSerializer.Meta.fields]


class UpdateSerializer(ModelSerializer):
    class Meta:
        model = ProgressUpdate
        fields = [
            "id", "action", "submission", "date", "narrative", "status", "progress",
            "created_at", "version",
        ]  # fmt: skip


class UpdateCreateSerializer(ModelSerializer):
    action = serializers.IntegerField()

    class Meta:
        model = ProgressUpdate
        fields = ["action", "date", "narrative", "status", "progress"]


class EvidenceSerializer(ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id", "action", "update", "submission", "title", "date", "url", "original_name",
            "content_type", "size", "sha256", "visibility", "created_at", "download",
        ]  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download(self, evidence: Evidence) -> str | None:
        if not evidence.file:
            return None
        return reverse("api:evidence-download", args=[evidence.pk])


class EvidenceCreateSerializer(serializers.Serializer):
    action = serializers.IntegerField()
    title = serializers.CharField(max_length=300)
    date = serializers.DateField(required=False, allow_null=True)
    file = serializers.FileField(required=False, help_text="A file, or else `url`.")
    url = serializers.URLField(required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Evidence.Visibility.choices, required=False)
    # The form's name for it. DRF takes declared fields off the class, so the serializer's
    # `update` method is not shadowed at run time; only the type checker sees a clash.
    update = serializers.IntegerField(  # type: ignore[assignment]
        required=False, allow_null=True, help_text="One of the action's updates (optional)."
    )


class AssessmentSerializer(ModelSerializer):
    participant = serializers.CharField(source="submission.participant.code", read_only=True)
    cycle = serializers.IntegerField(source="submission.cycle_id", read_only=True)
    number = serializers.IntegerField(source="paragraph.number", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id", "submission", "participant", "cycle", "paragraph", "number", "rating",
            "justification", "updated_at", "version",
        ]  # fmt: skip


class AssessmentEditSerializer(ModelSerializer):
    class Meta:
        model = Assessment
        fields = ["rating", "justification"]


class AssessmentCreateSerializer(AssessmentEditSerializer):
    participant = serializers.CharField()
    cycle = serializers.IntegerField()
    number = serializers.IntegerField(help_text="The operative paragraph's number.")

    class Meta(AssessmentEditSerializer.Meta):
        fields = ["participant", "cycle", "number", "rating", "justification"]


# --- Reports ----------------------------------------------------------------------------------


class ReportSerializer(ModelSerializer):
    declaration: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    participants = LinkedValues(serializers.SlugRelatedField(slug_field="code", read_only=True))
    paragraphs = LinkedValues(serializers.PrimaryKeyRelatedField(read_only=True))
    download = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id", "declaration", "cycle", "participants", "paragraphs", "format", "table",
            "language", "state", "progress", "error", "created_at", "finished_at",
            "expires_at", "download",
        ]  # fmt: skip
        list_serializer_class = LinkingListSerializer

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download(self, report: Report) -> str | None:
        if not report.is_ready:
            return None
        return reverse("api:report-download", args=[report.pk])


class ReportRequestSerializer(serializers.Serializer):
    declaration = serializers.CharField(help_text="The declaration's slug.")
    cycle = serializers.IntegerField()
    participants = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Codes; empty: all you may see."
    )
    paragraphs = serializers.ListField(child=serializers.IntegerField(), required=False)
    format = serializers.ChoiceField(choices=Report.Format.choices)
    table = serializers.ChoiceField(choices=Report.Table.choices, required=False)
    language = serializers.CharField(required=False)


# --- Technical assistance ---------------------------------------------------------------------


class NeedSerializer(ModelSerializer):
    participant = serializers.CharField(source="submission.participant.code", read_only=True)
    cycle = serializers.IntegerField(source="submission.cycle_id", read_only=True)
    number = serializers.IntegerField(source="paragraph.number", read_only=True)

    class Meta:
        model = Need
        fields = [
            "id", "submission", "participant", "cycle", "paragraph", "number", "kind",
            "priority", "shareable", "description", "created_at", "updated_at", "version",
        ]  # fmt: skip


class NeedEditSerializer(ModelSerializer):
    """A need's fields, for a change (PATCH: only those sent change)."""

    class Meta:
        model = Need
        fields = ["paragraph", "kind", "priority", "description", "shareable"]


class NeedCreateSerializer(NeedEditSerializer):
    participant = serializers.CharField(help_text="The code of a participant you file for.")
    cycle = serializers.IntegerField(help_text="The open reporting cycle's id.")

    class Meta(NeedEditSerializer.Meta):
        fields = ["participant", "cycle", *NeedEditSerializer.Meta.fields]


class OfferSerializer(ModelSerializer):
    provider: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    declaration: serializers.RelatedField = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    paragraphs = LinkedValues(serializers.PrimaryKeyRelatedField(read_only=True))
    themes = LinkedValues(serializers.PrimaryKeyRelatedField(read_only=True))
    open_regions = serializers.ListField(
        source="region_list", child=serializers.CharField(), read_only=True
    )
    open_participants = LinkedValues(
        serializers.SlugRelatedField(slug_field="code", read_only=True)
    )

    class Meta:
        model = Offer
        fields = [
            "id", "provider", "declaration", "title", "description", "kind", "paragraphs",
            "themes", "open_regions", "open_participants", "contact_name", "contact_email",
            "state", "created_at", "updated_at", "version",
        ]  # fmt: skip
        list_serializer_class = LinkingListSerializer


class OfferEditSerializer(serializers.Serializer):
    """An offer's fields, for a change (PATCH: only those sent change)."""

    title = serializers.CharField(max_length=300)
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=AssistanceKind.choices)
    paragraphs = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Operative paragraphs' ids."
    )
    themes = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Themes' ids; at least one paragraph or one theme.",
    )
    open_regions = serializers.ListField(
        child=serializers.ChoiceField(choices=Region.choices), required=False
    )
    open_participants = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Participants' codes; with no region either, the offer is open to everyone.",
    )
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField()


class OfferCreateSerializer(OfferEditSerializer):
    provider = serializers.CharField(
        required=False, help_text="The code of a provider you offer for (default: your first)."
    )
    declaration = serializers.CharField(help_text="The declaration's slug.")


class MatchSerializer(ModelSerializer):
    participant = serializers.CharField(source="need.submission.participant.code", read_only=True)
    provider = serializers.CharField(source="offer.provider.code", read_only=True)
    number = serializers.IntegerField(source="need.paragraph.number", read_only=True)

    class Meta:
        model = Match
        fields = [
            "id", "need", "offer", "participant", "provider", "number", "state", "note",
            "created_at", "updated_at", "version",
        ]  # fmt: skip


class MatchCreateSerializer(serializers.Serializer):
    need = serializers.IntegerField(help_text="A shareable need of an approved submission.")
    offer = serializers.IntegerField(help_text="A published offer that fits the need.")
    note = serializers.CharField(required=False, allow_blank=True)


class MatchMoveSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Match.State.choices)
    note = serializers.CharField(
        required=False, allow_blank=True, help_text="Replaces the match's note when given."
    )
