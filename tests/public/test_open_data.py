"""The open data downloads: a published cycle's approved ratings and actions, with the cycle,
the publication date and the licence."""

import csv
import io
import json

from django.urls import reverse

from tests.public.conftest import file_action
from tracking.models import Publication


def _get(client, published, name):
    url = reverse(name, args=[published.cycle.declaration.slug, published.cycle.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_the_json_holds_the_approved_ratings_and_actions_with_the_licence(client, published):
    response = _get(client, published, "public:data_json")
    data = json.loads(response.content)
    publication = Publication.objects.get(cycle=published.cycle)

    assert response["Content-Type"] == "application/json"
    assert response["Link"] == '<https://example.org/l>; rel="license"'
    assert data["licence"] == {"name": "CC BY 4.0", "url": "https://example.org/l"}
    assert data["published_at"] == publication.published_at.isoformat()
    assert data["cycle"] == {
        "id": published.cycle.pk,
        "name": "2026",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
    }
    assert data["declaration"] == {"slug": "dushanbe", "title": "Dushanbe Declaration"}
    assert [(r["participant_code"], r["paragraph"], r["rating"]) for r in data["ratings"]] == [
        ("TJK", 1, "substantially"),
        ("TJK", 2, "partially"),
    ]
    [action] = data["actions"]
    assert action["title"] == "Financial intelligence unit strengthened"
    assert action["paragraphs"] == [1, 6]
    assert action["participant"] == "Tajikistan"


def test_the_csv_has_a_row_per_rating_and_action_and_neutralises_formulas(
    client, published, tajikistan, tjk_focal
):
    file_action(tajikistan, published.cycle, tjk_focal, state="approved",
                title='=HYPERLINK("http://evil")', numbers=(3,))  # fmt: skip

    response = _get(client, published, "public:data_csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))

    assert response["Content-Disposition"] == 'attachment; filename="dushanbe-2026-data.csv"'
    assert [(r["record"], r["participant_code"], r["paragraphs"]) for r in rows] == [
        ("rating", "TJK", "1"),
        ("rating", "TJK", "2"),
        ("action", "TJK", "3"),
        ("action", "TJK", "1, 6"),
    ]
    assert rows[2]["title"] == '\'=HYPERLINK("http://evil")'
    assert {r["licence"] for r in rows} == {"CC BY 4.0"}
    assert {r["licence_url"] for r in rows} == {"https://example.org/l"}
    assert {r["cycle"] for r in rows} == {"2026"}
    published_at = Publication.objects.get(cycle=published.cycle).published_at.isoformat()
    assert {r["published_at"] for r in rows} == {published_at}
