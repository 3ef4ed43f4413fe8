"""Every enum the dataset's Table Schemas and the OpenAPI document publish is a model constant's values, all of them."""
from __future__ import annotations

import pytest

from app.directory.models import KINDS, REDIRECT_KINDS, SERVICE_TYPES
from app.opendata import enums
from app.opendata.openapi import document
from app.opendata.schema import TABLES, table_schema
from app.replies.models import AUTHOR_ANSWER, CHANGE_KINDS, STAFF_REPLY, VERDICTS
from app.stories.models import (
    AUTHOR_ROLES,
    CRITICALITY,
    HIDDEN,
    LANGUAGES,
    RESPONSE_STATUSES,
    ROUTES,
    STATUSES,
    WITHDRAWN,
)
from app.stories.tags import CURATED
from app.stories.timeline import EVENT_KINDS

# Where each enum is published, and the model constant it must list in full. Written out here, apart from
# app.opendata.enums, so that a literal list creeping back into schema.py or openapi.py is caught the day the
# constant gains a value.
TABLE_ENUMS = {
    ("providers", "kind"): list(KINDS),
    ("providers", "service_type"): list(SERVICE_TYPES),
    ("provider_redirects", "kind"): list(REDIRECT_KINDS),
    ("stories", "author_role"): list(AUTHOR_ROLES),
    ("stories", "response_status"): list(RESPONSE_STATUSES),
    ("stories", "language"): list(LANGUAGES),
    ("stories", "route"): list(ROUTES),
    ("responses", "kind"): [STAFF_REPLY, AUTHOR_ANSWER],
    ("changes", "kind"): list(CHANGE_KINDS),
    ("changes", "verdict"): list(VERDICTS),
    ("story_events", "kind"): list(EVENT_KINDS),
    ("tags", "kind"): list(dict.fromkeys(kind for _, _, kind in CURATED)),
}
SCHEMAS = "components/schemas"
OPENAPI_ENUMS = {
    f"{SCHEMAS}/Story/properties/author_role": list(AUTHOR_ROLES),
    f"{SCHEMAS}/Story/properties/response_status": list(RESPONSE_STATUSES),
    f"{SCHEMAS}/StoryDetail/properties/author_role": list(AUTHOR_ROLES),
    f"{SCHEMAS}/StoryDetail/properties/response_status": list(RESPONSE_STATUSES),
    f"{SCHEMAS}/Story/properties/language": list(LANGUAGES),
    f"{SCHEMAS}/Story/properties/route": list(ROUTES),
    f"{SCHEMAS}/StoryDetail/properties/language": list(LANGUAGES),
    f"{SCHEMAS}/StoryDetail/properties/route": list(ROUTES),
    f"{SCHEMAS}/StoryDetail/properties/responses/items/properties/kind": [STAFF_REPLY, AUTHOR_ANSWER],
    f"{SCHEMAS}/StoryDetail/properties/changes/items/properties/kind": list(CHANGE_KINDS),
    f"{SCHEMAS}/StoryDetail/properties/changes/items/properties/verdict/oneOf/1": list(VERDICTS),
    f"{SCHEMAS}/StoryEvent/properties/kind": list(EVENT_KINDS),
    f"{SCHEMAS}/Tombstone/properties/status": [WITHDRAWN, HIDDEN],
    f"{SCHEMAS}/Provider/properties/kind": list(KINDS),
    f"{SCHEMAS}/ProviderDetail/properties/kind": list(KINDS),
    f"{SCHEMAS}/Provider/properties/service_type/oneOf/1": list(SERVICE_TYPES),
    f"{SCHEMAS}/ProviderDetail/properties/service_type/oneOf/1": list(SERVICE_TYPES),
    f"{SCHEMAS}/Redirect/properties/kind": list(REDIRECT_KINDS),
    f"{SCHEMAS}/Tag/properties/kind": list(dict.fromkeys(kind for _, _, kind in CURATED)),
    "paths//providers/get/parameters/service_type/schema": list(SERVICE_TYPES),
    "paths//stories/get/parameters/status/schema": list(RESPONSE_STATUSES),
    "paths//providers/get/parameters/kind/schema": list(KINDS),
    "paths//events/get/parameters/kind/schema": list(EVENT_KINDS),
}


def _enums_in(node, path: str = "") -> dict[str, list]:
    """Every "enum" in a JSON document, by the path to the object holding it (parameters named, not numbered)."""
    found: dict[str, list] = {}
    if isinstance(node, dict):
        if "enum" in node:
            found[path.strip("/")] = node["enum"]
        for key, value in node.items():
            found.update(_enums_in(value, f"{path}/{key}"))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            name = value.get("name", i) if isinstance(value, dict) and "in" in value else i
            found.update(_enums_in(value, f"{path}/{name}"))
    return found


def test_every_table_schema_enum_lists_its_model_constant(app):
    published = {(t.name, f["name"]): f["constraints"]["enum"] for t in TABLES for f in table_schema(t)["fields"]
                 if "enum" in f.get("constraints", {})}
    assert published == TABLE_ENUMS


def test_every_openapi_enum_lists_its_model_constant(app):
    with app.test_request_context():
        published = _enums_in(document())
    assert published == OPENAPI_ENUMS


def test_openapi_tags_by_kind_has_a_list_for_every_tag_kind(app):
    with app.test_request_context():
        by_kind = document()["components"]["schemas"]["Story"]["properties"]["tags_by_kind"]
    assert list(by_kind["properties"]) == list(dict.fromkeys(kind for _, _, kind in CURATED)) == ["good", "improve"]


def test_openapi_criticality_ranges_span_the_model_scale(app):
    with app.test_request_context():
        doc = document()
    ranges = [doc["components"]["schemas"]["Story"]["properties"]["criticality"],
              next(p for p in doc["paths"]["/stories"]["get"]["parameters"] if p["name"] == "criticality")["schema"]]
    for schema in ranges:
        assert (schema["minimum"], schema["maximum"]) == (min(CRITICALITY), max(CRITICALITY))


def test_the_api_refuses_with_the_same_lists(client):
    problem = client.get("/api/v1/stories", query_string={"status": "nope"}).get_json()
    assert problem["detail"] == f"status must be one of {', '.join(RESPONSE_STATUSES)}."
    problem = client.get("/api/v1/providers", query_string={"kind": "nope"}).get_json()
    assert problem["detail"] == f"kind must be one of {', '.join(KINDS)}."
    problem = client.get("/api/v1/events", query_string={"kind": "nope"}).get_json()
    assert problem["detail"] == f"kind must be one of {', '.join(EVENT_KINDS)}."


def test_tombstone_statuses_are_statuses():
    assert set(enums.TOMBSTONE_STATUSES) <= set(STATUSES)


def test_values_keep_the_constant_order_and_refuse_sets():
    assert enums.values({"b": 1, "a": 2}) == ("b", "a")
    assert enums.values(["x", "y", "x"]) == ("x", "y")
    with pytest.raises(TypeError):
        enums.values({"a", "b"})
