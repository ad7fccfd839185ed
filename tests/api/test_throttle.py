"""A request budget per token: 429 with Retry-After when it is spent."""

from django.urls import reverse

URL = reverse("api:declaration-list")


def test_a_token_that_spends_its_budget_waits(api, settings, tjk_focal, declaration):
    settings.API_THROTTLE_RATE = "2/minute"
    busy, other = api(tjk_focal), api(tjk_focal)

    answers = [busy.get(URL).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    refused = busy.get(URL)
    assert refused["Content-Type"] == "application/problem+json"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["status"] == 429
    # Each token has its own budget, even of the same user.
    assert other.get(URL).status_code == 200


def test_a_browser_session_has_a_budget_of_its_own(client, settings, tjk_focal, declaration):
    settings.API_THROTTLE_RATE = "1/minute"
    client.force_login(tjk_focal)

    assert [client.get(URL).status_code for _ in range(2)] == [200, 429]
