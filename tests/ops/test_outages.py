"""Outages survived: with Redis unreachable, logging in, telling a story and the API answer as usual (limits
counted in each process's memory, logged loudly); with the database unreachable, pages answer 503 with
Retry-After and the log holds one line per failure, not a traceback per request."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from app.stories.models import Story
from tests.conftest import PASSWORD, _free_port, login, make_app
from tests.stories.test_one_telling import fresh_key
from tests.stories.test_tell import form_data

DEAD_REDIS = f"redis://127.0.0.1:{_free_port()}"


@pytest.fixture
def ward(make_provider):
    trust = make_provider(code="T1", name="Test Trust", kind="trust")
    hospital = make_provider(code="H1", name="Test Hospital", parent=trust)
    return make_provider(code="W1", name="Ward One", kind="department", parent=hospital)


@pytest.mark.settings(RATELIMIT_STORAGE_URI=DEAD_REDIS)
def test_login_telling_and_the_api_work_with_redis_unreachable(client, session, ward, make_user, caplog):
    make_user(email="someone@example.org")
    with caplog.at_level(logging.WARNING):
        login(client, "someone@example.org", PASSWORD)
        client.post("/account/logout")
        told = client.post("/tell", data=form_data(submission_key=fresh_key(client)))
        assert told.status_code == 302, told.get_data(as_text=True)[:1000]
        assert session.scalar(select(func.count(Story.id))) == 1
        api = client.get("/api/v1/providers")
        assert api.status_code == 200 and api.get_json()["data"]
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR and "RATELIMIT_STORAGE_URI" in r.getMessage()]
    assert loud, [r.getMessage() for r in caplog.records]
    assert "in-memory" in loud[0].getMessage() or "memory" in loud[0].getMessage()


@pytest.mark.settings(RATELIMIT_STORAGE_URI=DEAD_REDIS, RATELIMIT_LOGIN="3 per minute")
def test_with_redis_unreachable_limits_still_hold_in_each_process(client, make_user):
    make_user(email="target@example.org")
    answers = [client.post("/account/login", data={"email": "target@example.org", "password": "wrong guess"})
               .status_code for _ in range(4)]
    assert answers[:3] == [200, 200, 200] and answers[3] == 429, answers


@pytest.fixture
def unreachable_database(tmp_path, smtp_server):
    """The site pointed at a PostgreSQL port nothing listens on: every connection is refused, as while the
    server restarts."""
    app = make_app(f"postgresql+psycopg://storyloop@127.0.0.1:{_free_port()}/storyloop", tmp_path,
                   SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    return app


@pytest.mark.parametrize("path", ["/", "/stories", "/providers/T1", "/api/v1/stories", "/feeds/stories.atom"])
def test_pages_answer_503_with_retry_after_while_the_database_is_unreachable(unreachable_database, path, caplog):
    client = unreachable_database.test_client()
    with caplog.at_level(logging.INFO):
        response = client.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert errors[0].exc_info is None and "Traceback" not in errors[0].getMessage()
    assert errors[0].getMessage().startswith(f"database unavailable on GET {path}: OperationalError: ")


def test_a_story_posted_while_the_database_is_unreachable_is_a_503_that_says_to_go_back(unreachable_database,
                                                                                     caplog):
    unreachable_database.config["WTF_CSRF_ENABLED"] = False
    client = unreachable_database.test_client()
    with caplog.at_level(logging.INFO):
        response = client.post("/tell", data=form_data(submission_key="k" * 32))
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    page = response.get_data(as_text=True)
    assert "Nothing you sent was saved" in page and "go back" in page
    assert "someone@example.org" not in "".join(r.getMessage() for r in caplog.records)


def test_healthz_says_the_database_is_unavailable(unreachable_database):
    response = unreachable_database.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "error"


def test_readyz_says_the_database_does_not_answer(unreachable_database):
    response = unreachable_database.test_client().get("/readyz")
    assert response.status_code == 503
    assert "The database does not answer." in response.get_json()["problems"]


def test_a_signed_in_visitor_gets_the_503_too_though_the_page_cannot_load_their_account(unreachable_database):
    client = unreachable_database.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = "1:abc"  # the page would look the account up: the database is not there
    response = client.get("/stories")
    assert response.status_code == 503 and "Nothing you sent was saved" in response.get_data(as_text=True)
