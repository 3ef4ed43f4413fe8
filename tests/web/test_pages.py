"""Pages, headers, errors and the health check."""


def test_home_page_renders_with_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Tell your story" in response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_footer_names_the_content_licence(client):
    page = client.get("/").get_data(as_text=True)
    assert "CC-BY-4.0" in page
    assert "https://creativecommons.org/licenses/by/4.0/" in page


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused_with_400(client):
    response = client.post("/account/login", data={"email": "a@example.org", "password": "x" * 12}, csrf=False)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_reading_sets_no_cookie_and_a_form_sets_an_httponly_lax_one(client, tree, make_story):
    story = make_story(tree["ward"], status="published")
    for page in ("/", "/stories", "/terms", "/providers", "/providers/T1", "/providers/T1/insight",
                 f"/stories/{story.id}", "/compare?kind=hospital", "/api/v1/stories"):
        assert "Set-Cookie" not in client.get(page).headers, page
    assert client.get_cookie("session") is None
    client.get("/account/login")  # a form: its CSRF token lives in the session
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_login_required_page_sends_anonymous_visitors_to_log_in_and_back(client, make_user):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=/account/password"
    make_user(email="back@example.org")
    response = client.post("/account/login", data={"email": "back@example.org", "password": "correct horse battery",
                                                   "next": "/account/password"})
    assert response.headers["Location"] == "/account/password"


def test_body_over_the_limit_gets_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/account/login", data={"email": "a@example.org", "password": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_secure_cookies_when_the_site_is_served_over_https(database_url, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path, SITE_URL="https://storyloop.example")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    plain = make_app(database_url, tmp_path, SITE_URL="http://127.0.0.1:5000")
    assert not plain.config["SESSION_COOKIE_SECURE"]


def test_ids_beyond_an_integer_column_are_404_not_500(client):
    assert client.get("/stories/767163155807214235549696").status_code == 404
    assert client.get("/api/v1/stories/767163155807214235549696").status_code == 404
    assert client.get("/stories/2147483647").status_code == 404


def test_wrong_method_is_a_friendly_405_that_says_what_is_allowed(client):
    response = client.delete("/stories")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "That is not allowed here" in response.get_data(as_text=True)
