"""The secretariat's cycle page keeps its participants' rows and its newest history in the
cache: every change to the cycle, its publication or the names in its history shows on the
next view."""

from tests.conftest import new_cycle
from tracking import services


def _history(html: str) -> str:
    return html[html.index('id="history-heading"') :]


def _edit(cycle, user, **changes):
    values = {
        "declaration": cycle.declaration,
        "name": cycle.name,
        "starts_on": cycle.starts_on,
        "ends_on": cycle.ends_on,
        "due_on": cycle.due_on,
        **changes,
    }
    participants = list(cycle.participants.all())
    return services.cycle_edit(cycle=cycle, user=user, values=values, participants=participants)


def test_a_publication_a_new_licence_and_a_withdrawal_show_on_the_next_view(
    client, secretariat, cycle, tajikistan
):
    client.force_login(secretariat)
    assert "its publication" not in _history(client.get(cycle.get_absolute_url()).text)

    services.cycle_publish(cycle=cycle, user=secretariat, licence="CC BY 4.0", licence_url="")
    page = client.get(cycle.get_absolute_url()).text
    assert "under CC BY 4.0" in page
    assert _history(page).count("its publication") == 1

    services.cycle_publish(cycle=cycle, user=secretariat, licence="ODbL 1.0", licence_url="")
    page = client.get(cycle.get_absolute_url()).text
    assert "under ODbL 1.0" in page
    assert "Licence: CC BY 4.0 → ODbL 1.0" in _history(page)

    services.cycle_unpublish(cycle=cycle, user=secretariat)
    page = client.get(cycle.get_absolute_url()).text
    assert "Withdrawn from the public view on" in page
    assert _history(page).count("its publication") == 3


def test_an_edit_of_the_cycle_shows_in_its_history_on_the_next_view(
    client, secretariat, cycle, tajikistan
):
    client.force_login(secretariat)
    client.get(cycle.get_absolute_url())

    _edit(cycle, secretariat, name="2026 (revised)")
    page = client.get(cycle.get_absolute_url()).text

    assert "Name: 2026 → 2026 (revised)" in _history(page)
    assert "Sara Secretariat" in _history(page)


def test_the_history_names_who_changed_the_cycle_as_they_are_named_now(
    client, secretariat, cycle, tajikistan
):
    _edit(cycle, secretariat, name="2026 (revised)")
    client.force_login(secretariat)
    assert "Sara Secretariat" in _history(client.get(cycle.get_absolute_url()).text)

    secretariat.last_name = "Secrétariat-Général"
    secretariat.save(update_fields=["last_name"])
    history = _history(client.get(cycle.get_absolute_url()).text)

    assert "Sara Secrétariat-Général" in history
    assert "Sara Secretariat" not in history


def test_another_cycles_history_is_its_own(client, secretariat, cycle, declaration, tajikistan):
    other = new_cycle(declaration, 2027)
    _edit(cycle, secretariat, name="2026 (revised)")
    client.force_login(secretariat)
    client.get(cycle.get_absolute_url())

    assert "2026 (revised)" not in _history(client.get(other.get_absolute_url()).text)
