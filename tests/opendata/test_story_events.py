"""Each story's progress in the open data: its events in /api/v1/stories/<id> and in the events feed /api/v1/events
(oldest first, keyset pages, for incremental sync), and what the API shows of each change (due date, owner,
evidence, the author's verdict, overdue). Only what the story page shows: never a hidden change's events, never an
unchecked dispute, never a name or an address.

The story is taken through the loop by the services and the reminders job themselves, on the test clock."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.moderation import conversation, disputes
from app.replies import verdicts
from app.replies.models import Change
from app.stories import timeline as tl
from app.stories.models import Story
from app.stories.timeline import StoryEvent, record_event
from app.web.pagination import encode_cursor
from tests.conftest import PASSWORD, login
from tests.hardening.test_odd_numbers_and_dates import CLEAR, extreme_datetimes, odd_datetimes, odd_numbers
from tests.opendata.conftest import DISPUTE, api_all, api_pages, assert_problem, at, relative

FUZZ = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
NAMES = ["Sam Staff", "Ann Author", "Mo Derator", "Hal Manager", "@example.org", "@nhs.example", "HIDDEN CHANGE",
         "request_id", "response_status"]


def _steps(events: list[dict]) -> list[tuple]:
    return [(e["kind"], e["step"], e["provider"], e["count"], e["change_id"], e["due_on"]) for e in events]


def _expected(loop, disputed: bool) -> list[tuple]:
    planned, made = loop["planned"].id, loop["made"].id
    steps = [
        (tl.PUBLISHED, None, None, None, None, None),
        (tl.ALERTED, None, "W1", 1, None, None),
        (tl.REMINDED, 1, "W1", 1, None, None),
        (tl.ESCALATED, 2, "H1", 1, None, None),
        (tl.REPLIED, None, "W1", None, None, None),
        (tl.CHANGE_PLANNED, None, "W1", None, planned, "2026-03-24"),
        # (the hidden change's "change planned" is not here)
        (tl.CHANGE_MADE, None, "W1", None, made, None),
        (tl.CHANGE_DUE_REMINDED, 1, "W1", 1, planned, "2026-03-24"),
        (tl.CHANGE_DUE_REMINDED, 2, "W1", 1, planned, "2026-03-24"),
        (tl.CHANGE_OVERDUE, None, "W1", None, planned, "2026-03-24"),
    ]
    if disputed:
        steps += [(tl.DISPUTED, None, "W1", None, made, None), (tl.REOPENED, None, "W1", None, None, None)]
    return steps


def _detail(client, story) -> dict:
    response = client.get(f"/api/v1/stories/{story.id}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def _clean(text: str, where: str) -> None:
    for secret in NAMES:
        assert secret not in text, f"{secret!r} in {where}"


def test_the_story_carries_its_public_timeline_oldest_first(client, session, loop):
    events = _detail(client, loop["story"])["events"]
    assert _steps(events) == _expected(loop, disputed=False)
    times = [e["at"] for e in events]
    assert times == sorted(times) and times[0] == "2026-03-02T09:00:00Z" and times[-1] == "2026-03-25T09:00:00Z"
    assert all(e["story_id"] == loop["story"].id for e in events)
    assert len({e["id"] for e in events}) == len(events)
    # In the database the hidden change's event is there, and the step of a change reminder is change_id * 10 + n.
    stored = session.scalars(select(StoryEvent).where(StoryEvent.story_id == loop["story"].id)).all()
    assert len(stored) == len(events) + 1
    assert {e.step for e in stored if e.kind == tl.CHANGE_DUE_REMINDED} == {loop["planned"].id * 10 + 1,
                                                                           loop["planned"].id * 10 + 2}
    _clean(json.dumps(events), "the events")


def test_each_change_shows_its_due_date_owner_evidence_and_overdue_as_the_page_does(client, loop):
    changes = {c["id"]: c for c in _detail(client, loop["story"])["changes"]}
    assert set(changes) == {loop["planned"].id, loop["made"].id}  # never the hidden one
    planned, made = changes[loop["planned"].id], changes[loop["made"].id]
    assert {k: planned[k] for k in ("kind", "due_on", "owner", "evidence", "evidence_url", "verdict", "verdict_at",
                                    "dispute_text", "overdue")} == {
        "kind": "planned", "due_on": "2026-03-24", "owner": "Outpatients manager", "evidence": None,
        "evidence_url": None, "verdict": None, "verdict_at": None, "dispute_text": None, "overdue": True}
    assert {k: made[k] for k in ("kind", "made_on", "due_on", "owner", "evidence", "evidence_url", "overdue")} == {
        "kind": "made", "made_on": "2026-03-16", "due_on": None, "owner": None,
        "evidence": "The new letter template is on our website.", "evidence_url": "https://example.org/letters",
        "overdue": False}
    # The story page says the same of them.
    page = client.get(f"/stories/{loop['story'].id}").get_data(as_text=True)
    assert "owned by Outpatients manager" in page and "Overdue</span>" in page
    assert "https://example.org/letters" in page and "The new letter template is on our website." in page


def test_a_dispute_waiting_for_a_moderator_is_not_public_and_shows_once_checked(client, session, loop):
    body = _detail(client, loop["story"])
    made = next(c for c in body["changes"] if c["id"] == loop["made"].id)
    assert (made["verdict"], made["verdict_at"], made["dispute_text"]) == (None, None, None)
    assert DISPUTE not in json.dumps(body) and tl.DISPUTED not in [e["kind"] for e in body["events"]]

    disputes.publish(session, loop["moderator"], session.get(Change, loop["made"].id))
    session.commit()
    body = _detail(client, loop["story"])
    made = next(c for c in body["changes"] if c["id"] == loop["made"].id)
    assert (made["verdict"], made["verdict_at"], made["dispute_text"]) == ("disputed", "2026-03-26T09:00:00Z",
                                                                          DISPUTE)
    assert _steps(body["events"]) == _expected(loop, disputed=True)


def test_a_dispute_turned_down_and_a_confirmation_note_never_show(client, session, loop):
    made = session.get(Change, loop["made"].id)
    disputes.reject(session, loop["moderator"], made, "It names a member of staff.")
    session.commit()
    body = _detail(client, loop["story"])
    shown = next(c for c in body["changes"] if c["id"] == made.id)
    assert (shown["verdict"], shown["dispute_text"]) == (None, None) and DISPUTE not in json.dumps(body)
    # A confirmation has no words in public, even if a note were left over in the row.
    verdicts.record_verdict(session, loop["author"], made, "confirmed", "")
    made.verdict_note = "PRIVATE leftover note"
    session.commit()
    body = _detail(client, loop["story"])
    shown = next(c for c in body["changes"] if c["id"] == made.id)
    assert (shown["verdict"], shown["verdict_at"], shown["dispute_text"]) == ("confirmed", "2026-03-26T09:00:00Z",
                                                                            None)
    assert "PRIVATE" not in json.dumps(body)
    assert body["events"][-1]["kind"] == tl.CONFIRMED


def test_hiding_a_change_takes_its_events_out_and_restoring_brings_them_back(client, session, loop):
    planned = session.get(Change, loop["planned"].id)
    conversation.hide(session, loop["moderator"], planned, "Checking with the provider.")
    session.commit()
    for events in (_detail(client, loop["story"])["events"], api_all(client, "/api/v1/events?limit=100")):
        assert loop["planned"].id not in {e["change_id"] for e in events}
        assert tl.CHANGE_OVERDUE not in {e["kind"] for e in events}
    conversation.restore(session, loop["moderator"], planned, "The provider confirmed it.")
    session.commit()
    assert _steps(_detail(client, loop["story"])["events"]) == _expected(loop, disputed=False)


def test_an_event_pointing_at_a_change_of_another_story_or_at_none_is_not_public(
        client, session, loop, tree, make_story):
    other = make_story(tree["ward"], status="published", title="Another story")
    record_event(session, other, tl.CHANGE_MADE, provider=tree["ward"], detail={"change_id": loop["made"].id})
    record_event(session, other, tl.CONFIRMED, provider=tree["ward"], detail={})
    record_event(session, other, tl.CHANGE_OVERDUE, provider=tree["ward"], detail={"change_id": "1"})
    session.commit()
    assert _detail(client, other)["events"] == []
    assert api_all(client, f"/api/v1/events?story_id={other.id}") == []


# ---------------------------------------------------------------- the events feed

def test_the_feed_pages_every_public_event_once_oldest_first(client, session, loop):
    pages = api_pages(client, "/api/v1/events?limit=3")
    events = [e for page in pages for e in page["data"]]
    assert len(pages) == 4 and all(len(p["data"]) <= 3 for p in pages)
    assert events == _detail(client, loop["story"])["events"]  # the same objects, in the same order
    assert pages[0]["licence"]["id"] == "CC-BY-4.0"
    assert "limit=3" in pages[0]["links"]["next"]


def test_a_sync_client_sees_new_events_after_its_last_page_and_nothing_twice(client, session, clock, loop):
    seen, url = [], "/api/v1/events?limit=4"
    while True:
        body = client.get(url).get_json()
        seen += body["data"]
        if not body["links"]["next"]:
            break
        url = relative(body["links"]["next"])
    last = seen[-1]
    # The dispute a moderator lets through later: asking from the last event's time gives it, and the last one again.
    clock.set(at(27))
    disputes.publish(session, loop["moderator"], session.get(Change, loop["made"].id))
    session.commit()
    newer = api_all(client, f"/api/v1/events?since={last['at']}")
    assert [e["id"] for e in newer][0] == last["id"]
    assert [e["kind"] for e in newer[1:]] == [tl.DISPUTED, tl.REOPENED]
    assert len({e["id"] for e in seen + newer[1:]}) == len(seen) + 2


def test_filters_by_time_story_and_kind(client, session, loop, tree, make_story):
    other = make_story(tree["ward"], status="published")
    record_event(session, other, tl.PUBLISHED, step=0, at=other.published_at)
    session.commit()
    story_id = loop["story"].id
    assert {e["story_id"] for e in api_all(client, "/api/v1/events")} == {story_id, other.id}
    only = api_all(client, f"/api/v1/events?story_id={story_id}")
    assert only == _detail(client, loop["story"])["events"]
    kinds = api_all(client, "/api/v1/events?kind=change_due_reminded")
    assert [(e["step"], e["at"]) for e in kinds] == [(1, "2026-03-17T09:00:00Z"), (2, "2026-03-24T09:00:00Z")]
    assert [e["kind"] for e in api_all(client, "/api/v1/events?since=2026-03-24T09:00:00Z")] == [
        tl.CHANGE_DUE_REMINDED, tl.CHANGE_OVERDUE, tl.PUBLISHED]
    # An offset is a time like any other: 10:00 at +01:00 is 09:00 UTC.
    assert [e["kind"] for e in api_all(client, "/api/v1/events?since=2026-03-25T10:00:00%2B01:00")] == [
        tl.CHANGE_OVERDUE, tl.PUBLISHED]
    assert api_all(client, f"/api/v1/events?story_id={story_id}&kind=escalated&since=2026-03-01")[0]["step"] == 2
    assert api_all(client, "/api/v1/events?since=9999-12-31T23:59:59Z") == []
    assert len(api_all(client, "/api/v1/events?since=0001-01-01")) == len(_expected(loop, False)) + 1


@pytest.mark.parametrize("params", [
    {"unknown": "1"}, {"updated_since": "2026-01-01"}, {"since": "yesterday"}, {"since": "2026-03-02\u200b"},
    {"story_id": "0"}, {"story_id": "-1"}, {"story_id": "2147483648"}, {"story_id": "\u0663"}, {"kind": "nope"},
    {"kind": "Published"}, {"limit": "0"}, {"limit": "101"}, {"cursor": "garbage!"},
    {"cursor": encode_cursor([1, 2, 3])},
])
def test_bad_parameters_are_400_problems(client, loop, params):
    body = assert_problem(client.get("/api/v1/events", query_string=params), 400)
    assert body["detail"] and body["parameter"] == next(iter(params))


@pytest.mark.parametrize("key", [["2026-03-02T09:00:00+00:00", 2**40], ["soon", 1], ["9999-12-31T23:59:59", 1],
                                 ["0001-01-01T00:00:00-05:00", 1], [1, "x"]])
def test_a_forged_cursor_of_the_right_shape_starts_the_list_again_as_in_the_stories_list(client, loop, key):
    for path, query in (("/api/v1/events", {}), ("/api/v1/stories", {"updated_since": "2000-01-01"})):
        response = client.get(path, query_string={"cursor": encode_cursor(key), **query})
        assert response.status_code == 200, response.get_data(as_text=True)


def test_events_of_stories_not_public_now_are_never_in_the_feed(client, session, loop, tree, make_story):
    """Pending, rejected, hidden and withdrawn stories' events (however they came to be written) stay out."""
    secrets = [make_story(tree["ward"], status=status, title=f"UNPUBLISHED {status}")
               for status in ("pending", "rejected", "hidden", "withdrawn")]
    for story in secrets:
        record_event(session, story, tl.PUBLISHED, step=0)
        record_event(session, story, tl.REMINDED, step=1, provider=tree["ward"], count=3)
    session.commit()
    listed = api_all(client, "/api/v1/events?limit=100")
    assert {e["story_id"] for e in listed} == {loop["story"].id}
    for story in secrets:
        assert api_all(client, f"/api/v1/events?story_id={story.id}") == []
        assert client.get(f"/api/v1/stories/{story.id}").status_code in (404, 410)


def test_a_withdrawn_story_leaves_the_feed_and_its_tombstone_tells_the_sync_client(client, session, clock, loop):
    story = loop["story"]
    clock.set(at(27))
    session.get(Story, story.id).status = "withdrawn"
    session.commit()
    assert api_all(client, "/api/v1/events") == []
    assert api_all(client, f"/api/v1/events?story_id={story.id}") == []
    tombstones = api_all(client, "/api/v1/stories?updated_since=2026-03-24T00:00:00Z")
    assert tombstones == [{"id": story.id, "status": "withdrawn", "updated_at": "2026-03-27T09:00:00Z",
                           "tombstone": True}]
    assert client.get(f"/api/v1/stories/{story.id}").status_code == 410
    # The OpenAPI document tells a client so.
    described = client.get("/api/v1/openapi.json").get_json()["paths"]["/events"]["get"]["description"]
    assert "tombstone in /stories?updated_since" in described


def test_moderators_staff_and_visitors_get_the_same_events(app, client, loop):
    expected = client.get("/api/v1/events?limit=100").get_data()
    for email in ("mod@example.org", "ward@nhs.example", "author@example.org"):
        other = app.test_client()
        login(other, email, PASSWORD)
        assert other.get("/api/v1/events?limit=100").get_data() == expected


def test_the_feed_reads_a_page_in_a_fixed_number_of_queries(client, session, loop, tree, make_story,
                                                            count_queries):
    for i in range(30):
        story = make_story(tree["ward"] if i % 2 else tree["hospital"], status="published")
        record_event(session, story, tl.PUBLISHED, step=0)
        record_event(session, story, tl.ALERTED, provider=story.provider, count=i)
    session.commit()
    with count_queries() as log:
        body = client.get("/api/v1/events?limit=50").get_json()
    assert len(body["data"]) == 50
    selects = [s for s in log.statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, selects  # the page of events, and their providers
    assert "FROM story_events JOIN stories" in selects[0]


def test_no_name_and_no_address_in_the_events_nor_anything_private_in_the_story(client, loop):
    _clean(client.get("/api/v1/events?limit=100").get_data(as_text=True), "the feed")
    body = _detail(client, loop["story"])
    _clean(json.dumps(body["events"]), "the story's events")
    # The conversation names its responders, as published; never an address, never the hidden change.
    text = json.dumps(body)
    for secret in ("@example.org", "@nhs.example", "HIDDEN CHANGE", DISPUTE, "Ann Author", "Mo Derator"):
        assert secret not in text, secret


def test_every_public_event_is_on_the_story_page(client, session, loop):
    page = client.get(f"/stories/{loop['story'].id}").get_data(as_text=True)
    events = _detail(client, loop["story"])["events"]
    for kind in {e["kind"] for e in events}:
        assert f'class="timeline-{kind}"' in page, kind



# ---------------------------------------------------------------- odd numbers and dates (as tests/hardening does)

@pytest.mark.parametrize("name, kind", [("story_id", "number"), ("limit", "number"), ("since", "datetime")])
@FUZZ
@given(data=st.data())
def test_an_odd_number_or_time_is_a_clear_400_and_the_years_1_and_9999_are_answered(client, loop, name, kind, data):
    odd = data.draw(odd_numbers if kind == "number" else odd_datetimes, label=name)
    response = client.get("/api/v1/events", query_string={name: odd})
    body = assert_problem(response, 400)
    assert body["parameter"] == name and any(phrase in body["detail"] for phrase in CLEAR)
    if kind == "datetime":
        extreme = data.draw(extreme_datetimes, label="extreme")
        assert client.get("/api/v1/events", query_string={name: extreme}).status_code == 200, extreme
    for empty in ("", " "):  # as if absent
        assert client.get("/api/v1/events", query_string={name: empty}).status_code == 200
