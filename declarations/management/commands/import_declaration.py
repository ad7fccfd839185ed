from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from declarations.importer import DeclarationImportError, import_declaration


class Command(BaseCommand):
    help = "Imports a declaration from a UN document in Markdown, or updates it in place."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The Markdown file (UTF-8).")
        parser.add_argument("--slug", help="The declaration's slug (default: from its title).")

    def handle(self, *args, path: Path, slug: str | None, **options) -> None:
        try:
            # Before reading: a runaway file is refused without loading it into memory.
            size, limit = path.stat().st_size, settings.DECLARATION_MAX_BYTES
            if size > limit:
                raise CommandError(
                    _("%(path)s is %(size)s; the limit is %(limit)s. Nothing was imported.")
                    % {"path": path, "size": filesizeformat(size), "limit": filesizeformat(limit)}
                )
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}
            ) from error
        try:
            result = import_declaration(text, slug=slug)
        except DeclarationImportError as error:
            raise CommandError(f"{path}: {error}") from error
        declaration = result.declaration
        counts = declaration.paragraphs.values_list("kind", flat=True)
        operative = sum(1 for kind in counts if kind == "operative")
        if result.created:
            outcome = _("created")
        else:
            outcome = _("updated") if result.changed else _("unchanged")
        self.stdout.write(
            _(
                "%(title)s (%(slug)s) %(outcome)s: %(operative)d operative and "
                "%(preambular)d preambular paragraphs."
            )
            % {
                "title": declaration.title,
                "slug": declaration.slug,
                "outcome": outcome,
                "operative": operative,
                "preambular": len(counts) - operative,
            }
        )
