"""Anonymously, everything reachable from /public/ shows published, approved records only."""

import re
from urllib.parse import urljoin, urlparse

from django.urls import reverse

from tests.public.conftest import HIDDEN

HREF = re.compile(r'href="([^"]+)"')


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def crawl(client, start: str) -> dict[str, bytes]:
    """Every /public/ page and download reachable by links from `start`: path → body."""
    seen: dict[str, bytes] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        seen[path] = _body(response)
        if response.get("Content-Type", "").startswith("text/html"):
            for href in HREF.findall(seen[path].decode()):
                target = urlparse(urljoin(path, href.replace("&amp;", "&")))
                if not target.netloc and target.path.startswith("/public/"):
                    queue.append(target.path)
    return seen


def test_nothing_unpublished_unapproved_or_private_appears_anywhere(client, published):
    pages = crawl(client, reverse("public:index"))

    everything = b"\n".join(pages.values()).decode("utf-8", errors="replace")
    for name, marker in HIDDEN.items():
        assert marker not in everything, name
    # The crawl did reach the published record: pages, downloads and the public evidence.
    slug, cycle = published.cycle.declaration.slug, published.cycle.pk
    assert reverse("public:data_csv", args=[slug, cycle]) in pages
    assert reverse("public:data_json", args=[slug, cycle]) in pages
    assert reverse("public:participant", args=[slug, cycle, "TJK"]) in pages
    download = reverse("public:evidence_download", args=[slug, cycle, published.public_file.pk])
    assert pages[download].startswith(b"%PDF")
    for shown in ("Financial intelligence unit strengthened", "Press release", "Annual report"):
        assert shown in everything
    # Only Tajikistan was approved: no page for the others.
    assert not any("/participants/KAZ/" in path or "/participants/UZB/" in path for path in pages)


def test_the_hidden_records_answer_404_when_asked_for_directly(client, published):
    slug, cycle = published.cycle.declaration.slug, published.cycle
    urls = [
        reverse("public:participant", args=[slug, cycle.pk, "KAZ"]),
        reverse("public:participant", args=[slug, cycle.pk, "UZB"]),
        reverse("public:evidence_download", args=[slug, cycle.pk, published.hidden_file.pk]),
        *(
            reverse(name, args=[slug, published.cycles[year].pk])
            for name in ("public:cycle", "public:data_csv", "public:data_json")
            for year in (2023, 2024)
        ),
        reverse("public:participant", args=[slug, published.cycles[2024].pk, "TJK"]),
        # Evidence of the published cycle, asked for through another cycle's address.
        reverse(
            "public:evidence_download",
            args=[slug, published.cycles[2025].pk, published.public_file.pk],
        ),
    ]

    for url in urls:
        assert client.get(url).status_code == 404, url


def test_every_page_links_to_the_public_view(client, tjk_focal):
    link = f'href="{reverse("public:index")}"'

    assert link in client.get(reverse("login")).text
    client.force_login(tjk_focal)
    assert link in client.get(reverse("home")).text
