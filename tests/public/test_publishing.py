"""The secretariat publishes a cycle, and withdraws it, from the cycle's page, with a
confirmation each time; nobody else may."""

import pytest
from django.urls import reverse

from tests.conftest import new_cycle
from tests.tracking.filings import rate
from tracking.models import Publication, ReportingCycle, Submission


@pytest.fixture
def approved(cycle, tajikistan, tjk_focal):
    return rate(tajikistan, cycle, tjk_focal, 1, "partially", state=Submission.State.APPROVED)


def test_the_secretariat_publishes_a_cycle_after_confirming(client, secretariat, cycle, approved):
    client.force_login(secretariat)
    page = client.get(cycle.get_absolute_url()).text
    assert "Not public" in page
    publish = reverse("tracking:cycle_publish", args=[cycle.pk])
    assert publish in page

    confirmation = client.get(publish)
    assert confirmation.status_code == 200
    assert 'value="CC BY 4.0"' in confirmation.text  # the default licence, to accept or change
    assert Publication.objects.count() == 0  # asking is not publishing

    response = client.post(
        publish, {"licence": "ODC-BY 1.0", "licence_url": "https://opendatacommons.org/by"}
    )

    assert response.status_code == 302
    publication = Publication.objects.get(cycle=cycle)
    assert publication.is_live and publication.published_by == secretariat
    assert publication.licence == "ODC-BY 1.0"
    assert publication.history.get().history_user == secretariat
    page = client.get(cycle.get_absolute_url()).text
    assert "ODC-BY 1.0" in page and "Withdraw from the public view" in page
    assert "its publication" in page  # in the cycle's history, with who did it
    public = client.get(reverse("public:cycle", args=[cycle.declaration.slug, cycle.pk]))
    assert public.status_code == 200 and "ODC-BY 1.0" in public.text


def test_withdrawing_asks_first_and_then_the_public_pages_answer_404(
    client, secretariat, cycle, approved
):
    client.force_login(secretariat)
    client.post(reverse("tracking:cycle_publish", args=[cycle.pk]), {"licence": "CC BY 4.0"})
    public = reverse("public:cycle", args=[cycle.declaration.slug, cycle.pk])
    withdraw = reverse("tracking:cycle_withdraw", args=[cycle.pk])

    confirmation = client.get(withdraw)
    assert "Withdraw from the public view" in confirmation.text
    assert Publication.objects.get().is_live

    client.post(withdraw)

    publication = Publication.objects.get()
    assert not publication.is_live
    assert [h.history_type for h in publication.history.order_by("history_id")] == ["+", "~"]
    assert client.get(public).status_code == 404
    # Published again: back, dated anew.
    client.post(reverse("tracking:cycle_publish", args=[cycle.pk]), {"licence": "CC BY 4.0"})
    assert client.get(public).status_code == 200
    assert Publication.objects.get().published_at > publication.published_at


def test_a_planned_cycle_cannot_be_published(client, secretariat, declaration):
    planned = new_cycle(declaration, 2030, ReportingCycle.State.PLANNED)
    client.force_login(secretariat)

    response = client.post(
        reverse("tracking:cycle_publish", args=[planned.pk]), {"licence": "CC BY 4.0"}, follow=True
    )

    assert "Not published: A planned cycle has nothing to publish" in response.text
    assert not Publication.objects.exists()


def test_a_licence_address_must_be_http_or_https(client, secretariat, cycle):
    client.force_login(secretariat)

    response = client.post(
        reverse("tracking:cycle_publish", args=[cycle.pk]),
        {"licence": "CC BY 4.0", "licence_url": "javascript:alert(1)"},
    )

    assert response.status_code == 200
    assert "Enter a valid URL." in response.text
    assert not Publication.objects.exists()


@pytest.mark.parametrize("user", ["tjk_coordinator", "tjk_focal", "kaz_focal"])
def test_nobody_but_the_secretariat_publishes_or_withdraws(client, request, cycle, user):
    client.force_login(request.getfixturevalue(user))

    for name in ("tracking:cycle_publish", "tracking:cycle_withdraw"):
        assert client.post(reverse(name, args=[cycle.pk]), {"licence": "x"}).status_code == 403
    assert not Publication.objects.exists()


def test_withdrawing_what_is_not_published_says_so(client, secretariat, cycle):
    client.force_login(secretariat)

    response = client.post(reverse("tracking:cycle_withdraw", args=[cycle.pk]), follow=True)

    assert "Not withdrawn: This cycle is not published." in response.text
