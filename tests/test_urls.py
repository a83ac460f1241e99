import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_api_url_answers_in_json(researcher_client):
    response = researcher_client.get("/api/v1/tallies/0.5/review/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_page_answers_in_html(researcher_client):
    response = researcher_client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
