"""Compiles the message catalogs to the .mo files that Django reads, with Babel.

Django's own `compilemessages` needs GNU gettext's msgfmt; this needs Python only, so that
`make run` and `make test` need nothing more than Python and make.
"""

import contextlib
import io
import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Compiles every locale/*/LC_MESSAGES/*.po of LOCALE_PATHS to its .mo, when the .po is "
        "newer. A translation whose placeholders do not match its source text is left out "
        "(the page shows the English text) and named on stderr."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="compile even if up to date")

    def handle(self, *args, force: bool, verbosity: int, **options) -> None:
        self.verbosity = verbosity
        compiled = current = 0
        for folder in settings.LOCALE_PATHS:
            for po in sorted(Path(folder).glob("*/LC_MESSAGES/*.po")):
                mo = po.with_suffix(".mo")
                if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                    current += 1
                    continue
                self._compile(po, mo)
                compiled += 1
        self.stdout.write(f"Catalogs: {compiled} compiled, {current} already up to date.")

    def _compile(self, po: Path, mo: Path) -> None:
        # Babel prints what it skips; gettext's tools write an empty msgstr[1] even for
        # Chinese (one plural form), which it skips too: shown with --verbosity 2 only.
        skipped = io.StringIO()
        try:
            with po.open("rb") as source, contextlib.redirect_stdout(skipped):
                catalog = read_po(source)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {po}: {error}") from error
        if self.verbosity > 1 and skipped.getvalue():
            self.stderr.write(f"{po}:\n{skipped.getvalue()}")
        # A placeholder the source text lacks would fail the page with a KeyError: leave the
        # translation out rather than serve it. (The catalog tests name these too.)
        for message, errors in catalog.check():
            self.stderr.write(f"{po}: {message.id!r} left out: {'; '.join(map(str, errors))}")
            forms = message.string
            message.string = ("",) * len(forms) if isinstance(forms, tuple | list) else ""
        # Into a temporary file renamed over the old one: two runs at once (CI runs two test
        # suites side by side) never leave a half-written catalog for the other to read.
        handle, temporary = tempfile.mkstemp(dir=mo.parent, prefix=".", suffix=".mo")
        try:
            with os.fdopen(handle, "wb") as target:
                write_mo(target, catalog)
            os.chmod(temporary, 0o644)
            os.replace(temporary, mo)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
