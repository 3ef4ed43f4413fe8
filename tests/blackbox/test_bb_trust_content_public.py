"""Black-box attack tests for issue 17, what is public: public means public now, what moves updated_at, and
odd numbers and dates that must never be a 500.

Written from the issue text and README only; every step goes through the site's pages, API, feeds, CSVs and mail.
"""
from __future__ import annotations

import re

import pytest

from tests.blackbox.conftest import (
    BODY,
    api_story,
    is_public,
    main_text,
    moderate,
    published,
    report,
    signed,
    tell,
)

# ---------------------------------------------------------------- public means public now

@pytest.mark.parametrize("how", ["withdraw", "hide"])
def test_search_never_shows_a_story_taken_out_of_view_while_the_worker_is_stopped(app, session, tree, people,
                                                                                  make_story, deliver, how):
    story = make_story(tree["ward"], author=people["author"], status="pending", title="Zebracorn parking",
                       body="The zebracorn parking meters were broken all week. " + BODY)
    mod = signed(app, "mod@example.org")
    moderate(mod, story)
    deliver()  # the worker indexes it
    client = app.test_client()
    assert "Zebracorn" in main_text(client.get("/search?q=zebracorn"))
    if how == "withdraw":
        author = signed(app, "author@example.org")
        assert author.post(f"/my/stories/{story.id}/withdraw").status_code == 302
    else:
        assert moderate(mod, story, "hide", reason="reported").status_code == 302
    # the worker is stopped: no deliver()
    result = main_text(client.get("/search?q=zebracorn"))
    assert "Zebracorn" not in result
    assert "Zebracorn" not in main_text(client.get("/search?q=parking"))


# ---------------------------------------------------------------- updated_at

def test_reading_a_story_moves_nothing(app, session, tree, people, make_story, make_user):
    story = published(make_story, tree, people, title="Read me")
    before = api_story(app, story)
    feed_before = app.test_client().get("/feeds/stories.atom").get_data(as_text=True)
    since = before.get("updated_at") or before.get("data", {}).get("updated_at")
    assert since
    for client in (app.test_client(), signed(app, "staff@example.org"), signed(app, "mod@example.org"),
                   signed(app, "author@example.org")):
        client.get(f"/stories/{story.id}")
        client.get(f"/api/v1/stories/{story.id}")
    mod = signed(app, "mod@example.org")
    mod.get(f"/moderation/stories/{story.id}")
    mod.post(f"/moderation/stories/{story.id}/claim", data={"claim-csrf_token": mod.csrf_token()})
    after = api_story(app, story)
    assert (after.get("updated_at") or after.get("data", {}).get("updated_at")) == since
    feed_after = app.test_client().get("/feeds/stories.atom").get_data(as_text=True)
    assert re.findall(r"<updated>[^<]+</updated>", feed_before) == re.findall(r"<updated>[^<]+</updated>",
                                                                              feed_after)
    sync = app.test_client().get("/api/v1/stories", query_string={"updated_since": since}).get_json()
    ids = [item.get("id") for item in sync.get("data", sync.get("items", []))]
    assert ids in ([], [story.id])  # at most the story itself if updated_since is inclusive


def test_a_report_does_not_move_updated_at(app, tree, people, make_story):
    story = published(make_story, tree, people)
    since = api_story(app, story)["updated_at"]
    report(app, story, "198.51.100.1")
    assert api_story(app, story)["updated_at"] == since


# ---------------------------------------------------------------- odd numbers and dates

ODD_PATHS = ["/stories/\u00b2", "/stories/99999999999999999999", "/stories/-1", "/stories/0",
             "/stories/\u0661\u0662", "/api/v1/stories/\u00b2", "/api/v1/stories/99999999999999999999",
             "/replies/99999999999999999999/edit", "/stories/99999999999999999999/report",
             "/my/stories/99999999999999999999/correction", "/moderation/stories/99999999999999999999",
             "/moderation/replies/99999999999999999999", "/tell/thanks/99999999999999999999"]
ODD_VALUES = ["\u00b2", "\u0661\u0662", "99999999999999999999", "-99999999999999999999", "", " 1", "1e3", "0x10",
              "9223372036854775808", "NaN", "\uff11"]
ODD_DATES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31", "0001-01-01",
             "0000-01-01", "10000-01-01", "2025-02-30", "\u0662\u0660\u0662\u0665-01-01", "2025-01-01T25:00:00",
             "", "2025-01-01T00:00:00+99:00"]


@pytest.mark.parametrize("path", ODD_PATHS)
def test_odd_ids_in_paths_are_404_not_500(app, people, path):
    client = signed(app, "mod@example.org")
    response = client.get(path)
    assert response.status_code in (302, 403, 404), (path, response.status_code)


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_numbers_in_parameters_are_never_500(app, tree, people, make_story, value):
    published(make_story, tree, people)
    client = app.test_client()
    for path, name in [("/stories", "criticality"), ("/stories", "after"), ("/stories", "page"),
                       ("/api/v1/stories", "limit"), ("/api/v1/stories", "criticality"),
                       ("/api/v1/stories", "cursor"), ("/api/v1/providers/W1", "period_days"),
                       ("/search", "page"), ("/search", "criticality"), ("/compare", "months"),
                       ("/stories/1/report", "reply")]:
        response = client.get(path, query_string={name: value})
        assert response.status_code < 500, (path, name, value, response.status_code)


@pytest.mark.parametrize("value", ODD_DATES)
def test_odd_dates_in_parameters_are_never_500(app, tree, people, make_story, value):
    published(make_story, tree, people)
    client = app.test_client()
    for path, name in [("/stories", "published_from"), ("/stories", "published_to"), ("/stories", "after"),
                       ("/api/v1/stories", "published_since"), ("/api/v1/stories", "updated_since"),
                       ("/api/v1/providers/W1", "period_from"), ("/search", "published_from"),
                       ("/search", "published_to")]:
        response = client.get(path, query_string={name: value})
        assert response.status_code < 500, (path, name, value, response.status_code)
        if path.startswith("/api") and value and response.status_code == 400:
            assert name in response.get_data(as_text=True)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
@pytest.mark.parametrize("value", ["\u0662\u0660\u0662\u0665-01-01", "9999-12-31", "0001-01-01", "2025-13-01",
                                   "99999999999999999999"])
def test_odd_dates_in_forms_are_never_500(app, tree, people, make_story, value):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    response = staff.post(f"/stories/{story.id}/changes",
                          data={"kind": "made", "description": "We changed the letters.", "made_on": value})
    assert response.status_code < 500
    teller = app.test_client()
    for month, year in [("\u00b2", "2025"), ("3", "\u0662\u0660\u0662\u0665"), ("99999999999999999999", "2025"),
                        ("3", "9999"), ("", "")]:
        response = tell(teller, month=month, year=year, key=f"{month}{year}".encode().hex()[:32].ljust(32, "z"))
        assert response.status_code < 500, (month, year)


def test_two_moderators_on_one_story_get_it_changed(app, tree, people, make_story, make_user):
    story = make_story(tree["ward"], author=people["author"], status="pending")
    make_user(email="mod2@example.org", moderator=True)
    one, two = signed(app, "mod@example.org"), signed(app, "mod2@example.org")
    two.get(f"/moderation/stories/{story.id}")
    assert moderate(one, story).status_code == 302
    token = two.csrf_token()
    response = two.post(f"/moderation/stories/{story.id}/reject", data={
        "reject-csrf_token": token, "reject-version": "1", "reject-reason_code": "other", "reject-note": "no"})
    assert response.status_code == 409
    assert is_public(app, story)
