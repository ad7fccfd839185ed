from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from declarations.importer import DeclarationImportError, import_declaration, import_version
from declarations.models import DeclarationVersion, Language


class Command(BaseCommand):
    help = (
        "Imports a declaration from a UN document in Markdown, or updates it in place; with "
        "--language, a language version of an existing declaration."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The Markdown file (UTF-8).")
        parser.add_argument("--slug", help="The declaration's slug (default: from its title).")
        parser.add_argument(
            "--language",
            choices=Language.values,
            help="Import the file as the declaration's version in this language (needs --slug).",
        )
        status = parser.add_mutually_exclusive_group()
        status.add_argument(
            "--official",
            dest="status",
            action="store_const",
            const=DeclarationVersion.Status.OFFICIAL,
            help="The version is the UN's official text in that language.",
        )
        status.add_argument(
            "--working-translation",
            dest="status",
            action="store_const",
            const=DeclarationVersion.Status.WORKING,
            help="The version is a working translation (the default for a new version).",
        )

    def handle(
        self, *args, path: Path, slug: str | None, language: str | None, status, **options
    ) -> None:
        if status and not language:
            raise CommandError(_("--official and --working-translation need --language."))
        if language and not slug:
            raise CommandError(_("--language needs the --slug of the declaration it translates."))
        text = self._read(path)
        if language:
            assert slug is not None  # a language comes with a slug: checked above
            self._import_version(path, text, slug, language, status)
            return
        try:
            result = import_declaration(text, slug=slug)
        except DeclarationImportError as error:
            raise CommandError(f"{path}: {error}") from error
        declaration = result.declaration
        counts = declaration.paragraphs.values_list("kind", flat=True)
        operative = sum(1 for kind in counts if kind == "operative")
        self.stdout.write(
            _(
                "%(title)s (%(slug)s) %(outcome)s: %(operative)d operative and "
                "%(preambular)d preambular paragraphs."
            )
            % {
                "title": declaration.title,
                "slug": declaration.slug,
                "outcome": _outcome(result),
                "operative": operative,
                "preambular": len(counts) - operative,
            }
        )

    def _read(self, path: Path) -> str:
        try:
            # Before reading: a runaway file is refused without loading it into memory.
            size, limit = path.stat().st_size, settings.DECLARATION_MAX_BYTES
            if size > limit:
                raise CommandError(
                    _("%(path)s is %(size)s; the limit is %(limit)s. Nothing was imported.")
                    % {"path": path, "size": filesizeformat(size), "limit": filesizeformat(limit)}
                )
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error}
            ) from error

    def _import_version(self, path: Path, text: str, slug: str, language: str, status) -> None:
        try:
            result = import_version(
                text, slug=slug, language=language, status=status, source_filename=path.name
            )
        except DeclarationImportError as error:
            raise CommandError(f"{path}: {error}") from error
        version = result.version
        self.stdout.write(
            _("%(title)s (%(slug)s), %(language)s version (%(status)s) %(outcome)s.")
            % {
                "title": version.declaration.title,
                "slug": slug,
                "language": version.get_language_display(),
                "status": version.get_status_display().lower(),
                "outcome": _outcome(result),
            }
        )


def _outcome(result) -> str:
    if result.created:
        return _("created")
    return _("updated") if result.changed else _("unchanged")
