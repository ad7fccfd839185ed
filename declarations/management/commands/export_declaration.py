import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from declarations.exporter import declaration_as_dict, declaration_as_markdown
from declarations.models import Declaration


class Command(BaseCommand):
    help = "Writes a declaration to standard output as JSON or as Markdown that re-imports."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", choices=["json", "md"], default="json")

    def handle(self, *args, slug: str, format: str, **options) -> None:
        declaration = Declaration.objects.filter(slug=slug).first()
        if declaration is None:
            raise CommandError(_("No declaration with the slug “%(slug)s”.") % {"slug": slug})
        if format == "json":
            data = declaration_as_dict(declaration)
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(declaration_as_markdown(declaration), ending="")
