"""The public pages are served from the cache, keyed by publication, version and language:
a cached request makes one query (the publication's lookup) and sets no session cookie, and
any change to what is public shows at once."""

import re

from django.urls import reverse

from tracking import services
from tracking.models import Submission

TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _urls(published) -> list[str]:
    args = [published.cycle.declaration.slug, published.cycle.pk]
    return [
        reverse("public:cycle", args=args),
        reverse("public:participant", args=[*args, "TJK"]),
        reverse("public:data_csv", args=args),
        reverse("public:data_json", args=args),
    ]


def test_a_cached_page_costs_one_query_and_no_session(client, published, django_assert_num_queries):
    for url in _urls(published):
        first = client.get(url)
        # The publication's lookup (with the version of the declaration's public record).
        with django_assert_num_queries(1):
            again = client.get(url)

        assert again.status_code == 200
        # The same bytes, but for the language chooser's CSRF token (masked anew each time).
        assert TOKEN.sub(b"", again.content) == TOKEN.sub(b"", first.content)
        assert "sessionid" not in first.cookies and "sessionid" not in again.cookies


def test_the_index_costs_one_query(client, published, django_assert_num_queries):
    # The live publications, with their cycles and declarations.
    with django_assert_num_queries(1):
        response = client.get(reverse("public:index"))

    assert "2026" in response.text and "2025" in response.text
    assert "2024" not in response.text and "2023" not in response.text


def test_an_approval_shows_at_once(client, published, uzbekistan, tjk_coordinator):
    page = reverse("public:cycle", args=[published.cycle.declaration.slug, published.cycle.pk])
    assert "Uzbekistan" not in client.get(page).text
    submission = Submission.objects.get(participant=uzbekistan, cycle=published.cycle)
    uzbekistan.memberships.create(user=tjk_coordinator, role="coordinator")

    services.submission_approve(
        submission=submission, version=submission.version, user=tjk_coordinator
    )

    assert "Uzbekistan" in client.get(page).text


def test_withdrawing_and_publishing_again_show_at_once(client, published, secretariat):
    cycle = published.cycle
    urls = _urls(published)
    for url in urls:
        assert "CC BY 4.0" in client.get(url).content.decode()

    services.cycle_unpublish(cycle=cycle, user=secretariat)
    for url in urls:
        assert client.get(url).status_code == 404

    services.cycle_publish(cycle=cycle, user=secretariat, licence="ODbL 1.0", licence_url="")
    for url in urls:
        body = client.get(url).content.decode()
        assert "ODbL 1.0" in body and "CC BY 4.0" not in body


def test_the_comparison_follows_the_previous_publication(client, published, secretariat):
    """Withdrawing 2025 changes 2026's comparison: the 2026 pages are not served stale."""
    page = reverse("public:cycle", args=[published.cycle.declaration.slug, published.cycle.pk])
    assert "the previous published cycle" in client.get(page).text

    services.cycle_unpublish(cycle=published.cycles[2025], user=secretariat)

    assert "the previous published cycle" not in client.get(page).text
