"""Forms of the tracking pages."""

# --- Reports ---------------------------------------------------------------------------------
from django import forms
from django.utils.translation import gettext_lazy as _

from declarations.models import Declaration, Paragraph

from .models import Participant, Report, ReportingCycle
from .permissions import reportable_participant_ids


class ReportRequestForm(forms.Form):
    declaration = forms.ModelChoiceField(
        queryset=Declaration.objects.none(), label=_("Declaration")
    )
    cycle = forms.ModelChoiceField(queryset=ReportingCycle.objects.none(), label=_("Cycle"))
    participants = forms.ModelMultipleChoiceField(
        queryset=Participant.objects.none(),
        required=False,
        label=_("Participants"),
        help_text=_("Leave empty for every participant you may see."),
    )
    paragraphs = forms.ModelMultipleChoiceField(
        queryset=Paragraph.objects.none(),
        required=False,
        label=_("Paragraphs"),
        help_text=_("Leave empty for every operative paragraph."),
    )
    format = forms.ChoiceField(choices=Report.Format.choices, label=_("Format"))
    table = forms.ChoiceField(
        choices=[("", _("Every table, in a ZIP file")), *Report.Table.choices],
        required=False,
        label=_("CSV table"),
        help_text=_("CSV only: one table as a single file."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = reportable_participant_ids(user)
        participants = Participant.objects.order_by("name")
        declarations = Declaration.objects.all()
        if allowed is not None:
            participants = participants.filter(pk__in=allowed)
            declarations = declarations.filter(participants__in=allowed).distinct()
        self.fields["participants"].queryset = participants
        self.fields["declaration"].queryset = declarations
        self.fields["cycle"].queryset = ReportingCycle.objects.filter(
            declaration__in=declarations
        ).select_related("declaration")
        self.fields["paragraphs"].queryset = (
            Paragraph.objects.operative()
            .filter(declaration__in=declarations)
            .select_related("declaration")
            .order_by("declaration", "position")
        )
        self.fields["paragraphs"].label_from_instance = lambda paragraph: (
            _("%(declaration)s, paragraph %(number)s")
            % {"declaration": paragraph.declaration.short_title, "number": paragraph.number}
        )

    def clean(self) -> dict:
        data = super().clean()
        declaration = data.get("declaration")
        if not declaration:
            return data
        if data.get("cycle") and data["cycle"].declaration_id != declaration.pk:
            self.add_error("cycle", _("Choose a cycle of the chosen declaration."))
        if any(p.declaration_id != declaration.pk for p in data.get("paragraphs", [])):
            self.add_error("paragraphs", _("Choose paragraphs of the chosen declaration."))
        joined = set(declaration.participants.values_list("pk", flat=True))
        outside = [p.name for p in data.get("participants", []) if p.pk not in joined]
        if outside:
            self.add_error(
                "participants",
                _("Not a participant of this declaration: %(names)s")
                % {"names": ", ".join(outside)},
            )
        if data.get("format") != Report.Format.CSV:
            data["table"] = ""
        return data


# --- end reports -----------------------------------------------------------------------------
