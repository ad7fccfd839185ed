"""Who may see, download or retry a report: never another participant; the secretariat
shares the reports that hold no drafts."""

import os

import pytest
from django.urls import reverse

from tracking.models import Report, ReportDownload

pytestmark = pytest.mark.django_db


@pytest.fixture
def tjk_report(build_report, records, tjk_focal) -> Report:
    report, _content = build_report(tjk_focal, format="csv", table="actions")
    return report


def test_the_requester_downloads_and_each_download_is_logged(client, tjk_report, tjk_focal):
    client.force_login(tjk_focal)

    response = client.get(reverse("tracking:report_download", args=[tjk_report.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert ReportDownload.objects.filter(report=tjk_report, user=tjk_focal).count() == 2


@pytest.mark.parametrize("name", ["download", "retry", "delete"])
def test_another_participants_user_gets_404(client, tjk_report, kaz_focal, name):
    Report.objects.filter(pk=tjk_report.pk).update(state=Report.State.FAILED)
    client.force_login(kaz_focal)
    url = reverse(f"tracking:report_{name}", args=[tjk_report.pk])

    response = client.get(url) if name == "download" else client.post(url)

    assert response.status_code == 404
    assert Report.objects.filter(pk=tjk_report.pk, state=Report.State.FAILED).exists()


def test_another_user_does_not_see_the_report_on_my_reports(client, tjk_report, kaz_focal):
    client.force_login(kaz_focal)

    page = client.get(reverse("tracking:reports")).content.decode()

    assert f"#{tjk_report.pk}" not in page
    assert "No reports yet." in page


def test_a_colleague_of_the_same_participant_cannot_download_it_either(
    client, tjk_report, tjk_viewer
):
    client.force_login(tjk_viewer)

    response = client.get(reverse("tracking:report_download", args=[tjk_report.pk]))

    assert response.status_code == 404


def test_the_secretariat_neither_lists_nor_downloads_a_report_holding_drafts(
    client, tjk_report, secretariat
):
    client.force_login(secretariat)

    page = client.get(reverse("tracking:reports")).content.decode()
    response = client.get(reverse("tracking:report_download", args=[tjk_report.pk]))

    assert f"#{tjk_report.pk}" not in page
    assert "Download" not in page
    assert response.status_code == 404


def test_a_report_of_submitted_records_only_is_shared_with_the_secretariat(
    client, build_report, records, secretariat, django_user_model
):
    report, _content = build_report(secretariat, format="csv", table="actions")
    colleague = django_user_model.objects.create_user("colleague", is_secretariat=True)
    client.force_login(colleague)

    page = client.get(reverse("tracking:reports")).content.decode()
    response = client.get(reverse("tracking:report_download", args=[report.pk]))

    assert f'href="{reverse("tracking:report_download", args=[report.pk])}"' in page
    assert response.status_code == 200
    assert ReportDownload.objects.filter(report=report, user=colleague).count() == 1


def test_a_secretariat_member_who_is_also_a_focal_point_keeps_their_drafts_to_themselves(
    client, build_report, records, tjk_focal, tajikistan, secretariat
):
    tjk_focal.is_secretariat = True
    tjk_focal.save()
    report, _content = build_report(tjk_focal, format="csv", table="actions")
    client.force_login(secretariat)

    response = client.get(reverse("tracking:report_download", args=[report.pk]))

    assert report.includes_drafts
    assert response.status_code == 404


def test_the_requester_deletes_a_report_and_its_file(
    client, tjk_report, tjk_focal, django_capture_on_commit_callbacks
):
    path = tjk_report.file.path
    client.force_login(tjk_focal)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tracking:report_delete", args=[tjk_report.pk]))

    assert response.status_code == 302
    assert not Report.objects.filter(pk=tjk_report.pk).exists()
    assert not os.path.exists(path)


def test_the_secretariat_neither_lists_nor_deletes_a_focal_points_report_of_drafts(
    client, tjk_report, secretariat, tjk_focal
):
    path = tjk_report.file.path
    client.force_login(secretariat)

    page = client.get(reverse("tracking:reports")).content.decode()
    response = client.post(reverse("tracking:report_delete", args=[tjk_report.pk]))

    assert f"#{tjk_report.pk}" not in page
    assert tjk_focal.username not in page
    assert response.status_code == 404
    assert Report.objects.filter(pk=tjk_report.pk).exists()
    assert os.path.exists(path)


def test_the_secretariat_cannot_retry_a_focal_points_failed_report(client, tjk_report, secretariat):
    Report.objects.filter(pk=tjk_report.pk).update(state=Report.State.FAILED)
    client.force_login(secretariat)

    response = client.post(reverse("tracking:report_retry", args=[tjk_report.pk]))

    assert response.status_code == 404
    assert Report.objects.get(pk=tjk_report.pk).state == Report.State.FAILED


@pytest.mark.parametrize("name", ["retry", "delete"])
def test_only_the_requester_retries_or_deletes_a_shared_report(
    client, build_report, records, secretariat, django_user_model, name
):
    report, _content = build_report(secretariat, format="csv", table="actions")
    Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED)
    colleague = django_user_model.objects.create_user("colleague", is_secretariat=True)
    client.force_login(colleague)

    page = client.get(reverse("tracking:reports")).content.decode()
    response = client.post(reverse(f"tracking:report_{name}", args=[report.pk]))

    assert f"#{report.pk}" in page
    assert reverse(f"tracking:report_{name}", args=[report.pk]) not in page
    assert response.status_code == 404
    assert Report.objects.get(pk=report.pk).state == Report.State.FAILED


def test_the_requester_sees_retry_and_delete_on_their_own_report(
    client, build_report, records, secretariat
):
    report, _content = build_report(secretariat, format="csv", table="actions")
    Report.objects.filter(pk=report.pk).update(state=Report.State.FAILED)

    page = client.get(reverse("tracking:reports")).content.decode()

    assert reverse("tracking:report_retry", args=[report.pk]) in page
    assert reverse("tracking:report_delete", args=[report.pk]) in page


def test_a_stored_report_file_is_readable_by_its_owner_and_group_only(tjk_report):
    mode = os.stat(tjk_report.file.path).st_mode & 0o777

    assert mode == 0o640
    assert os.stat(os.path.dirname(tjk_report.file.path)).st_mode & 0o007 == 0
