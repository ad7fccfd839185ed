import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from tracking.tables import LeanTable

from .models import Declaration


class DeclarationTable(LeanTable):
    caption = _("Declarations whose commitments are tracked")
    title = tables.Column(verbose_name=_("Declaration"), linkify=True)
    symbol = tables.Column(verbose_name=_("UN symbol"), default="—")
    adopted_on = tables.DateColumn(
        verbose_name=_("Adopted on"), format="SHORT_DATE_FORMAT", default="—"
    )
    place = tables.Column(verbose_name=_("Place"), default="—")
    operative_count = tables.Column(verbose_name=_("Operative paragraphs"))

    class Meta:
        model = Declaration
        fields = ("title", "symbol", "adopted_on", "place", "operative_count")
        order_by = "title"
        empty_text = _("No declaration has been imported yet.")
