"""Forms that ask for a declaration and a cycle start on the current ones."""

import pytest
from django.urls import reverse

from declarations.models import Declaration
from tests.conftest import new_cycle
from tracking.models import Report, ReportingCycle

pytestmark = pytest.mark.django_db

REQUEST = reverse("tracking:report_request")


def _untouched(form) -> dict:
    """What a browser posts for a form nobody changed: each field's initial value."""
    values = {name: form[name].value() for name in form.fields}
    return {name: value for name, value in values.items() if value not in (None, [])}


def test_the_report_request_form_starts_on_the_declaration_and_its_open_cycle(
    client, tjk_focal, declaration, cycle
):
    new_cycle(declaration, 2025, state=ReportingCycle.State.CLOSED)
    new_cycle(declaration, 2027, state=ReportingCycle.State.PLANNED)
    client.force_login(tjk_focal)

    form = client.get(REQUEST).context["form"]

    assert form["declaration"].value() == declaration.pk
    assert form["cycle"].value() == cycle.pk
    assert form["format"].value() == Report.Format.PDF
    assert f'<option value="{cycle.pk}" selected>' in str(form["cycle"])


def test_posting_the_untouched_request_form_builds_a_report_on_the_open_cycle(
    client, tjk_focal, declaration, cycle
):
    new_cycle(declaration, 2025, state=ReportingCycle.State.CLOSED)
    client.force_login(tjk_focal)
    form = client.get(REQUEST).context["form"]

    response = client.post(REQUEST, _untouched(form))

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.declaration, report.cycle, report.format) == (declaration, cycle, "pdf")


def test_without_an_open_cycle_the_request_form_starts_on_the_latest_one(
    client, tjk_focal, declaration
):
    new_cycle(declaration, 2024, state=ReportingCycle.State.CLOSED)
    latest = new_cycle(declaration, 2025, state=ReportingCycle.State.CLOSED)
    client.force_login(tjk_focal)

    form = client.get(REQUEST).context["form"]

    assert (form["declaration"].value(), form["cycle"].value()) == (declaration.pk, latest.pk)


def test_of_several_declarations_the_one_with_an_open_cycle_is_preselected(
    client, secretariat, declaration, cycle
):
    other = Declaration.objects.create(title="Other", short_title="Other", slug="other")
    new_cycle(other, 2025, state=ReportingCycle.State.CLOSED)
    client.force_login(secretariat)

    form = client.get(REQUEST).context["form"]

    assert (form["declaration"].value(), form["cycle"].value()) == (declaration.pk, cycle.pk)


def test_of_several_declarations_with_open_cycles_none_is_guessed(
    client, secretariat, declaration, cycle
):
    other = Declaration.objects.create(title="Other", short_title="Other", slug="other")
    new_cycle(other, 2026)
    client.force_login(secretariat)

    form = client.get(REQUEST).context["form"]

    assert (form["declaration"].value(), form["cycle"].value()) == (None, None)


@pytest.mark.parametrize("url", [reverse("tracking:matrix"), reverse("tracking:completeness")])
def test_the_cycle_chooser_of_the_secretariat_pages_starts_on_the_open_cycle(
    client, secretariat, declaration, cycle, url
):
    # Sorted by start, the planned 2027 cycle would come first in the list.
    new_cycle(declaration, 2027, state=ReportingCycle.State.PLANNED)
    new_cycle(declaration, 2025, state=ReportingCycle.State.CLOSED)
    client.force_login(secretariat)

    response = client.get(url)

    assert response.context["cycle"] == cycle
    assert f'<option value="{cycle.pk}" selected>' in str(response.context["form"]["cycle"])
