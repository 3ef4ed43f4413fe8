"""The API's headers as clients expect them: Retry-After only on 429 and 503 (the rate limiter would put it on
every answer), and CORS lets a browser elsewhere read the rate limit's headers with ETag, Link and Retry-After."""
from __future__ import annotations

import pytest

from app.opendata.api import RATE_LIMIT_HEADERS

EXPOSED = {"etag", "link", "retry-after", *(h.lower() for h in RATE_LIMIT_HEADERS)}


def _answers(client, record) -> dict[str, object]:
    """One answer of every kind the API gives: each list and item, a 304, a 400, a 404, a 405, a 410, a
    preflight."""
    story = record["published"].id
    withdrawn = record["secrets"]["withdrawn"].id
    answers = {url: client.get(url) for url in (
        "/api/v1/stories", f"/api/v1/stories/{story}", "/api/v1/stories?updated_since=2000-01-01T00:00:00Z",
        "/api/v1/providers", "/api/v1/providers/W1", "/api/v1/providers/W1/insight", "/api/v1/events",
        "/api/v1/openapi.json", "/api/v1/stories?limit=0", "/api/v1/stories?nonsense=1", "/api/v1/providers/NOPE",
        f"/api/v1/stories/{withdrawn}")}
    etag = answers["/api/v1/stories"].headers["ETag"]
    answers["304"] = client.get("/api/v1/stories", headers={"If-None-Match": etag})
    answers["POST"] = client.post("/api/v1/stories", csrf=False)
    answers["OPTIONS"] = client.options("/api/v1/stories", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"})
    return answers


def test_no_answer_but_429_and_503_carries_retry_after(client, record):
    answers = _answers(client, record)
    statuses = {response.status_code for response in answers.values()}
    assert {200, 304, 400, 404, 405} <= statuses
    for name, response in answers.items():
        assert "Retry-After" not in response.headers, (name, response.status_code)
        assert response.status_code not in (429, 503)


def test_every_answer_lets_a_browser_read_the_rate_limit_and_the_validators(client, record):
    for name, response in _answers(client, record).items():
        exposed = {h.strip().lower() for h in response.headers.get("Access-Control-Expose-Headers", "").split(",")}
        assert EXPOSED <= exposed, (name, exposed)
        assert response.headers["Access-Control-Allow-Origin"] == "*", name
    listed = client.get("/api/v1/stories")
    assert all(listed.headers.get(h) for h in RATE_LIMIT_HEADERS)  # what is exposed is really sent


@pytest.mark.settings(RATELIMIT_API="2 per minute")
def test_the_429_keeps_its_retry_after_and_exposes_it(client, record):
    codes = [client.get("/api/v1/providers").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.get("/api/v1/providers")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert "Retry-After" in limited.headers["Access-Control-Expose-Headers"]
    assert limited.headers["X-RateLimit-Remaining"] == "0"


@pytest.mark.settings(RATELIMIT_LOGIN="50 per minute")
def test_the_site_pages_the_limiter_watches_carry_no_retry_after_either(client):
    response = client.post("/account/login", data={"email": "nobody@example.org", "password": "wrong"})
    assert response.status_code in (200, 400) and "Retry-After" not in response.headers
    assert response.headers.get("X-RateLimit-Limit")  # the limiter did watch it
