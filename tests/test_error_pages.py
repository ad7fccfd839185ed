from django.urls import reverse


def test_a_missing_page_says_so_in_the_site_layout(client, secretariat):
    client.force_login(secretariat)

    response = client.get("/tracking/actions/999999/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert reverse("home") in response.content.decode()


def test_a_forbidden_page_explains_the_role_limit(client, tjk_viewer):
    client.force_login(tjk_viewer)

    response = client.get(reverse("tracking:matrix"))

    assert response.status_code == 403
    assert "Your role does not allow this" in response.content.decode()
