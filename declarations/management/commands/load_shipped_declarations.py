from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from declarations.services import shipped_declarations_load


class Command(BaseCommand):
    help = "Imports the declarations that ship with the project and their theme mappings."

    def handle(self, *args, **options) -> None:
        for declaration, changed in shipped_declarations_load():
            message = _("%(title)s: loaded.") if changed else _("%(title)s: already up to date.")
            self.stdout.write(message % {"title": declaration.title})
