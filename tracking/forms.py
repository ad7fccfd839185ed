"""Forms of the tracking pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ReportingCycle

# --- Lists and dashboards -------------------------------------------------------------------


class CycleForm(forms.Form):
    """Which declaration and reporting cycle the secretariat's pages show (one query)."""

    cycle = forms.TypedChoiceField(
        label=_("Declaration and reporting cycle"), coerce=int, required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cycles = ReportingCycle.objects.select_related("declaration").order_by(
            "declaration__short_title", "-starts_on"
        )
        self.cycles = {cycle.pk: cycle for cycle in cycles}
        self.fields["cycle"].choices = [(pk, str(c)) for pk, c in self.cycles.items()]

    def chosen(self) -> ReportingCycle | None:
        """The cycle asked for, else the first open one, else the first one."""
        if self.is_bound and self.is_valid() and self.cleaned_data["cycle"]:
            return self.cycles[self.cleaned_data["cycle"]]
        open_cycles = [c for c in self.cycles.values() if c.is_open]
        return (open_cycles or list(self.cycles.values()) or [None])[0]


# --- end of lists and dashboards ------------------------------------------------------------
