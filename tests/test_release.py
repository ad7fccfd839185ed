"""The cache keys start with a digest of the running code, so that after a deploy a shared
cache never serves a part that the previous release rendered."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from config.release import code_digest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def release(tmp_path) -> Path:
    """A copy of a release: a module, a template and a compiled catalog."""
    (tmp_path / "tracking").mkdir()
    (tmp_path / "tracking" / "views.py").write_text("ANSWER = 42\n")
    (tmp_path / "templates" / "tracking").mkdir(parents=True)
    (tmp_path / "templates" / "tracking" / "page.html").write_text("<p>{{ answer }}</p>")
    (tmp_path / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.mo").write_bytes(b"\x00catalog")
    return tmp_path


@pytest.mark.parametrize(
    "changed",
    ["tracking/views.py", "templates/tracking/page.html", "locale/fr/LC_MESSAGES/django.mo"],
)
def test_a_changed_module_template_or_catalog_is_another_release(release, changed):
    before = code_digest(release)
    with (release / changed).open("ab") as file:
        file.write(b" ")

    assert code_digest(release) != before


def test_the_same_code_elsewhere_is_the_same_release(release, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "release"
    shutil.copytree(release, elsewhere)
    (elsewhere / "var").mkdir()
    (elsewhere / "var" / "notes.html").write_text("not code")  # files outside the code

    assert code_digest(elsewhere) == code_digest(release)


def test_the_cache_keys_start_with_the_running_release():
    cache.set("part", "rendered")

    assert settings.CACHES["default"]["KEY_PREFIX"] == code_digest(ROOT)
    assert cache.make_key("part").startswith(code_digest(ROOT) + ":")
