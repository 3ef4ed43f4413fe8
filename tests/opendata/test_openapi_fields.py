"""Every field the OpenAPI document describes appears in the API's real answers, and nothing else does: walked
schema by schema over a world that has every kind of content (a story through the whole loop, a tombstone, an
edited reply), so a field documented but never sent, or sent but not documented, fails here. The fields this
release added (events, the changes' due dates, evidence and verdicts, the working-day statistics) must also carry
a value somewhere, so that the test does not pass on nulls alone."""
from __future__ import annotations

import pytest

from app.admin import providers
from app.moderation import disputes, fixing
from app.replies.models import Change, Reply
from tests.opendata.conftest import at

NEW_FIELDS = {
    "StoryDetail.events[]": {"id", "story_id", "kind", "at", "step", "provider", "count", "change_id", "due_on"},
    "StoryDetail.changes[]": {"due_on", "owner", "evidence", "evidence_url", "verdict", "verdict_at", "dispute_text",
                              "overdue"},
    "ProviderDetail.statistics": {
        "replied_within_5_working_days", "still_within_5_working_days", "share_replied_within_5_working_days",
        "replied_within_20_working_days", "still_within_20_working_days", "share_replied_within_20_working_days",
        "median_working_days_to_first_reply", "changes_confirmed", "changes_disputed", "changes_overdue"},
    # Issue 23: the fields research needs, and the directory's history.
    "Story": {"updated_at", "edited_by_moderator", "moderator_edited_at", "reply_count", "change_count",
              "tags_by_kind", "language", "route"},
    "Provider": {"service_type", "top_level_code", "ancestors", "updated_at", "parent_code"},
    "Tag": {"slug", "name", "kind", "active", "stories"},
    "Redirect": {"old_code", "new_code", "kind", "redirected_at"},
}


class Walk:
    """What each documented object (by schema name and path) declares, and what the answers held."""

    def __init__(self, document: dict) -> None:
        self.document = document
        self.objects: dict[str, dict[str, set]] = {}

    def resolve(self, schema: dict) -> tuple[dict, str | None]:
        ref = schema.get("$ref")
        if ref is None:
            return schema, None
        name = ref.rsplit("/", 1)[1]
        return self.document["components"]["schemas"][name], name

    def _matches(self, schema: dict, value) -> bool:
        schema, _ = self.resolve(schema)
        kind = schema.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        if value is None:
            return "null" in kinds
        if isinstance(value, dict):
            return set(schema.get("properties", {})) == set(value)
        if "enum" in schema:
            return value in schema["enum"]
        return kind is None or any(k != "null" for k in kinds)

    def walk(self, schema: dict, value, where: str) -> None:
        schema, name = self.resolve(schema)
        where = name or where
        if "oneOf" in schema:
            branches = [b for b in schema["oneOf"] if self._matches(b, value)]
            assert len(branches) == 1, f"{where}: {value!r} matches {len(branches)} of its oneOf"
            self.walk(branches[0], value, where)
            return
        if isinstance(value, dict) and "properties" in schema:
            documented = set(schema["properties"])
            assert set(value) <= documented, f"{where} sends undocumented {sorted(set(value) - documented)}"
            seen = self.objects.setdefault(where, {"documented": documented, "present": set(), "valued": set()})
            seen["present"] |= set(value)
            seen["valued"] |= {k for k, v in value.items() if v is not None}
            for key, item in value.items():
                self.walk(schema["properties"][key], item, f"{where}.{key}")
        elif isinstance(value, list) and "items" in schema:
            for item in value:
                self.walk(schema["items"], item, f"{where}[]")


@pytest.fixture
def world(session, clock, loop, tree, make_story, make_provider):
    """The loop's story with its dispute checked, a withdrawn story (a tombstone), an edited reply, and providers
    with a postcode and a website."""
    disputes.publish(session, loop["moderator"], session.get(Change, loop["made"].id))
    reply = session.query(Reply).filter_by(story_id=loop["story"].id).one()
    reply.edited_at = at(23, 10)
    tree["ward"].postcode, tree["ward"].website = "AB1 2CD", "https://ward.example.org"
    tree["ward"].service_type = "ward"
    fixing.correct(session, loop["moderator"], loop["story"], loop["story"].version, loop["story"].title,
                   loop["story"].body + " Corrected.", "A name")
    providers.merge(session, loop["moderator"], make_provider(code="W1DUP", name="Ward One again", kind="department",
                                                              parent=tree["hospital"]), "W1")
    gone = make_story(tree["hospital"], status="published", title="Withdrawn later")
    session.commit()
    gone.status = "withdrawn"
    session.commit()
    return loop


def test_every_documented_field_appears_in_real_answers(client, world):
    document = client.get("/api/v1/openapi.json").get_json()
    walk = Walk(document)
    story_id = world["story"].id
    answers = {
        "/stories": "/api/v1/stories?limit=100",
        "/stories (sync)": "/api/v1/stories?limit=100&updated_since=2000-01-01",
        "/stories/{id}": f"/api/v1/stories/{story_id}",
        "/events": "/api/v1/events?limit=100",
        "/providers": "/api/v1/providers?limit=100",
        "/providers/{code}": "/api/v1/providers/T1",
        "/providers/{code} (ward)": "/api/v1/providers/W1",
        "/providers/{code}/insight": "/api/v1/providers/T1/insight",
        "/providers (sync)": "/api/v1/providers?limit=100&updated_since=2000-01-01",
        "/redirects": "/api/v1/redirects",
        "/tags": "/api/v1/tags",
    }
    for operation, url in answers.items():
        path = operation.split(" ")[0]
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True))
        schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        walk.walk(schema, response.get_json(), path)

    # Every documented object was met, and every field of each was in an answer.
    schemas = {"Story", "Tombstone", "StoryDetail", "StoryEvent", "Provider", "ProviderDetail", "ProviderInsight",
               "Licence", "Tag", "Redirect"}
    assert schemas <= set(walk.objects), sorted(schemas - set(walk.objects))
    for where, seen in walk.objects.items():
        missing = sorted(seen["documented"] - seen["present"])
        assert not missing, f"{where} never sent {missing}"
    # The new fields also carried a value.
    valued = {where: seen["valued"] for where, seen in walk.objects.items()}
    valued["StoryDetail.events[]"] = walk.objects["StoryEvent"]["valued"]
    for where, fields in NEW_FIELDS.items():
        assert fields <= valued[where], f"{where}: never a value in {sorted(fields - valued[where])}"
    assert len(walk.objects) >= 15, sorted(walk.objects)  # the wrappers, items and nested objects too


def test_the_walk_catches_a_field_documented_but_never_sent(client, world):
    document = client.get("/api/v1/openapi.json").get_json()
    document["components"]["schemas"]["StoryEvent"]["properties"]["label"] = {"type": "string"}
    walk = Walk(document)
    schema = document["paths"]["/events"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    walk.walk(schema, client.get("/api/v1/events").get_json(), "/events")
    seen = walk.objects["StoryEvent"]
    assert seen["documented"] - seen["present"] == {"label"}
    del document["components"]["schemas"]["StoryEvent"]["properties"]["kind"]
    with pytest.raises(AssertionError, match="undocumented"):
        Walk(document).walk(schema, client.get("/api/v1/events").get_json(), "/events")
