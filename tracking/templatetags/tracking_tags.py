from datetime import date, datetime

from django import template
from django.template.defaultfilters import date as format_date
from django.urls import reverse
from django.utils.dateformat import re_formatchars
from django.utils.formats import get_format
from django.utils.http import urlencode

# Django's own helper for the template engine; django-stubs leaves it out.
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import gettext as _

from declarations.models import Paragraph

from .. import dashboards, fragments, languages, permissions
from ..models import Participant
from ..renderers import field_html

register = template.Library()


# Every page shows dates one way per language: the format is named, the language's formats
# module (settings.FORMAT_MODULE_PATH, then Django's) says what it is.
@register.filter
def day(value: date | None) -> str:
    """A date, or a datetime's date in the site's time zone: '2026-03-01' in English,
    '01/03/2026' in French (SHORT_DATE_FORMAT)."""
    return _formatted(value, "SHORT_DATE_FORMAT")


@register.filter
def moment(value: date | None) -> str:
    """A datetime in the site's time zone, to the minute: '2026-03-01 17:55' in English
    (SHORT_DATETIME_FORMAT)."""
    return _formatted(value, "SHORT_DATETIME_FORMAT")


def _formatted(value: date | None, name: str) -> str:
    """Django's `date` filter with the named format, in a fraction of its time: a list shows
    hundreds of dates, and Django parses the format anew for each."""
    if value in (None, ""):
        return ""
    if isinstance(value, date):
        value = template_localtime(value)
        template, has_time = _as_template(get_format(name))
        if template is not None and (isinstance(value, datetime) or not has_time):
            return template.format(value)
    return format_date(value, name)


# Django's format characters that the six languages' short formats use, as `str.format` fields
# that write them as Django does ("%04d" for Y, the bare number for j).
_FIELDS = {
    "Y": "{0.year:04d}", "m": "{0.month:02d}", "n": "{0.month}", "d": "{0.day:02d}",
    "j": "{0.day}", "H": "{0.hour:02d}", "i": "{0.minute:02d}",
}  # fmt: skip
_TIME_FIELDS = frozenset("Hi")
_templates: dict[str, tuple[str | None, bool]] = {}


def _as_template(format: str) -> tuple[str | None, bool]:
    """The format as a `str.format` template (None if it uses a character or an escape that
    `_FIELDS` does not write: Django formats it then), and whether it shows a time."""
    if format not in _templates:
        parts = []
        for char in format:
            if char in _FIELDS:
                parts.append(_FIELDS[char])
            elif char == "\\" or re_formatchars.fullmatch(char):
                _templates[format] = (None, False)
                break
            else:
                parts.append(char.replace("{", "{{").replace("}", "}}"))
        else:
            _templates[format] = ("".join(parts), not _TIME_FIELDS.isdisjoint(format))
    return _templates[format]


# The report commands a user is offered: the rules of permissions, not repeated in templates.
@register.filter
def downloadable_by(report, user) -> bool:
    return permissions.may_download_report(user, report)


@register.filter
def manageable_by(report, user) -> bool:
    return permissions.may_manage_report(user, report)


@register.inclusion_tag("tracking/_paragraph_actions.html", takes_context=True)
def paragraph_actions(context: template.Context, paragraph: Paragraph) -> dict:
    """A summary of the actions and ratings on a paragraph that the user may see, links into
    the actions list, and a link to add one if they may file."""
    user = context["request"].user
    if fragments.caches_for(user):
        summary = fragments.cached(
            f"paragraph-actions|{paragraph.pk}",
            fragments.declaration_version(paragraph.declaration_id),
            lambda: dashboards.paragraph_summary(user, paragraph),
        )
    else:
        summary = dashboards.paragraph_summary(user, paragraph)
    actions_url = reverse("tracking:actions")
    query = {"paragraph": paragraph.pk, "cycle": summary.cycle_id or ""}
    participants = [
        (participant, count, f"{actions_url}?{urlencode({**query, 'participant': participant.pk})}")
        for participant, count in summary.participants
    ]
    may_file = Participant.objects.filter(
        pk__in=permissions.participant_ids(user, permissions.FILING_ROLES),
        declarations=paragraph.declaration_id,
    ).exists()
    return {
        "paragraph": paragraph,
        "summary": summary,
        "participants": participants,
        "actions_url": f"{actions_url}?{urlencode(query)}",
        "may_file": may_file,
    }


@register.simple_tag
def user_roles(user) -> list[str]:
    """What the page header says the user is: 'Focal point · Tajikistan', 'Secretariat'."""
    roles = [str(_("Secretariat"))] if getattr(user, "is_secretariat", False) else []
    roles += [
        f"{membership.get_role_display()} · {membership.participant.display_name}"
        for membership in permissions.memberships(user)
    ]
    if not roles and getattr(user, "is_superuser", False):
        roles.append(str(_("Administrator")))
    return roles


@register.simple_tag
def language_choices() -> list[tuple[str, str]]:
    """The languages of the chooser, each by its own name."""
    return languages.choices()


@register.filter
def uses_assistance_board(user) -> bool:
    """Whether the header links to the matching board: the secretariat's and providers'."""
    return permissions.may_use_assistance_board(user)


@register.simple_tag
def form_field(field) -> str:
    """includes/_field.html, written in Python (`renderers.field_html`)."""
    return field_html(field)
