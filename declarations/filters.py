from typing import cast

import django_filters
from django.utils.translation import gettext_lazy as _

from tracking.widgets import CachedSelect

from .models import Paragraph, Theme


class ParagraphFilter(django_filters.FilterSet):
    theme = django_filters.ModelChoiceFilter(
        label=_("Theme"),
        field_name="themes",
        to_field_name="slug",
        queryset=Theme.objects.none(),
        empty_label=_("All themes"),
        # The options are the themes' slugs and names (tracking/widgets.py).
        widget=CachedSelect(depends_on=("slug", "name")),
    )

    class Meta:
        model = Paragraph
        fields: list[str] = []

    def __init__(self, *args, declaration, **kwargs):
        super().__init__(*args, **kwargs)
        theme = cast(django_filters.ModelChoiceFilter, self.filters["theme"])
        theme.queryset = Theme.objects.filter(paragraphs__declaration=declaration).distinct()
