"""Tables of the tracking lists (django-tables2)."""

# --- Reports ---------------------------------------------------------------------------------
import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Report


class ReportTable(tables.Table):
    number = tables.Column(accessor="pk", verbose_name=_("Report"))
    created_at = tables.DateTimeColumn(verbose_name=_("Requested at"), format="Y-m-d H:i")
    requested_by = tables.Column(verbose_name=_("Requested by"), order_by="requested_by__username")
    declaration = tables.Column(accessor="declaration__short_title", verbose_name=_("Declaration"))
    cycle = tables.Column(accessor="cycle__name", verbose_name=_("Cycle"), default="—")
    scope = tables.TemplateColumn(
        template_name="tracking/_report_scope.html",
        verbose_name=_("Participants"),
        orderable=False,
    )
    format = tables.Column(verbose_name=_("Format"))
    state = tables.TemplateColumn(
        template_name="tracking/_report_state.html", verbose_name=_("State")
    )
    commands = tables.TemplateColumn(
        template_name="tracking/_report_commands.html",
        verbose_name=_("Actions"),
        orderable=False,
    )

    class Meta:
        model = Report
        fields = ()
        sequence = (
            "number", "created_at", "requested_by", "declaration", "cycle", "scope", "format",
            "state", "commands",
        )  # fmt: skip
        template_name = "django_tables2/table.html"
        empty_text = _("No reports yet.")
        attrs = {"class": "table"}

    def render_number(self, value) -> str:
        return f"#{value}"

    def render_requested_by(self, value) -> str:
        return value.get_full_name() or value.get_username()


# --- end reports -----------------------------------------------------------------------------
