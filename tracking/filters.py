"""Filters of the tracking lists."""

# --- Reports ---------------------------------------------------------------------------------
import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Report


class ReportFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=Report.State.choices, label=_("State"))
    format = django_filters.ChoiceFilter(choices=Report.Format.choices, label=_("Format"))

    class Meta:
        model = Report
        fields = ["state", "format"]


# --- end reports -----------------------------------------------------------------------------
