"""The message catalogs: every string translated, exactly the strings the sources mark, and
compiled with Python alone.

The first test fails until the translators have finished a language: that is its purpose.
"""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from tests.conftest import ROOT

CATALOGS = sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po"))


def _language(po: Path) -> str:
    return po.parents[1].name


def _read(po: Path):
    with po.open("rb") as source:
        return read_po(source)


def _keys(po: Path) -> set[tuple[str | None, str]]:
    """Each message's context and source text (singular and plural), obsolete ones left out."""
    return {(m.context, repr(m.id)) for m in _read(po) if m.id}


def test_every_language_of_the_site_but_english_has_a_catalog():
    others = {code for code, _name in settings.LANGUAGES} - {settings.LANGUAGE_CODE}

    assert {translation.to_language(_language(po)) for po in CATALOGS} == others


@pytest.mark.parametrize("po", CATALOGS, ids=_language)
def test_the_catalog_translates_every_string_and_keeps_its_placeholders(po):
    catalog = _read(po)
    messages = [m for m in catalog if m.id]
    strings = {m.id: m.string if m.pluralizable else (m.string,) for m in messages}

    untranslated = [m.id for m in messages if not all(strings[m.id])]
    fuzzy = [m.id for m in messages if m.fuzzy]
    wrong_placeholders = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]

    assert untranslated == [], f"{len(untranslated)} of {len(messages)} not translated"
    assert fuzzy == [], "fuzzy entries are not used: check them and remove the flag"
    assert wrong_placeholders == []


@pytest.mark.parametrize("po", CATALOGS, ids=_language)
def test_the_catalogs_plural_forms_are_valid(po):
    header = _read(po).mime_headers
    plural_forms = dict(header).get("Plural-Forms", "")
    match = re.fullmatch(r"\s*nplurals=(\d+);\s*plural=(.+?);?\s*", plural_forms)

    assert match, f"Plural-Forms is missing or malformed: {plural_forms!r}"
    count, plural = int(match[1]), gettext.c2py(match[2])
    assert count >= 1
    assert {plural(n) for n in range(1000)} <= set(range(count))


def test_the_catalogs_hold_exactly_the_strings_the_sources_mark(tmp_path):
    """`makemessages` over a copy of the sources finds the same strings as the catalogs."""
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("xgettext is missing: .ci/run should have installed gettext")
        pytest.skip("install gettext (apt install gettext) to compare the catalogs")
    copy = tmp_path / "sources"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".*", "var", "locale", "staticfiles", "test-results", "__pycache__", "*.pyc"
        ),
    )
    env = {**os.environ, "DEBUG": "true", "VAR_DIR": str(tmp_path / "var")}
    command = [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location"]
    subprocess.run(command, cwd=copy, env=env, check=True, capture_output=True)
    marked = _keys(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")

    for po in CATALOGS:
        held = _keys(po)
        assert sorted(marked - held) == [], f"{po}: marked in the sources, not in the catalog"
        assert sorted(held - marked) == [], f"{po}: in the catalog, no longer in the sources"


CATALOG = """\
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

msgid "Declaration tracker"
msgstr "Suivi des déclarations"

#, python-format
msgid "Welcome, %(name)s"
msgstr "Bienvenue, %(nom)s"

#, fuzzy
msgid "Log out"
msgstr "Quitter"
"""


def test_compile_catalogs_writes_the_mo_files_django_reads(settings, tmp_path, capsys):
    po = tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(CATALOG, encoding="utf-8")
    settings.LOCALE_PATHS = [tmp_path / "locale"]

    call_command("compile_catalogs")

    output = capsys.readouterr()
    assert "1 compiled, 0 already up to date" in output.out
    assert "'Welcome, %(name)s' left out: unknown named placeholder 'nom'" in output.err
    with translation.override("fr"):
        assert translation.gettext("Declaration tracker") == "Suivi des déclarations"
        # A wrong placeholder and a fuzzy entry are not served: Django's own or the source.
        assert translation.gettext("Welcome, %(name)s") == "Welcome, %(name)s"
        assert translation.gettext("Log out") != "Quitter"

    call_command("compile_catalogs")

    assert "0 compiled, 1 already up to date" in capsys.readouterr().out
    assert {path.name for path in po.parent.iterdir()} == {"django.mo", "django.po"}
