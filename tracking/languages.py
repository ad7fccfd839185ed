"""The interface languages: their own names, participants' names in each, and sorting by name.

Country names come from the Unicode CLDR (through Babel), keyed by ISO 3166 code: nobody types
or translates them. English keeps the names of the participants data, which are the UN's
official short names ("Russian Federation"); CLDR's English ones are everyday names ("Russia").
"""

import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache

from babel import Locale
from babel.core import get_global
from django.conf import settings
from django.utils import translation

# Each language by its own name, so that a reader finds theirs whatever the page's language.
AUTONYMS = {
    "ar": "العربية",
    "zh-hans": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}


def choices() -> list[tuple[str, str]]:
    """(code, own name) of every language of the site, in the order of LANGUAGES."""
    return [(code, AUTONYMS.get(code, str(name))) for code, name in settings.LANGUAGES]


def of_user(user) -> str:
    """The language to write to the user in: their profile's, else the site's."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def is_rtl(language: str | None = None) -> bool:
    return translation.get_language_info(language or translation.get_language())["bidi"]


@cache
def _territories(language: str) -> Mapping[str, str]:
    return Locale.parse(translation.to_locale(language)).territories


def territory_name(alpha3: str, language: str | None = None) -> str | None:
    """CLDR's name of the State with this ISO 3166 alpha-3 code in the language (default: the
    active one); None for English, for a code that is not a State's, or an unknown language."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language.split("-")[0] == "en":
        return None
    alpha2 = get_global("territory_aliases").get(alpha3.upper(), [None])
    if len(alpha2) != 1:  # a former State split into several (e.g. ANT): no single name
        return None
    try:
        return _territories(language).get(alpha2[0])
    except ValueError:  # Babel does not know the language
        return None


def sort_key(name: str) -> str:
    """A key that sorts names as a reader expects in any of our languages, near enough: case
    and accents ignored ("Éthiopie" beside "Estonie"). Not full collation (Unicode's UCA):
    that would need ICU; Arabic, Cyrillic and Chinese names sort by code point, which for
    Chinese is not pinyin order."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def by_name(participants: Iterable) -> list:
    """The participants in the order of their names in the active language."""
    return sorted(participants, key=lambda participant: sort_key(participant.display_name))
