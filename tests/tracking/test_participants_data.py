"""The UN Member States and the organisations of the Dushanbe Declaration, loaded from data."""

import io

import pytest
from django.core.management import CommandError, call_command

from tracking.models import Participant


def _load(*args: str) -> None:
    call_command("load_participants", *args, stdout=io.StringIO(), stderr=io.StringIO())


def test_it_loads_exactly_the_193_member_states_with_unique_three_letter_codes(db):
    _load()

    states = Participant.objects.filter(kind=Participant.Kind.STATE)
    codes = list(states.values_list("code", flat=True))
    assert len(codes) == 193
    assert len(set(codes)) == 193
    assert all(len(code) == 3 and code.isalpha() and code.isupper() for code in codes)
    names = dict(states.values_list("code", "name"))
    assert names["TJK"] == "Tajikistan"
    assert names["KAZ"] == "Kazakhstan"
    assert names["FRA"] == "France"
    assert names["USA"] == "United States of America"
    assert names["SSD"] == "South Sudan"


def test_it_loads_the_organisations_named_in_the_declaration(db):
    _load()

    organisations = set(
        Participant.objects.filter(kind=Participant.Kind.ORGANIZATION).values_list(
            "name", flat=True
        )
    )
    assert organisations == {
        "Organization for Security and Co-operation in Europe",
        "European Union",
        "Shanghai Cooperation Organization",
        "Collective Security Treaty Organization",
        "Commonwealth of Independent States",
        "United Nations",
    }


def test_running_it_twice_changes_nothing(declaration):
    _load()
    before = list(Participant.objects.values_list("pk", "code", "name", "kind"))
    history_before = Participant.history.count()
    links_before = Participant.declarations.through.objects.count()

    _load()

    assert list(Participant.objects.values_list("pk", "code", "name", "kind")) == before
    assert Participant.history.count() == history_before
    assert Participant.declarations.through.objects.count() == links_before == 199


def test_it_links_every_participant_to_the_declarations_of_the_file(declaration):
    _load()

    assert declaration.participants.count() == 199


def test_it_corrects_a_changed_name_and_keeps_the_participant(db):
    Participant.objects.create(code="TUR", name="Turkey", kind=Participant.Kind.STATE)
    pk = Participant.objects.get(code="TUR").pk

    _load()

    assert Participant.objects.get(code="TUR").name == "Türkiye"
    assert Participant.objects.get(code="TUR").pk == pk


def test_it_refuses_a_declaration_that_is_not_loaded(db):
    with pytest.raises(CommandError, match="no-such-declaration"):
        _load("--declaration", "no-such-declaration")
    assert not Participant.objects.exists()
