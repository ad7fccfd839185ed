"""Filters of the tracking lists; their querysets are already scoped to what the user may see."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from declarations.models import Paragraph, Theme

from .forms import ByNameIterator
from .models import Action, Participant, Report, ReportingCycle
from .permissions import participant_ids
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
