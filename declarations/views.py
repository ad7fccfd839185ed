from typing import Any

from django.db.models import Count, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from tracking import fragments
from tracking.idempotency import submit_once
from tracking.permissions import AuthenticatedRequest, require_secretariat
from tracking.tables import configure_table

from .filters import ParagraphFilter
from .forms import DeclarationUploadForm
from .languages import reading
from .models import Declaration, DeclarationImport, Paragraph, ParagraphText
from .services import declaration_import_request
from .tables import DeclarationTable


def declaration_list(request: HttpRequest) -> HttpResponse:
    declarations = Declaration.objects.annotate(
        operative_count=Count("paragraphs", filter=Q(paragraphs__kind=Paragraph.Kind.OPERATIVE))
    )
    table = DeclarationTable(declarations)
    # A handful of declarations: sortable, on one page, without a COUNT query.
    configure_table(request, table, per_page=None)
    return render(request, "declarations/list.html", {"table": table})


def _attach_tags(paragraphs: list[Paragraph]) -> None:
    """Gives each paragraph its `theme_list` and `reference_list`, in two queries:
    prefetch_related would build two querysets per paragraph, most of the page's ORM time."""
    by_pk = {paragraph.pk: paragraph for paragraph in paragraphs}
    for paragraph in paragraphs:
        paragraph.theme_list, paragraph.reference_list = [], []
    if not by_pk:
        return
    themes = Paragraph.themes.through.objects.filter(paragraph__in=list(by_pk))
    for theme in themes.select_related("theme").order_by("theme__kind", "theme__name"):
        by_pk[theme.paragraph_id].theme_list.append(theme.theme)
    references = Paragraph.references.through.objects.filter(paragraph__in=list(by_pk))
    for reference in references.select_related("reference").order_by("reference__name"):
        by_pk[reference.paragraph_id].reference_list.append(reference.reference)


def _texts(versions) -> dict[tuple[str, int], ParagraphText]:
    """The versions' paragraph texts by (language, paragraph), in one query."""
    if not versions:
        return {}
    by_pk = {version.pk: version for version in versions}
    texts = {}
    for text in ParagraphText.objects.filter(version__in=versions):
        text.version = by_pk[text.version_id]
        texts[text.version.language, text.paragraph_id] = text
    return texts


def declaration_detail(request: HttpRequest, slug: str) -> HttpResponse:
    row = (
        Declaration.objects.filter(slug=slug)
        .values_list("pk", "updated_at", *fragments.text_version(OuterRef("pk")))
        .first()
    )
    if row is None:
        raise Http404
    pk, *version = row

    def build() -> dict[str, str]:
        # The page shows neither the declaration's imported source nor its versions'.
        declaration = Declaration.objects.defer("source_text").get(pk=pk)
        return {
            "title": declaration.title,
            "content": render_to_string(
                "declarations/_detail.html", _detail_context(request, declaration), request
            ),
        }

    # The same for every user: kept per query string (language, theme) until the text changes.
    page = fragments.cached(
        f"declaration|{pk}|{request.GET.urlencode()}", "|".join(map(str, version)), build
    )
    return render(request, "declarations/detail.html", page)


def _detail_context(request: HttpRequest, declaration: Declaration) -> dict[str, Any]:
    versions = list(declaration.versions.defer("source_text"))
    languages = reading(request, declaration, versions)
    paragraphs = declaration.paragraphs.order_by("position")
    filterset = ParagraphFilter(
        request.GET,
        queryset=paragraphs.operative().select_related("section"),
        declaration=declaration,
    )
    preamble = list(paragraphs.filter(kind=Paragraph.Kind.PREAMBULAR).select_related("section"))
    operative = list(filterset.qs)
    _attach_tags(operative)
    languages.attach(preamble + operative, _texts(languages.versions))
    return {
        "declaration": declaration,
        "reading": languages,
        "preamble": preamble,
        "filter": filterset,
        "operative": operative,
    }


def paragraph_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    row = (
        Paragraph.objects.operative()
        .filter(declaration__slug=slug, number=number)
        .values_list(
            "pk",
            "declaration_id",
            "declaration__updated_at",
            *fragments.text_version(OuterRef("declaration_id")),
        )
        .first()
    )
    if row is None:
        raise Http404
    pk, declaration_id, *version = row

    def build() -> dict[str, str]:
        paragraph = (
            Paragraph.objects.select_related("declaration", "section")
            .defer("declaration__source_text")
            .get(pk=pk)
        )
        return {
            "title": paragraph.declaration.title,
            "text": render_to_string(
                "declarations/_paragraph.html", _paragraph_context(request, paragraph), request
            ),
        }

    # Its text is the same for every user: kept per language until the text changes. The
    # actions on it are the user's own.
    page = fragments.cached(
        f"paragraph|{pk}|{request.GET.urlencode()}", "|".join(map(str, version)), build
    )
    # What the actions part and the page's title read of the paragraph.
    paragraph = Paragraph(pk=pk, declaration_id=declaration_id, number=number)
    return render(request, "declarations/paragraph.html", {**page, "paragraph": paragraph})


def _paragraph_context(request: HttpRequest, paragraph: Paragraph) -> dict[str, Any]:
    _attach_tags([paragraph])
    # One query gives every version's wording of the paragraph, with the version.
    texts = list(paragraph.texts.select_related("version").defer("version__source_text"))
    languages = reading(request, paragraph.declaration, [text.version for text in texts])
    languages.attach([paragraph], {(text.version.language, paragraph.pk): text for text in texts})
    return {"paragraph": paragraph, "reading": languages}


def import_upload(request: AuthenticatedRequest) -> HttpResponse:
    require_secretariat(request.user)
    form = DeclarationUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            return declaration_import_request(
                text=form.cleaned_data["text"],
                filename=form.cleaned_data["file"].name,
                slug=form.cleaned_data["slug"],
                language=form.cleaned_data["language"],
                version_status=form.cleaned_data["version_status"],
                requested_by=request.user,
            ).get_absolute_url()

        url, _repeated = submit_once(
            token=form.cleaned_data["form_token"], user=request.user, create=create
        )
        return redirect(url)
    return render(request, "declarations/upload.html", {"form": form})


def _job(pk: int) -> DeclarationImport:
    return get_object_or_404(DeclarationImport.objects.select_related("declaration"), pk=pk)


@never_cache
def import_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_secretariat(request.user)
    return render(request, "declarations/import.html", {"job": _job(pk)})


@never_cache
def import_status_fragment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_secretariat(request.user)
    return render(request, "declarations/_import_status.html", {"job": _job(pk)})
