"""The `{% paragraph_actions %}` tag that declaration paragraph pages include."""

from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from tracking.models import Submission

TEMPLATE = Template("{% load tracking_tags %}{% paragraph_actions paragraph %}")


def _render(user, paragraph) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return TEMPLATE.render(Context({"request": request, "paragraph": paragraph}))


def test_it_lists_the_users_own_actions_with_a_link_to_add_one(tjk_action, tjk_focal):
    paragraph = tjk_action.paragraphs.get()

    html = _render(tjk_focal, paragraph)

    assert f'<a href="{tjk_action.get_absolute_url()}">{tjk_action.title}</a>' in html
    assert "Tajikistan" in html and "In progress" in html and "10%" in html
    new_url = reverse("tracking:action_create") + f"?paragraph={paragraph.pk}"
    assert f'href="{new_url}"' in html
    assert "New action on this paragraph" in html


def test_another_country_sees_nothing_of_a_draft_but_may_add_its_own(tjk_action, kaz_focal):
    html = _render(kaz_focal, tjk_action.paragraphs.get())

    assert tjk_action.title not in html
    assert "No actions on this paragraph yet." in html
    assert "New action on this paragraph" in html


def test_the_secretariat_sees_submitted_actions_and_cannot_add_one(tjk_action, secretariat):
    paragraph = tjk_action.paragraphs.get()
    assert tjk_action.title not in _render(secretariat, paragraph)
    submission = tjk_action.submission
    submission.state = Submission.State.SUBMITTED
    submission.save()

    html = _render(secretariat, paragraph)

    assert tjk_action.title in html
    assert "New action on this paragraph" not in html


def test_a_viewer_cannot_add_an_action(tjk_action, tjk_viewer):
    html = _render(tjk_viewer, tjk_action.paragraphs.get())

    assert tjk_action.title in html
    assert "New action on this paragraph" not in html


def test_the_declaration_paragraph_page_shows_the_actions_the_user_may_see(
    client, tjk_action, tjk_focal, kaz_focal
):
    url = tjk_action.paragraphs.get().get_absolute_url()

    client.force_login(tjk_focal)
    assert tjk_action.title in client.get(url).content.decode()

    client.force_login(kaz_focal)
    page = client.get(url).content.decode()
    assert page.count("Actions on this paragraph") == 1
    assert tjk_action.title not in page
