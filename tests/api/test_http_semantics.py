"""HTTP as a REST client relies on it: a wrong method says which ones the URL takes."""


def test_a_wrong_method_is_a_405_naming_the_methods_the_url_takes(admin):
    response = admin.client.delete("/api/v1/instances", headers=admin._headers())
    assert response.status_code == 405 and response.json["error"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "GET" in response.json["message"] and response.json["details"]["allowed"] == ["GET"]


def test_a_wrong_method_on_an_inbox_page_also_says_which_ones_it_takes(client):
    response = client.delete("/login")
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))
