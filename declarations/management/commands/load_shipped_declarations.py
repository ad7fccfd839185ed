from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from declarations.models import DeclarationVersion
from declarations.services import shipped_declarations_load


class Command(BaseCommand):
    help = (
        "Imports the declarations that ship with the project, their theme mappings and their "
        "language versions."
    )

    def handle(self, *args, **options) -> None:
        for loaded, changed in shipped_declarations_load():
            if isinstance(loaded, DeclarationVersion):
                name = _("%(title)s, %(language)s version (%(status)s)") % {
                    "title": loaded.declaration.title,
                    "language": loaded.get_language_display(),
                    "status": loaded.get_status_display().lower(),
                }
            else:
                name = loaded.title
            message = _("%(title)s: loaded.") if changed else _("%(title)s: already up to date.")
            self.stdout.write(message % {"title": name})
