"""The public view: published cycles' approved records, for anyone, without logging in.

No view here reads the visitor's session or user: each looks up the publication (one query,
`public.get_publication`) and serves the page or download from the cache
(`public.cached`); only a cache miss reads the records, through `permissions.scope_public`.
"""

from collections import defaultdict

from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from .. import permissions, public
from ..models import Publication
from ..public import cached, get_publication
from .records import evidence_file_response


def _page(request: HttpRequest, title: str, html: str) -> HttpResponse:
    """The site's page around a cached fragment (the header carries the language chooser)."""
    return render(request, "public/page.html", {"title": title, "html": html})


@login_not_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The declarations and their published cycles."""
    by_declaration: defaultdict[object, list[Publication]] = defaultdict(list)
    for publication in permissions.live_publications().order_by(
        "cycle__declaration__title", "-cycle__starts_on", "-cycle_id"
    ):
        by_declaration[publication.cycle.declaration].append(publication)
    return render(request, "public/index.html", {"declarations": dict(by_declaration)})


@login_not_required
@require_GET
def cycle(request: HttpRequest, slug: str, cycle_pk: int) -> HttpResponse:
    publication = get_publication(slug, cycle_pk)

    def build() -> str:
        context = {"publication": publication, "cycle": publication.cycle}
        context |= public.matrix(publication)
        return render_to_string("public/cycle.html", context)

    return _page(request, str(publication.cycle), cached(publication, "cycle", build))


@login_not_required
@require_GET
def participant(request: HttpRequest, slug: str, cycle_pk: int, code: str) -> HttpResponse:
    publication = get_publication(slug, cycle_pk)

    def build() -> tuple[str, str]:
        record = public.participant_record(publication, code)
        context = {"publication": publication, "cycle": publication.cycle, **record}
        title = f"{record['participant'].display_name} · {publication.cycle}"
        return title, render_to_string("public/participant.html", context)

    title, html = cached(publication, f"participant|{code}", build)
    return _page(request, title, html)


def _download(publication: Publication, content: bytes, extension: str, content_type: str):
    cycle = publication.cycle
    name = f"{cycle.declaration.slug}-{slugify(cycle.name)}-data.{extension}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    if publication.licence_url:
        response["Link"] = f'<{publication.licence_url}>; rel="license"'
    return response


@login_not_required
@require_GET
def data_csv(request: HttpRequest, slug: str, cycle_pk: int) -> HttpResponse:
    publication = get_publication(slug, cycle_pk)
    content = cached(publication, "csv", lambda: public.open_data_csv(publication))
    return _download(publication, content, "csv", "text/csv; charset=utf-8")


@login_not_required
@require_GET
def data_json(request: HttpRequest, slug: str, cycle_pk: int) -> HttpResponse:
    publication = get_publication(slug, cycle_pk)
    content = cached(publication, "json", lambda: public.open_data_json(publication))
    return _download(publication, content, "json", "application/json")


@login_not_required
@require_GET
def evidence_download(request: HttpRequest, slug: str, cycle_pk: int, pk: int) -> FileResponse:
    """A file marked public, of an approved submission of a published cycle."""
    evidence = permissions.get_public_evidence(get_publication(slug, cycle_pk), pk)
    return evidence_file_response(evidence, None)
