"""Rating an operative paragraph for the open cycle."""

from django.urls import reverse

from tracking.models import Assessment, Evidence


def _url(cycle, number=6):
    return reverse("tracking:assessment_edit", args=["TJK", cycle.pk, number])


def _rate(client, cycle, version=0, **data):
    return client.post(_url(cycle), {"version": version, "rating": "partially"} | data)


def test_a_focal_point_rates_a_paragraph_and_sees_it_on_the_submission(
    client, cycle, tjk_action, tjk_focal
):
    client.force_login(tjk_focal)

    response = _rate(client, cycle, justification="Draft law tabled.")

    assessment = Assessment.objects.get()
    assert (assessment.rating, assessment.paragraph.number) == ("partially", 6)
    assert assessment.submission == tjk_action.submission
    page = client.get(response.url).content.decode()
    assert "Partially implemented" in page
    assert "1 of 16 paragraphs rated" in page
    assert "OP1, OP2, OP3, OP4, OP5, OP7" in page


def test_not_applicable_and_no_information_are_ratings_of_their_own(client, cycle, tjk_focal):
    client.force_login(tjk_focal)

    _rate(client, cycle, rating="no_information", justification="No survey this year.")

    assert Assessment.objects.get().get_rating_display() == "No information"


def test_fully_implemented_needs_a_justification_and_evidence(client, cycle, tjk_action, tjk_focal):
    client.force_login(tjk_focal)

    response = _rate(client, cycle, rating="fully", justification="")

    page = response.content.decode()
    assert "Say why the paragraph is fully implemented." in page
    assert "needs at least one evidence item on an action of Tajikistan" in page
    assert not Assessment.objects.exists()


def test_fully_implemented_is_accepted_with_evidence_on_an_action_on_that_paragraph(
    client, cycle, tjk_action, tjk_focal
):
    Evidence.objects.create(
        action=tjk_action,
        submission=tjk_action.submission,
        title="Gazette",
        url="https://example.org/gazette",
        uploaded_by=tjk_focal,
    )
    client.force_login(tjk_focal)

    refused_elsewhere = client.post(
        _url(cycle, number=7), {"version": 0, "rating": "fully", "justification": "Done."}
    )
    accepted = _rate(client, cycle, rating="fully", justification="The law is in force.")

    assert "needs at least one evidence item" in refused_elsewhere.content.decode()
    assert accepted.status_code == 302
    assert Assessment.objects.get().paragraph.number == 6


def test_a_rating_is_changed_with_a_new_version(client, cycle, tjk_focal):
    client.force_login(tjk_focal)
    _rate(client, cycle)

    _rate(client, cycle, version=1, rating="substantially")

    assessment = Assessment.objects.get()
    assert (assessment.rating, assessment.version) == ("substantially", 2)


def test_the_rating_form_shows_each_change_in_its_kept_history(client, cycle, tjk_focal):
    client.force_login(tjk_focal)
    _rate(client, cycle, justification="Draft law tabled.")
    assert "Partially implemented → Substantially" not in client.get(_url(cycle)).text

    _rate(client, cycle, version=1, rating="substantially", justification="Law adopted.")

    history = client.get(_url(cycle)).text.replace("&rarr;", "→")
    assert "Partially implemented → Substantially implemented" in history
    assert "Draft law tabled. → Law adopted." in history


def test_preambular_or_unknown_paragraphs_have_no_rating_page(client, cycle, tjk_focal):
    client.force_login(tjk_focal)

    assert client.get(_url(cycle, number=17)).status_code == 404
