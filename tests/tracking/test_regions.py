"""Participants' UN M49 regions: filled for States by the migration and by load_participants."""

import io

from django.core.management import call_command

from tests.migrations import migrate_to, migrate_to_latest
from tracking.models import Participant

BEFORE = [("tracking", "0021_action_submission_title")]
AFTER = [("tracking", "0022_technical_assistance")]


def test_the_migration_fills_the_regions_of_states_and_takes_them_back(transactional_db):
    apps = migrate_to(BEFORE)
    old = apps.get_model("tracking", "Participant")
    old.objects.create(code="TJK", name="Tajikistan", kind="state")
    old.objects.create(code="FJI", name="Fiji", kind="state")
    old.objects.create(code="EU", name="European Union", kind="organization")
    try:
        apps = migrate_to(AFTER)
        regions = dict(
            apps.get_model("tracking", "Participant").objects.values_list("code", "region")
        )
        assert regions == {"TJK": "asia", "FJI": "oceania", "EU": ""}
        apps = migrate_to(BEFORE)
        assert apps.get_model("tracking", "Participant").objects.count() == 3
    finally:
        migrate_to_latest()


def test_load_participants_gives_every_state_a_region_and_no_organisation_one(db):
    Participant.objects.create(code="TUR", name="Türkiye", kind="state")  # loaded before regions
    call_command("load_participants", stdout=io.StringIO(), stderr=io.StringIO())

    states = Participant.objects.filter(kind=Participant.Kind.STATE)
    assert not states.filter(region="").exists()
    assert set(states.values_list("region", flat=True)) == {
        "africa", "americas", "asia", "europe", "oceania"
    }  # fmt: skip
    assert dict(states.filter(code__in=["TUR", "BRA", "EGY"]).values_list("code", "region")) == {
        "TUR": "asia", "BRA": "americas", "EGY": "africa"
    }  # fmt: skip
    assert not Participant.objects.filter(kind=Participant.Kind.ORGANIZATION).exclude(region="")
