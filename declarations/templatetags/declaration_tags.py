"""A declaration's paragraphs written in Python: the declaration page shows every one of them,
each with its wording (once or twice), themes and references, and through the template engine
that cost most of the page's time. The markup is the one the templates used to write."""

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..languages import Reading
from ..models import Declaration, Theme, WordedText

register = template.Library()


@register.simple_tag
def wording(text: WordedText) -> SafeString:
    """A paragraph's words in one language: the italic lead verb, then its parts."""
    return format_html(
        '<div class="wording" lang="{}" dir="{}">\n'
        '  <p><span class="paragraph__verb">{}</span>{}</p>\n  {}\n</div>',
        text.language,
        text.direction,
        text.verb,
        text.lead_text,
        format_html_join("", "<p>{}</p>", ((part,) for part in text.further_parts)),
    )


def theme_kinds() -> dict[str, str]:
    """The kinds of theme in the active language: get_kind_display() rebuilds them each call."""
    return {kind: str(label) for kind, label in Theme.Kind.choices}


@register.simple_tag
def paragraph_tags(paragraph: Any, declaration: Declaration) -> SafeString:
    """Its themes (each a link to the declaration's paragraphs of that theme) and references
    (the lists the view gave it)."""
    url = reverse("declarations:detail", args=[declaration.slug])
    return _tags(paragraph, url, theme_kinds())


def _tags(paragraph: Any, url: str, kinds: dict[str, str]) -> SafeString:
    themes, references = paragraph.theme_list, paragraph.reference_list
    html = []
    if themes:
        links = format_html_join(
            "",
            '<a class="badge" href="{}?{}" title="{}">{}</a> ',
            (
                (
                    url,
                    urlencode({"theme": theme.slug}),
                    kinds.get(theme.kind, theme.kind),
                    theme.name,
                )
                for theme in themes
            ),
        )
        html.append(format_html('<p><span class="muted">{}</span>\n  {}</p>', _("Themes:"), links))
    if references:
        names = format_html_join("; ", "{}", ((reference.name,) for reference in references))
        html.append(
            format_html('<p><span class="muted">{}</span>\n  {}</p>', _("References:"), names)
        )
    return format_html_join("\n", "{}", ((part,) for part in html))


@register.simple_tag
def preamble_paragraphs(paragraphs: list[Any], reading: Reading) -> SafeString:
    """The preamble's paragraphs (with the texts `Reading.attach` gave them), each in its
    languages."""
    return format_html_join(
        "",
        '\n  <div class="paragraph{}">\n    {}\n    {}\n  </div>\n  ',
        (
            (
                " compare" if reading.compare else "",
                wording(paragraph.shown_text),
                wording(paragraph.compare_text) if reading.compare else "",
            )
            for paragraph in paragraphs
        ),
    )


@register.simple_tag
def operative_paragraphs(
    paragraphs: list[Any], declaration: Declaration, reading: Reading
) -> SafeString:
    """Operative paragraphs of the declaration page (with the texts `Reading.attach` gave
    them), each with its number linking to its own page, its wording (and the compared one
    beside it), its themes and references."""
    url = reverse("declarations:detail", args=[declaration.slug])
    kinds = theme_kinds()  # once a page: building them costs as much as a paragraph
    return format_html_join(
        "",
        '<article class="paragraph">\n  <div class="paragraph__row{}">\n'
        '    <a class="paragraph__number" href="{}{}" aria-label="{}">{}.</a>\n'
        "    {}\n    {}\n  </div>\n  {}\n</article>",
        (
            (
                " compare" if reading.compare else "",
                reverse("declarations:paragraph", args=[declaration.slug, paragraph.number]),
                reading.query,
                _("Paragraph %(number)s") % {"number": paragraph.number},
                paragraph.number,
                wording(paragraph.shown_text),
                wording(paragraph.compare_text) if reading.compare else "",
                _tags(paragraph, url, kinds),
            )
            for paragraph in paragraphs
        ),
    )
