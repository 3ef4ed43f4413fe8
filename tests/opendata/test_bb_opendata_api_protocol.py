"""Black-box tests of Storyloop's JSON API protocol: problem documents, CORS, caching, rate limits, OpenAPI.

Written from the issue's spec only; the site is observed through the test client and the CLI.
"""
from __future__ import annotations

import json

import pytest

from tests.opendata.conftest import CC_BY_URL, assert_clean, assert_problem, withdraw_as_author

# ---------------------------------------------------------------- API: protocol

def test_problem_json_for_404s(client, record):
    assert_problem(client.get("/api/v1/stories/999999"), 404)
    assert_problem(client.get("/api/v1/providers/NOSUCH"), 404)
    assert_problem(client.get("/api/v1/no-such-endpoint"), 404)


def test_non_integer_story_id_is_problem_json(client, record):
    response = client.get("/api/v1/stories/abc")
    assert response.status_code in (400, 404)
    assert response.mimetype == "application/problem+json"


def test_cors_open_for_get(client, record):
    for url in ["/api/v1/stories", f"/api/v1/stories/{record['published'].id}", "/api/v1/providers",
                "/api/v1/providers/T1", "/api/v1/openapi.json"]:
        response = client.get(url, headers={"Origin": "https://research.example"})
        assert response.headers.get("Access-Control-Allow-Origin") == "*", url
        assert response.headers.get("Access-Control-Allow-Credentials") != "true"


def test_cors_on_api_errors(client, record):
    for url in ["/api/v1/stories/999999", "/api/v1/stories?limit=0"]:
        response = client.get(url, headers={"Origin": "https://research.example"})
        assert response.headers.get("Access-Control-Allow-Origin") == "*", url


def test_options_preflight_has_cors(client, record):
    response = client.options("/api/v1/stories", headers={
        "Origin": "https://research.example", "Access-Control-Request-Method": "GET"})
    assert response.status_code in (200, 204)
    assert response.headers.get("Access-Control-Allow-Origin") == "*"
    assert "GET" in response.headers.get("Access-Control-Allow-Methods", "")


def test_preflight_allows_the_conditional_request_header(client, record):
    response = client.options("/api/v1/stories", headers={
        "Origin": "https://research.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    allowed = response.headers.get("Access-Control-Allow-Headers", "").lower()
    assert "if-none-match" in allowed or allowed.strip() == "*"


def test_head_works_on_api_feed_and_zip(client, record, deliver):
    deliver()
    for url in ["/api/v1/stories", f"/api/v1/stories/{record['published'].id}", "/api/v1/providers/T1",
                "/feeds/stories.atom", "/data/storyloop-dataset.zip"]:
        get = client.get(url)
        head = client.head(url)
        assert head.status_code == 200, url
        assert head.data == b"", url
        assert head.headers.get("Content-Type") == get.headers.get("Content-Type"), url
        if get.headers.get("ETag"):
            assert head.headers.get("ETag") == get.headers.get("ETag"), url


def test_etag_and_304(client, record):
    for url in ["/api/v1/stories", f"/api/v1/stories/{record['published'].id}", "/api/v1/providers",
                "/api/v1/providers/T1"]:
        first = client.get(url)
        etag = first.headers.get("ETag")
        assert etag, url
        second = client.get(url, headers={"If-None-Match": etag})
        assert second.status_code == 304, url
        assert second.data == b""
        assert second.headers.get("ETag") == etag, "304 must repeat the ETag"
        assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_etag_changes_when_content_changes(app, client, record, make_story):
    url = "/api/v1/stories"
    etag = client.get(url).headers["ETag"]
    withdraw_as_author(app, record["published"].id, "hidden-author@example.org")
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200, "withdrawn story still served from a cached 304"
    etag2 = response.headers["ETag"]
    make_story(record["trust"], status="published", title="Fresh")
    assert client.get(url, headers={"If-None-Match": etag2}).status_code == 200


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_API": "2 per minute"}])
def test_rate_limit_429_with_retry_after(client, record):
    codes = [client.get("/api/v1/stories").status_code for _ in range(2)]
    assert codes == [200, 200]
    limited = client.get("/api/v1/stories", headers={"Origin": "https://research.example"})
    body = assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers.get("Access-Control-Allow-Origin") == "*"
    assert_clean(json.dumps(body), "429")
    other = client.get("/api/v1/stories", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200, "the limit is per client address"


def test_openapi_document_validates(client, record):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    paths = set(document["paths"])
    for needed in ["/stories", "/stories/{id}", "/providers", "/providers/{code}"]:
        assert any(p.endswith(needed) for p in paths), needed
    assert_clean(json.dumps(document), "openapi")


def test_api_responses_match_their_openapi_schemas(client, record):
    import jsonschema

    document = client.get("/api/v1/openapi.json").get_json()

    def schema_for(path: str) -> dict:
        key = next(p for p in document["paths"] if p.endswith(path))
        content = document["paths"][key]["get"]["responses"]["200"]["content"]["application/json"]
        return {**content["schema"], "components": document["components"]}

    cases = [("/stories", "/api/v1/stories"),
             ("/stories", "/api/v1/stories?updated_since=2000-01-01T00:00:00Z"),
             ("/stories/{id}", f"/api/v1/stories/{record['published'].id}"),
             ("/providers", "/api/v1/providers"),
             ("/providers/{code}", "/api/v1/providers/T1")]
    for path, url in cases:
        jsonschema.Draft202012Validator(schema_for(path)).validate(client.get(url).get_json())


def test_licence_in_every_api_response(client, record):
    urls = ["/api/v1/stories", "/api/v1/stories?provider=T1", "/api/v1/stories?tag=improve-parking",
            "/api/v1/stories?updated_since=2000-01-01T00:00:00Z", f"/api/v1/stories/{record['published'].id}",
            "/api/v1/providers", "/api/v1/providers/T1", "/api/v1/providers/W1"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        licence = response.get_json()["licence"]
        assert licence["id"] == "CC-BY-4.0", url
        assert CC_BY_URL in licence["url"], url
    info = client.get("/api/v1/openapi.json").get_json()["info"]
    assert "CC-BY-4.0" in json.dumps(info.get("license", {}))


def test_no_secret_in_any_api_response(client, record):
    urls = ["/api/v1/stories?limit=100", "/api/v1/stories?updated_since=2000-01-01T00:00:00Z&limit=100",
            "/api/v1/stories?provider=W1", "/api/v1/providers?limit=100", "/api/v1/providers/T1",
            "/api/v1/providers/W1", "/api/v1/providers?q=Trust", "/api/v1/openapi.json"]
    ids = [record["published"].id, record["other"].id] + [s.id for s in record["secrets"].values()]
    urls += [f"/api/v1/stories/{i}" for i in ids]
    for url in urls:
        assert_clean(client.get(url).get_data(as_text=True), url)


# ---------------------------------------------------------------- more edges

def test_if_none_match_with_a_list_of_etags(client, record):
    etag = client.get("/api/v1/stories").headers["ETag"]
    assert client.get("/api/v1/stories", headers={"If-None-Match": f'"older", {etag}'}).status_code == 304
    assert client.get("/api/v1/stories", headers={"If-None-Match": "*"}).status_code == 304


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_API": "2 per minute"}])
def test_rate_limit_is_shared_across_api_endpoints(client, record):
    assert client.get("/api/v1/stories").status_code == 200
    assert client.get("/api/v1/providers").status_code == 200
    assert_problem(client.get("/api/v1/providers/T1"), 429)


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_API": "2 per minute"}])
def test_rate_limit_cannot_be_dodged_with_a_forged_x_forwarded_for(client, record):
    codes = [client.get("/api/v1/stories", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
             for i in range(4)]
    assert codes[:2] == [200, 200]
    assert codes[2:] == [429, 429], codes
