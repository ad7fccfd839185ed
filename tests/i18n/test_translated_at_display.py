"""Texts that used to stay English whatever the page's language: one translated at import
time, one stored by the worker in the site's language."""

from django.urls import reverse

from tracking.models import Report


def test_the_evidence_help_text_is_translated_when_the_form_is_shown(
    client, tjk_action, tjk_focal, translations
):
    translations(
        {"fr": {"%(types)s. Give either a file or a link.": "%(types)s. Un fichier ou un lien."}}
    )
    client.force_login(tjk_focal)

    page = client.get(tjk_action.get_absolute_url(), headers={"accept-language": "fr"}).text

    assert "PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG, TXT, CSV. Un fichier ou un lien." in page


def test_a_failed_reports_reason_is_shown_in_the_readers_language(
    client, declaration, tjk_focal, translations
):
    translations({"ru": {"The file could not be written; try again.": "Файл не записан."}})
    # The worker wrote the reason in the site's language, English.
    Report.objects.create(
        requested_by=tjk_focal, declaration=declaration, format=Report.Format.CSV,
        state=Report.State.FAILED, error="The file could not be written; try again.",
    )  # fmt: skip
    client.force_login(tjk_focal)

    page = client.get(reverse("tracking:reports"), headers={"accept-language": "ru"}).text

    assert '<p class="field__error">Файл не записан.</p>' in page
