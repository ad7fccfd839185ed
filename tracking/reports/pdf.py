"""PDF reports with ReportLab: one participant in detail, or several consolidated."""

from pathlib import Path

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4, landscape

from . import consolidated, participant
from .data import ReportData
from .document import ReportDocument, cycle_line, declaration_title, localize, text

__all__ = ["build", "localize", "text"]


def build(data: ReportData, path: Path, progress_callback=None) -> dict[str, int]:
    single = data.single_participant
    if single:
        counts = data.counts(data.tables())
        kind = _("Status report: %(name)s") % {"name": single.display_name}
    else:
        # What the consolidated report holds: counting every table's rows would read the
        # whole data set for figures that it does not print.
        counts = {"participants": len(data.participants), "paragraphs": len(data.paragraphs)}
        kind = _("Consolidated status report")
    title = declaration_title(data.declaration)
    doc = ReportDocument(
        path,
        pagesize=A4 if single else landscape(A4),
        running_header=" · ".join([title, kind, cycle_line(data.cycle)]),
        title=f"{title}: {kind}",
        author=data.user.get_username(),
    )
    if single:
        doc.build(participant.story(data, single, counts, progress_callback, doc.width))
    else:
        doc.build(consolidated.story(data, progress_callback, doc.width))
    return counts
