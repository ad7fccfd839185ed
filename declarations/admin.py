from django.contrib import admin

from .models import (
    Declaration,
    DeclarationImport,
    DeclarationVersion,
    Paragraph,
    ParagraphText,
    Reference,
    Section,
    Theme,
)


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    list_display = ("short_title", "title", "symbol", "adopted_on", "place", "updated_at")
    search_fields = ("title", "short_title", "symbol")
    prepopulated_fields = {"slug": ("short_title",)}
    # The language of the paragraphs' text: its versions are in the other languages.
    readonly_fields = ("language", "imported_at", "updated_at")
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "declaration", "order")
    list_filter = ("declaration",)
    list_select_related = ("declaration",)


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind")
    list_filter = ("kind",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Reference)
class ReferenceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Paragraph)
class ParagraphAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "number", "verb", "section", "position")
    list_filter = ("declaration", "kind", "themes")
    list_select_related = ("declaration", "section")
    search_fields = ("text", "verb")
    filter_horizontal = ("themes", "references")
    # The text comes from the imported document; correct it there and re-import.
    readonly_fields = ("declaration", "kind", "number", "text_markdown", "text", "position")


class ParagraphTextInline(admin.TabularInline):
    model = ParagraphText
    extra = 0
    fields = ("paragraph", "verb", "text")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("paragraph__declaration")


@admin.register(DeclarationVersion)
class DeclarationVersionAdmin(admin.ModelAdmin):
    """Versions come from imported files; here they are read, given a status, or deleted
    (before the declaration's own text changes its structure)."""

    list_display = ("declaration", "language", "status", "title", "updated_at")
    list_filter = ("declaration", "language", "status")
    list_select_related = ("declaration",)
    fields = ("declaration", "language", "status", "title", "source_filename", "updated_at")
    readonly_fields = ("declaration", "language", "title", "source_filename", "updated_at")
    inlines = [ParagraphTextInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DeclarationImport)
class DeclarationImportAdmin(admin.ModelAdmin):
    list_display = ("filename", "state", "progress", "requested_by", "declaration", "created_at")
    list_filter = ("state",)
    list_select_related = ("requested_by", "declaration")
    readonly_fields = [f.name for f in DeclarationImport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
