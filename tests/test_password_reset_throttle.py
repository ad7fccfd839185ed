"""Password reset mails are throttled per address and per client IP, without telling anyone
whether an address has an account."""

import pytest
from django.urls import reverse

from tracking.models import PasswordResetRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def sara(secretariat):
    secretariat.email = "sara@example.org"
    secretariat.save()
    return secretariat


def _ask(client, email: str, ip: str = "192.0.2.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_a_fourth_reset_within_the_hour_sends_no_mail_and_looks_the_same(client, sara, mailoutbox):
    answers = [_ask(client, "sara@example.org", ip=f"192.0.2.{n}") for n in range(10)]

    assert len(mailoutbox) == 3
    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, reverse("password_reset_done"))
    }


def test_the_address_limit_ignores_case(client, sara, mailoutbox):
    for email in ["sara@example.org", "SARA@example.org", "Sara@Example.org", "sara@EXAMPLE.org"]:
        _ask(client, email)

    assert len(mailoutbox) == 3


def test_one_client_may_ask_ten_times_an_hour_whatever_the_addresses(
    client, sara, mailoutbox, django_user_model
):
    for n in range(11):
        django_user_model.objects.create_user(
            f"user{n}", f"user{n}@example.org", "a-long-password-2026"
        )
    for n in range(11):
        _ask(client, f"user{n}@example.org")

    assert len(mailoutbox) == 10
    _ask(client, "sara@example.org", ip="198.51.100.7")
    assert len(mailoutbox) == 11


def test_an_unknown_address_gets_the_same_answer_and_counts_too(client, sara, mailoutbox):
    unknown = [_ask(client, "nobody@example.org") for _ in range(4)]
    known = _ask(client, "sara@example.org")

    assert [a["Location"] for a in unknown] == [known["Location"]] * 4
    assert len(mailoutbox) == 1
    assert PasswordResetRequest.objects.filter(email="nobody@example.org").count() == 3


def test_the_count_holds_in_the_database_and_forgets_after_an_hour(client, sara, mailoutbox):
    for _ in range(3):
        _ask(client, "sara@example.org")
    PasswordResetRequest.objects.update(at="2020-01-01T00:00Z")

    _ask(client, "sara@example.org")

    assert len(mailoutbox) == 4
    assert PasswordResetRequest.objects.count() == 1
