import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from declarations.exporter import NoSuchVersion, declaration_as_dict, declaration_as_markdown
from declarations.models import Declaration, Language


class Command(BaseCommand):
    help = "Writes a declaration to standard output as JSON or as Markdown that re-imports."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", choices=["json", "md"], default="json")
        parser.add_argument(
            "--language",
            choices=Language.values,
            help="Write the declaration's version in this language.",
        )

    def handle(self, *args, slug: str, format: str, language: str | None, **options) -> None:
        declaration = Declaration.objects.filter(slug=slug).first()
        if declaration is None:
            raise CommandError(_("No declaration with the slug “%(slug)s”.") % {"slug": slug})
        try:
            if format == "json":
                data = declaration_as_dict(declaration, language=language)
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            else:
                markdown = declaration_as_markdown(declaration, language=language)
                self.stdout.write(markdown, ending="")
        except NoSuchVersion as error:
            assert language is not None  # only a language can have no version
            versions = [declaration.get_language_display()]
            versions += [v.get_language_display() for v in declaration.versions.all()]
            raise CommandError(
                _("%(title)s has no %(language)s version; it has: %(versions)s.")
                % {
                    "title": declaration.title,
                    "language": Language(language).label,
                    "versions": ", ".join(map(str, versions)),
                }
            ) from error
