from datetime import date

from django import template
from django.template.defaultfilters import date as format_date
from django.urls import reverse
from django.utils.http import urlencode

# Django's own helper for the template engine; django-stubs leaves it out.
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from django.utils.translation import gettext as _

from declarations.models import Paragraph

from .. import dashboards, languages, permissions
from ..models import Participant

register = template.Library()


# Every page shows dates one way per language: the format is named, the language's formats
# module (settings.FORMAT_MODULE_PATH, then Django's) says what it is.
@register.filter
def day(value: date | None) -> str:
    """A date, or a datetime's date in the site's time zone: '2026-03-01' in English,
    '01/03/2026' in French (SHORT_DATE_FORMAT)."""
    if value in (None, ""):
        return ""
    return format_date(template_localtime(value), "SHORT_DATE_FORMAT")


@register.filter
def moment(value: date | None) -> str:
    """A datetime in the site's time zone, to the minute: '2026-03-01 17:55' in English
    (SHORT_DATETIME_FORMAT)."""
    if value in (None, ""):
        return ""
    return format_date(template_localtime(value), "SHORT_DATETIME_FORMAT")


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
