"""The profile page: a user's e-mail address and which e-mails they receive."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.tracking.filings import rate_all
from tracking import notices, services
from tracking.models import User

PROFILE = reverse("tracking:profile")


def test_the_header_links_the_users_name_to_the_profile(client, tjk_focal):
    client.force_login(tjk_focal)

    html = client.get(reverse("home")).text

    assert f'<a class="site-user__name" href="{PROFILE}"' in html
    assert "Farrukh Focal</a>" in html


def test_the_profile_page_has_a_plain_title_and_one_token_section(client, tjk_focal):
    client.force_login(tjk_focal)

    html = client.get(PROFILE).text

    title = html[html.index("<title>") : html.index("</title>")]
    assert "<" not in title.removeprefix("<title>")
    assert "Your profile" in title
    assert html.count('id="api-tokens-heading"') == 1


def test_the_profile_form_is_labelled_and_on_by_default(client, tjk_focal):
    client.force_login(tjk_focal)

    html = client.get(PROFILE).text

    assert '<label for="id_email">E-mail address:</label>' in html
    assert '<label for="id_notify_workflow">Workflow notices:</label>' in html
    assert '<label for="id_notify_reminders">Reminders:</label>' in html
    assert 'id="id_notify_workflow" checked' in html
    assert 'id="id_notify_reminders" checked' in html
    assert '<button type="submit" class="button">Save profile</button>' in html


def test_saving_the_profile_changes_the_address_and_the_choices(client, tjk_focal):
    client.force_login(tjk_focal)

    response = client.post(
        PROFILE, {"email": "farrukh@example.org", "notify_reminders": "on"}, follow=True
    )

    assert response.redirect_chain == [(PROFILE, 302)]
    assert "Your profile was saved." in response.text
    tjk_focal.refresh_from_db()
    assert tjk_focal.email == "farrukh@example.org"
    assert (tjk_focal.notify_workflow, tjk_focal.notify_reminders) == (False, True)


def test_an_invalid_address_is_refused_next_to_its_field(client, tjk_focal):
    client.force_login(tjk_focal)

    response = client.post(PROFILE, {"email": "not an address", "notify_workflow": "on"})

    assert response.status_code == 200
    assert 'id="id_email_error">Enter a valid email address.</p>' in response.text
    tjk_focal.refresh_from_db()
    assert tjk_focal.email == ""


@pytest.mark.usefixtures("mail_tasks_run_at_once")
def test_what_the_profile_says_is_what_the_user_receives(
    client, tjk_action, tjk_focal, tjk_coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(tjk_coordinator)
    client.post(PROFILE, {"email": "kamila@example.org", "notify_reminders": "on"})
    client.force_login(tjk_focal)
    client.post(PROFILE, {"email": "farrukh@example.org", "notify_workflow": "on"})

    rate_all(tjk_action.submission, user=tjk_focal)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_submit(submission=tjk_action.submission, version=1, user=tjk_focal)
    notices.reminders_send(today=date(2026, 12, 30))

    # The coordinator takes reminders only, the focal point workflow notices only: a
    # submission tells the coordinators, and nothing is left to remind Tajikistan of.
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        services.submission_return(
            submission=tjk_action.submission, version=2, user=tjk_coordinator, comment="More."
        )
    notices.reminders_send(today=date(2026, 12, 30))

    assert sorted((m.to[0], m.subject[:40]) for m in mailoutbox) == [
        ("farrukh@example.org", "The Dushanbe Declaration 2026 report of "),
        ("kamila@example.org", "Reminder: the Dushanbe Declaration 2026 "),
    ]
    assert "returned to draft" in next(m.subject for m in mailoutbox if "farrukh" in m.to[0])


def test_the_demo_accounts_have_addresses(declaration, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=io.StringIO(), stderr=io.StringIO())

    assert User.objects.get(username="uzb-focal").email == "uzb-focal@example.org"
    assert User.objects.get(username="secretariat").email == "secretariat@example.org"
    assert not User.objects.filter(email="").exists()
