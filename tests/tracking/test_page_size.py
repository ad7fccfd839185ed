"""No list shows more than 100 rows a page, whatever `?per_page=` asks."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("user", "name", "query"),
    [
        ("tjk_focal", "tracking:actions", ""),
        ("tjk_focal", "tracking:reports", ""),
        ("tjk_focal", "tracking:reports_fragment", ""),
        ("secretariat", "tracking:cycles", ""),
        ("secretariat", "tracking:completeness", "cycle={cycle}&"),
    ],
)
def test_a_list_caps_the_rows_a_page_asks_for(client, request, cycle, user, name, query):
    client.force_login(request.getfixturevalue(user))
    url = reverse(name) + "?" + query.format(cycle=cycle.pk) + "per_page=3200"

    response = client.get(url)

    assert response.status_code == 200
    assert response.context["table"].paginator.per_page == 100


@pytest.mark.parametrize("asked", ["0", "-5", "many", "40"])
def test_a_small_or_nonsense_page_size_still_shows_a_page(client, tjk_focal, asked):
    client.force_login(tjk_focal)

    response = client.get(reverse("tracking:actions") + f"?per_page={asked}")

    assert response.status_code == 200
    assert 1 <= response.context["table"].paginator.per_page <= 100
