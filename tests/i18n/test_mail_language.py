"""Every mail is written in its recipient's language: their profile's, else English. (The
"report is ready" mail is in the language the report was asked in: test_report_languages.py.)

The test's own translations stand in for the catalogs; the CLDR's country names and the
language's date format come from outside them.
"""

from datetime import date

import pytest
from django.core import mail as django_mail
from django.urls import reverse

from tests.tracking.filings import rate_all
from tracking import notices, services

pytestmark = pytest.mark.usefixtures("addresses", "mail_tasks_run_at_once")


def _speak(user, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


def _to(mailoutbox, user):
    [mail] = [m for m in mailoutbox if m.to == [user.email]]
    return mail


def test_a_reminder_is_in_each_recipients_language(
    cycle, tjk_focal, tjk_coordinator, kaz_focal, mailoutbox, translations
):
    translations(
        {
            "fr": {
                "Reminder: the %(cycle)s report of %(participants)s is due on %(due)s": (
                    "Rappel : le rapport %(cycle)s de %(participants)s est attendu le %(due)s"
                ),
                "Dear %(name)s,": "Madame, Monsieur %(name)s,",
            }
        }
    )
    _speak(tjk_focal, "fr")
    _speak(tjk_coordinator, "ru")

    notices.reminders_send(today=date(2026, 12, 24))

    assert _to(mailoutbox, tjk_focal).subject == (
        "Rappel : le rapport Dushanbe Declaration 2026 de Tadjikistan est attendu le 31/12/2026"
    )
    assert _to(mailoutbox, tjk_focal).body.startswith("Madame, Monsieur Farrukh Focal,")
    assert "Таджикистан" in _to(mailoutbox, tjk_coordinator).subject
    assert "31.12.2026" in _to(mailoutbox, tjk_coordinator).subject
    # No language saved: the site's, English.
    assert _to(mailoutbox, kaz_focal).subject == (
        "Reminder: the Dushanbe Declaration 2026 report of Kazakhstan is due on 2026-12-31"
    )


def test_a_workflow_notice_and_a_chase_are_in_the_recipients_language(
    client, tjk_action, tjk_focal, tjk_coordinator, secretariat, mailoutbox,
    django_capture_on_commit_callbacks, translations,
):  # fmt: skip
    translations(
        {
            "es": {
                "%(participant)s submitted its %(cycle)s report": (
                    "%(participant)s presentó su informe %(cycle)s"
                ),
                "The secretariat asks for the %(cycle)s report of %(participant)s": (
                    "La secretaría pide el informe %(cycle)s de %(participant)s"
                ),
            }
        }
    )
    _speak(tjk_coordinator, "es")
    _speak(tjk_focal, "ar")
    submission = tjk_action.submission
    rate_all(submission, user=tjk_focal)

    with django_capture_on_commit_callbacks(execute=True):
        services.submission_submit(submission=submission, version=1, user=tjk_focal)

    assert _to(mailoutbox, tjk_coordinator).subject == (
        "Tayikistán presentó su informe Dushanbe Declaration 2026"
    )

    mailoutbox.clear()
    submission.state = submission.State.DRAFT
    submission.save()
    client.force_login(secretariat)
    chase = reverse("tracking:participant_chase", args=[submission.cycle_id, "TJK"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(chase)

    assert _to(mailoutbox, tjk_coordinator).subject == (
        "La secretaría pide el informe Dushanbe Declaration 2026 de Tayikistán"
    )
    assert "طاجيكستان" in _to(mailoutbox, tjk_focal).subject


def test_the_password_reset_mail_is_in_the_users_language_else_the_pages(client, tjk_focal):
    _speak(tjk_focal, "fr")

    client.post(reverse("password_reset"), {"email": tjk_focal.email})
    client.post(
        reverse("password_reset"), {"email": "kaz-focal@example.org"},
        headers={"accept-language": "ru"},
    )  # fmt: skip

    # Django's own catalogs translate its reset mail.
    [to_farrukh] = [m for m in django_mail.outbox if m.to == [tjk_focal.email]]
    [to_aigerim] = [m for m in django_mail.outbox if m.to == ["kaz-focal@example.org"]]
    assert "Réinitialisation du mot de passe" in to_farrukh.subject
    assert "Сброс пароля" in to_aigerim.subject
