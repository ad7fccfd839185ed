"""Every page shows dates one way per language: 2026-03-01 in English, the language's own short
format in the others (01/03/2026 in French), and times to the minute in the site's time zone."""

import re
from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template

from tracking.models import Submission

pytestmark = pytest.mark.django_db

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


def test_the_submission_page_shows_dates_times_and_history_in_one_format(
    client, settings, tjk_action, tjk_focal
):
    settings.TIME_ZONE = "Asia/Dushanbe"  # UTC+5
    submission = tjk_action.submission
    submission.state = Submission.State.SUBMITTED
    submission.submitted_at = datetime(2026, 3, 1, 12, 55, 19, 703234, tzinfo=UTC)
    submission.submitted_by = tjk_focal
    submission.save()
    client.force_login(tjk_focal)

    page = client.get(submission.get_absolute_url()).content.decode()

    assert "Due 2026-12-31" in page
    assert "Submitted 2026-03-01 17:55 by Farrukh Focal" in page
    history = page[page.index('id="history-heading"') :]
    assert "Submitted at: — → 2026-03-01 17:55<" in history
    assert "Submitted by: — → Farrukh Focal" in history
    assert re.search(r"<strong>\d{4}-\d{2}-\d{2} \d{2}:\d{2}</strong>", history)
    assert not re.search(r"\d{2}:\d{2}:\d{2}|\+00:00|\.\d{6}", page)
    assert not re.search(MONTHS, page)


def test_the_action_page_shows_its_dates_as_the_rest(client, tjk_action, tjk_focal):
    tjk_action.start_date, tjk_action.end_date = date(2026, 3, 1), date(2027, 1, 31)
    tjk_action.save()
    client.force_login(tjk_focal)

    page = client.get(tjk_action.get_absolute_url()).content.decode()

    assert "2026-03-01 – 2027-01-31" in page
    assert not re.search(MONTHS, page)


def test_the_filters_show_a_date_a_datetime_and_nothing_alike(settings):
    settings.TIME_ZONE = "Asia/Dushanbe"
    template = Template(
        "{% load tracking_tags %}{{ a|day }}|{{ b|day }}|{{ b|moment }}|{{ c|day }}"
    )
    at = datetime(2026, 3, 1, 21, 5, 59, tzinfo=UTC)  # already 2 March in Dushanbe

    text = template.render(Context({"a": date(2026, 3, 1), "b": at, "c": None}))

    assert text == "2026-03-01|2026-03-02|2026-03-02 02:05|"


@pytest.mark.parametrize(
    ("language", "shown"),
    [("fr", "01/03/2026 – 31/01/2027"), ("ru", "01.03.2026 – 31.01.2027"),
     ("zh-hans", "2026年3月1日 – 2027年1月31日")],
)  # fmt: skip
def test_dates_follow_the_language_of_the_page(client, tjk_action, tjk_focal, language, shown):
    tjk_action.start_date, tjk_action.end_date = date(2026, 3, 1), date(2027, 1, 31)
    tjk_action.save()
    tjk_focal.language = language
    tjk_focal.save()
    client.force_login(tjk_focal)

    page = client.get(tjk_action.get_absolute_url()).content.decode()

    assert shown in page
    assert "2026-03-01" not in page


def test_the_filters_use_the_active_languages_format(settings):
    from django.utils import translation

    template = Template("{% load tracking_tags %}{{ a|day }}|{{ b|moment }}")
    at = datetime(2026, 3, 1, 21, 5, 59, tzinfo=UTC)

    with translation.override("fr"):
        text = template.render(Context({"a": date(2026, 3, 1), "b": at}))

    assert text == "01/03/2026|01/03/2026 21:05"


@pytest.mark.parametrize("language", ["ar", "zh-hans", "en", "fr", "ru", "es"])
def test_the_filters_write_what_djangos_date_filter_writes(settings, language):
    from django.template.defaultfilters import date as django_date
    from django.utils import translation
    from django.utils.timezone import template_localtime

    from tracking.templatetags.tracking_tags import day, moment

    settings.TIME_ZONE = "Asia/Dushanbe"
    moments = [datetime(2026, 3, 1, 21, 5, 59, tzinfo=UTC), datetime(9, 12, 31, 0, 0, tzinfo=UTC)]
    days = [date(2026, 3, 1), date(2027, 11, 30), date(5, 1, 9)]

    with translation.override(language):
        for value in [*days, *moments]:
            local = template_localtime(value)
            assert day(value) == django_date(local, "SHORT_DATE_FORMAT")
        for value in moments:
            local = template_localtime(value)
            assert moment(value) == django_date(local, "SHORT_DATETIME_FORMAT")


def test_a_format_the_filters_do_not_write_themselves_is_left_to_django(settings):
    from django.utils import translation

    settings.SHORT_DATE_FORMAT = r"D j \d\e F Y"  # no language: the setting's format
    template = Template("{% load tracking_tags %}{{ a|day }}|{{ b|day }}")

    with translation.override(None):
        text = template.render(Context({"a": date(2026, 3, 1), "b": "not a date"}))

    assert text == "Sun 1 de March 2026|"
