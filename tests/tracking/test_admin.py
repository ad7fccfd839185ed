"""The admin lists every tracking model, with its filters and search."""

import pytest
from django.urls import reverse

from tracking.models import User

MODELS = [
    "participant",
    "membership",
    "reportingcycle",
    "submission",
    "action",
    "progressupdate",
    "evidence",
    "assessment",
    "report",
]


@pytest.mark.parametrize("model", MODELS)
def test_the_admin_lists_and_searches_each_tracking_model(client, tjk_action, model):
    admin = User.objects.create_superuser("admin", "admin@example.org", "x")
    client.force_login(admin)

    listing = client.get(reverse(f"admin:tracking_{model}_changelist"), {"q": "Tajikistan"})

    assert listing.status_code == 200


def test_an_actions_history_is_browsable_in_the_admin(client, tjk_action):
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "x"))

    page = client.get(reverse("admin:tracking_action_history", args=[tjk_action.pk]))

    assert page.status_code == 200
