"""A few translations of our own, for tests that must see a page or a mail in a language
before the catalogs are translated."""

import io

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from django.core.management import call_command

from tests.conftest import ROOT
from tests.tracking.conftest import addresses, mail_tasks_run_at_once, records  # noqa: F401


@pytest.fixture
def translations(settings, tmp_path):
    """`translations({"fr": {"source": "traduction"}})`: these win over the catalogs."""

    def install(by_language: dict[str, dict[str, str]]) -> None:
        for language, messages in by_language.items():
            catalog = Catalog(locale=language.replace("-hans", "_Hans"))
            for source, translation in messages.items():
                catalog.add(source, translation, flags=["python-format"] if "%(" in source else [])
            po = tmp_path / "locale" / catalog.locale_identifier / "LC_MESSAGES" / "django.po"
            po.parent.mkdir(parents=True, exist_ok=True)
            with po.open("wb") as target:
                write_po(target, catalog)
        settings.LOCALE_PATHS = [tmp_path / "locale"]
        call_command("compile_catalogs", stdout=io.StringIO())
        settings.LOCALE_PATHS = [tmp_path / "locale", ROOT / "locale"]

    return install
