from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from declarations.importer import DeclarationImportError, import_declaration


class Command(BaseCommand):
    help = "Imports a declaration from a UN document in Markdown, or updates it in place."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The Markdown file (UTF-8).")
        parser.add_argument("--slug", help="The declaration's slug (default: from its title).")

    def handle(self, *args, path: Path, slug: str | None, **options) -> None:
        try:
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
