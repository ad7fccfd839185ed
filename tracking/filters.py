"""Filters of the tracking lists; their querysets are already scoped to what the user may see."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from declarations.models import Paragraph, Theme

from .forms import ByNameIterator
from .models import (
    Action,
    AssistanceKind,
    Match,
    Need,
    Offer,
    Participant,
    Report,
    ReportingCycle,
    User,
)
from .permissions import participant_ids
from .regions import Region
from .widgets import CachedSelect, Select

DATE = forms.DateInput(attrs={"type": "date"})


def _participants(request) -> QuerySet:
    if request is None:
        return Participant.objects.none()
    if request.user.is_secretariat:
        return Participant.objects.all()
    return Participant.objects.filter(pk__in=participant_ids(request.user))


class _ByName(ByNameIterator, django_filters.fields.ModelChoiceIterator):
    pass


class _ParticipantField(django_filters.fields.ModelChoiceField):
    iterator = _ByName


class ParticipantFilter(django_filters.ModelChoiceFilter):
    """Offers the participants in the order of their names in the page's language."""

    field_class = _ParticipantField


class ActionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Words in the title, description or lead institution"),
    )
    participant = ParticipantFilter(
        label=_("Participant"),
        # django-filter also takes a function of the request; its stubs say only a queryset.
        queryset=_participants,  # type: ignore[arg-type]
        empty_label=_("All"),
        widget=CachedSelect(depends_on=("code", "name", "kind")),
    )
    cycle = django_filters.ModelChoiceFilter(
        label=_("Reporting cycle"),
        field_name="submission__cycle",
        queryset=ReportingCycle.objects.exclude(state=ReportingCycle.State.PLANNED)
        .select_related("declaration")
        .only("name", "declaration__short_title"),
        empty_label=_("All"),
        widget=CachedSelect(depends_on=("name", "declaration__short_title")),
    )
    paragraph = django_filters.ModelChoiceFilter(
        label=_("Operative paragraph"),
        field_name="paragraphs",
        # Only what the option labels show ("Dushanbe OP4"), not each declaration's source text.
        queryset=Paragraph.objects.operative()
        .select_related("declaration")
        .only("number", "verb", "declaration__short_title"),
        empty_label=_("All"),
        widget=CachedSelect(depends_on=("number", "verb", "declaration__short_title")),
    )
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"),
        queryset=Theme.objects.all(),
        method="by_theme",
        empty_label=_("All"),
        widget=CachedSelect(depends_on=("name",)),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Action.Status.choices, empty_label=_("All"), widget=Select
    )
    starts_from = django_filters.DateFilter(
        label=_("Starts on or after"), field_name="start_date", lookup_expr="gte", widget=DATE
    )
    ends_by = django_filters.DateFilter(
        label=_("Ends on or before"), field_name="end_date", lookup_expr="lte", widget=DATE
    )

    class Meta:
        model = Action
        fields: list[str] = []

    @staticmethod
    def options_key(user: User) -> tuple:
        """What the querysets of the options depend on (`_participants` of the user's request),
        for `read_rows`."""
        return ("actions", True) if user.is_secretariat else ("actions", *participant_ids(user))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(lead_institution__icontains=word)
            )
        return queryset

    def by_theme(self, queryset: QuerySet, name: str, value: Theme) -> QuerySet:
        # A subquery, not a join: an action with two paragraphs of one theme stays one row.
        through = Action.paragraphs.through.objects.filter(paragraph__themes=value)
        return queryset.filter(pk__in=through.values("action_id"))


class ReportFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Report.State.choices, label=_("State"))
    format = django_filters.ChoiceFilter(choices=Report.Format.choices, label=_("Format"))

    class Meta:
        model = Report
        fields = ["state", "format"]


# What an operative paragraph's option label shows: its options are kept until one changes.
PARAGRAPH_LABEL = ("number", "verb", "declaration__short_title")


def _operative_paragraphs() -> QuerySet:
    # Only what the option labels show ("Dushanbe OP4"), not each declaration's source text.
    return (
        Paragraph.objects.operative()
        .select_related("declaration")
        .only("number", "verb", "declaration__short_title")
    )


class NeedFilter(django_filters.FilterSet):
    """The matching board's filters."""

    paragraph = django_filters.ModelChoiceFilter(
        label=_("Operative paragraph"), queryset=_operative_paragraphs(), empty_label=_("All"),
        widget=CachedSelect(depends_on=PARAGRAPH_LABEL),
    )  # fmt: skip
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"), field_name="paragraph__themes", queryset=Theme.objects.all(),
        empty_label=_("All"), widget=CachedSelect(depends_on=("name",)), distinct=True,
    )  # fmt: skip
    kind = django_filters.ChoiceFilter(
        label=_("Kind of assistance"), choices=AssistanceKind.choices, empty_label=_("All"),
        widget=Select,
    )  # fmt: skip
    region = django_filters.ChoiceFilter(
        label=_("Region"), field_name="submission__participant__region", choices=Region.choices,
        empty_label=_("All"), widget=Select,
    )  # fmt: skip
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=Need.Priority.choices, empty_label=_("All"), widget=Select
    )
    match_state = django_filters.ChoiceFilter(
        label=_("Match state"),
        choices=[("none", _("Not matched yet")), *Match.State.choices],
        empty_label=_("All"),
        method="by_match_state",
        widget=Select,
    )

    class Meta:
        model = Need
        fields: list[str] = []

    def by_match_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A subquery, not a join: a need with two matches in one state stays one row.
        if value == "none":
            return queryset.exclude(pk__in=Match.objects.values("need_id"))
        return queryset.filter(pk__in=Match.objects.filter(state=value).values("need_id"))


class OfferFilter(django_filters.FilterSet):
    paragraph = django_filters.ModelChoiceFilter(
        label=_("Operative paragraph"), queryset=_operative_paragraphs(), empty_label=_("All"),
        method="by_paragraph", widget=CachedSelect(depends_on=PARAGRAPH_LABEL),
    )  # fmt: skip
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"), queryset=Theme.objects.all(), empty_label=_("All"),
        method="by_theme", widget=CachedSelect(depends_on=("name",)),
    )  # fmt: skip
    kind = django_filters.ChoiceFilter(
        label=_("Kind of assistance"), choices=AssistanceKind.choices, empty_label=_("All"),
        widget=Select,
    )  # fmt: skip
    region = django_filters.ChoiceFilter(
        label=_("Open to region"), choices=Region.choices, empty_label=_("All"),
        method="by_region", widget=Select,
    )  # fmt: skip
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=Offer.State.choices, empty_label=_("All"), widget=Select
    )

    class Meta:
        model = Offer
        fields: list[str] = []

    def by_paragraph(self, queryset: QuerySet, name: str, value: Paragraph) -> QuerySet:
        """Offers on the paragraph, or on one of its themes: those that may fit its needs."""
        on_paragraph = Offer.paragraphs.through.objects.filter(paragraph=value)
        on_theme = Offer.themes.through.objects.filter(theme__paragraphs=value)
        return queryset.filter(
            Q(pk__in=on_paragraph.values("offer_id")) | Q(pk__in=on_theme.values("offer_id"))
        )

    def by_theme(self, queryset: QuerySet, name: str, value: Theme) -> QuerySet:
        on_theme = Offer.themes.through.objects.filter(theme=value)
        on_paragraph = Offer.paragraphs.through.objects.filter(paragraph__themes=value)
        return queryset.filter(
            Q(pk__in=on_theme.values("offer_id")) | Q(pk__in=on_paragraph.values("offer_id"))
        )

    def by_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Offers open to the region: named in it, or open to everyone."""
        everyone = Q(open_regions="") & ~Q(
            pk__in=Offer.open_participants.through.objects.values("offer_id")
        )
        return queryset.filter(Q(open_regions__contains=value) | everyone)


class MatchFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("State"), choices=Match.State.choices, empty_label=_("All"), widget=Select
    )
    paragraph = django_filters.ModelChoiceFilter(
        label=_("Operative paragraph"), field_name="need__paragraph",
        queryset=_operative_paragraphs(), empty_label=_("All"),
        widget=CachedSelect(depends_on=PARAGRAPH_LABEL),
    )  # fmt: skip

    class Meta:
        model = Match
        fields: list[str] = []
