"""Participants' names in the page's language: Member States from the CLDR by their ISO code,
organisations from the catalog; lists sorted by the translated names."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from tests.conftest import new_cycle
from tracking import languages
from tracking.management.commands.load_participants import DATA_FILE, ORGANISATION_NAMES
from tracking.models import Participant

ROWS = json.loads(DATA_FILE.read_text(encoding="utf-8"))["participants"]
OTHER_LANGUAGES = ["ar", "zh-hans", "fr", "ru", "es"]


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_member_state_of_the_data_has_a_cldr_name_in_each_language(language):
    codes = [row["code"] for row in ROWS if row["kind"] == "state"]

    names = {code: languages.territory_name(code, language) for code in codes}

    assert len(codes) == 193
    assert [code for code, name in names.items() if not name] == []
    assert len(set(names.values())) == 193


def test_every_organisation_of_the_data_is_in_the_catalog():
    organisations = {row["code"]: row["name"] for row in ROWS if row["kind"] == "organization"}

    assert organisations == ORGANISATION_NAMES


@pytest.mark.parametrize(
    ("language", "tajikistan", "russia"),
    [
        ("en", "Tajikistan", "Russian Federation"),  # the UN's names of the data file
        ("fr", "Tadjikistan", "Russie"),
        ("ru", "Таджикистан", "Россия"),
        ("zh-hans", "塔吉克斯坦", "俄罗斯"),
        ("ar", "طاجيكستان", "روسيا"),
        ("es", "Tayikistán", "Rusia"),
    ],
)
def test_a_member_states_name_follows_the_language(language, tajikistan, russia):
    with translation.override(language):
        assert str(Participant(code="TJK", name="Tajikistan", kind="state")) == tajikistan
        assert Participant(code="RUS", name="Russian Federation", kind="state").display_name == (
            russia
        )


def test_an_organisations_name_comes_from_the_catalog(translations):
    translations({"fr": {"European Union": "Union européenne"}})
    union = Participant(code="EU", name="European Union", kind="organization")

    added = Participant(code="IEO", name="An organisation added later", kind="organization")

    with translation.override("fr"):
        assert union.display_name == "Union européenne"
        # Not in the catalogs (added in the admin): its own name.
        assert added.display_name == "An organisation added later"


def test_a_state_whose_code_is_not_iso_keeps_its_name():
    with translation.override("fr"):
        assert Participant(code="XKX", name="Somewhere", kind="state").display_name == "Somewhere"


@pytest.fixture
def europe(declaration, secretariat):
    """Five States whose order changes between English and French."""
    call_command("load_participants", stdout=io.StringIO(), stderr=io.StringIO())
    codes = ["AUT", "DEU", "EGY", "EST", "ETH"]
    Participant.objects.exclude(code__in=codes).delete()
    return new_cycle(declaration, 2026)


def _names(html: str, pattern: str) -> list[str]:
    return [name.strip() for name in re.findall(pattern, html)]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["Austria", "Egypt", "Estonia", "Ethiopia", "Germany"]),
        ("fr", ["Allemagne", "Autriche", "Égypte", "Estonie", "Éthiopie"]),
        ("ru", ["Австрия", "Германия", "Египет", "Эстония", "Эфиопия"]),
    ],
)
def test_lists_of_participants_are_sorted_by_their_name_in_the_language(
    client, europe, secretariat, language, expected
):
    client.force_login(secretariat)
    headers = {"accept-language": language}

    cycle_page = client.get(reverse("tracking:cycle", args=[europe.pk]), headers=headers).text
    actions = client.get(reverse("tracking:actions"), headers=headers).text
    request_form = client.get(reverse("tracking:report_request"), headers=headers).text
    matrix = client.get(f"{reverse('tracking:matrix')}?everyone=on", headers=headers).text

    assert _names(cycle_page, r'<th scope="row">([^<]+) <span class="muted">') == expected
    participant_filter = actions[actions.index('name="participant"') :].split("</select>")[0]
    assert _names(participant_filter, r'<option value="\d+">([^<]+)</option>') == expected
    scope = request_form[request_form.index('name="participants"') :].split("</select>")[0]
    assert _names(scope, r'<option value="\d+">([^<]+)</option>') == expected
    assert _names(matrix, r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>') == expected
