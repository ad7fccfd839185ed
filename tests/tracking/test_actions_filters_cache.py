"""A member's actions list keeps its filters' form in the cache until the rows its options
name change, per filters chosen and language: every such change shows on the next view."""

from django.urls import reverse

from declarations.models import Paragraph, Theme
from tests.conftest import new_cycle
from tracking.models import Membership, ReportingCycle

from .markup import select_options

URL = reverse("tracking:actions")


def _filters(html: str) -> str:
    return html.split('<form method="get"', 1)[1].split("</form>", 1)[0]


def test_renamed_and_added_rows_show_in_theselect_options(
    client, cycle, declaration, tajikistan, kazakhstan, tjk_focal
):
    client.force_login(tjk_focal)
    client.get(URL)

    tajikistan.name = "Republic of Tajikistan"
    tajikistan.save()
    cycle.name = "2026 (extended)"
    cycle.save()
    Theme.objects.create(name="Borders", slug="borders")
    html = client.get(URL).text

    assert "Republic of Tajikistan" in select_options(html, "participant")
    assert "2026 (extended)" in select_options(html, "cycle")
    assert ">Borders</option>" in select_options(html, "theme")

    Membership.objects.create(user=tjk_focal, participant=kazakhstan, role="viewer")
    Paragraph.objects.filter(declaration=declaration, number=16).update(number=17)
    html = client.get(URL).text

    assert ">Kazakhstan</option>" in select_options(html, "participant")
    assert "OP17<" in select_options(html, "paragraph")
    assert "OP16<" not in select_options(html, "paragraph")


def test_a_cycle_shows_once_it_opens(client, cycle, declaration, tjk_focal):
    later = new_cycle(declaration, 2027, state=ReportingCycle.State.PLANNED)
    client.force_login(tjk_focal)
    assert " 2027<" not in select_options(client.get(URL).text, "cycle")

    ReportingCycle.objects.filter(pk=later.pk).update(state=ReportingCycle.State.OPEN)

    assert " 2027<" in select_options(client.get(URL).text, "cycle")


def test_each_choice_and_its_errors_are_its_own(client, cycle, tajikistan, tjk_focal):
    client.force_login(tjk_focal)

    wrong = client.get(URL, {"starts_from": "not-a-date"}).text
    right = client.get(URL, {"starts_from": "2026-01-01"}).text
    chosen = client.get(URL, {"participant": tajikistan.pk}).text
    again = client.get(URL, {"starts_from": "not-a-date"}).text

    assert "Enter a valid date." in wrong
    assert "Enter a valid date." not in right
    assert 'value="2026-01-01"' in right
    assert f'<option value="{tajikistan.pk}" selected>' in select_options(chosen, "participant")
    assert f'<option value="{tajikistan.pk}">' in select_options(right, "participant")
    assert _filters(again) == _filters(wrong)


def test_the_filters_are_in_the_language_of_each_request(client, cycle, tjk_focal):
    client.force_login(tjk_focal)

    english = client.get(URL, headers={"accept-language": "en"}).text
    french = client.get(URL, headers={"accept-language": "fr"}).text

    assert "Operative paragraph" in english
    assert "Paragraphe du dispositif" in french
    assert "Operative paragraph" not in french


def test_each_member_is_offered_its_own_participants(
    client, cycle, tajikistan, kazakhstan, tjk_focal, kaz_focal
):
    # The options' query is built once per set of participants (`ActionFilter.options_key`).
    client.force_login(tjk_focal)
    assert ">Tajikistan</option>" in select_options(client.get(URL).text, "participant")

    client.force_login(kaz_focal)
    options = select_options(client.get(URL).text, "participant")

    assert ">Kazakhstan</option>" in options
    assert "Tajikistan" not in options
