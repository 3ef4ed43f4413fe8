"""The OpenAPI 3.1 description of /api/v1. Tests check every response against it (schemathesis)."""
from __future__ import annotations

from flask import current_app

from app.insight import figures
from app.opendata import enums

DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
# A moderator's rating is a number on a scale, so a range rather than an enum; the scale is the model's.
CRITICALITY_RANGE = {"minimum": min(enums.CRITICALITY), "maximum": max(enums.CRITICALITY)}


def _enum(values: tuple[str, ...]) -> dict:
    """A string that is one of a model constant's values (from app.opendata.enums, never typed out here)."""
    return {"type": "string", "enum": list(values)}


def _obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties),
            "additionalProperties": False}


LICENCE = _obj({"id": {"type": "string"}, "name": {"type": "string"}, "url": {"type": "string"}})
PROBLEM = {"type": "object", "properties": {
    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
    "detail": {"type": "string"}, "parameter": {"type": "string"},
    "tombstone": {"$ref": "#/components/schemas/Tombstone"},
}, "required": ["type", "title", "status", "detail"]}
STORY = _obj({
    "id": {"type": "integer"}, "url": {"type": "string"},
    "provider": _obj({"code": {"type": "string"}, "name": {"type": "string"}}),
    "title": {"type": "string"}, "body": {"type": "string"},
    "experienced_in": {"type": "string", "pattern": r"^\d{4}-\d{2}$"},
    "author_role": _enum(enums.AUTHOR_ROLES), "on_behalf": {"type": "boolean"},
    "public_name": {"type": "string"}, "language": _enum(enums.LANGUAGES), "route": _enum(enums.ROUTES),
    "criticality": {"type": ["integer", "null"], **CRITICALITY_RANGE},
    "response_status": _enum(enums.RESPONSE_STATUSES),
    "tags": {"type": "array", "items": {"type": "string"}},
    "published_at": DATETIME, "updated_at": DATETIME, "first_reply_at": NULLABLE_DATETIME,
})
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}
NULLABLE_TEXT = {"type": ["string", "null"]}
STORY_EVENT = _obj({
    "id": {"type": "integer", "description": "Stable id of the event."},
    "story_id": {"type": "integer"},
    "kind": {**_enum(enums.EVENT_KINDS), "description": "What happened (the dataset's README says each kind)."},
    "at": {**DATETIME, "description": "When it happened."},
    "step": {"type": ["integer", "null"], "minimum": 1,
             "description": "reminded: 1; escalated: 2, 3 ... (each a level further up the tree); "
                            "change_due_reminded: 1 a week before the due date, 2 on the day; else null."},
    "provider": {**NULLABLE_TEXT, "description": "Code of the provider concerned (alerted, reminded, told, "
                                                 "replying, changing, moved to)."},
    "count": {"type": ["integer", "null"], "minimum": 0,
              "description": "alerted, invited, reminded, escalated, change_due_reminded: how many people were told."},
    "change_id": {"type": ["integer", "null"], "description": "For events about a change: its id (see changes)."},
    "due_on": {**NULLABLE_DATE, "description": "change_planned, change_due_reminded, change_overdue: the due date "
                                               "then."},
})
TOMBSTONE = _obj({"id": {"type": "integer"}, "status": _enum(enums.TOMBSTONE_STATUSES),
                  "updated_at": DATETIME, "tombstone": {"const": True}})
STORY_DETAIL = {**STORY, "properties": {
    **STORY["properties"],
    "responses": {"type": "array", "items": _obj({
        "id": {"type": "integer"}, "kind": _enum(enums.REPLY_KINDS),
        "body": {"type": "string"}, "published_at": DATETIME, "edited_at": NULLABLE_DATETIME,
        "responder": {"oneOf": [{"type": "null"}, _obj({
            "name": {"type": "string"}, "title": {"type": "string"}, "provider": {"type": ["string", "null"]}})]},
    })},
    "changes": {"type": "array", "items": _obj({
        "id": {"type": "integer"}, "kind": _enum(enums.CHANGE_KINDS),
        "description": {"type": "string"}, "made_on": {"type": ["string", "null"], "format": "date"},
        "provider": {"type": "string"},
        "reported_by": _obj({"name": {"type": "string"}, "title": {"type": "string"}}),
        "created_at": DATETIME,
        "due_on": {**NULLABLE_DATE, "description": "planned (and made, when planned first): the date it was due."},
        "owner": {**NULLABLE_TEXT, "description": "planned (and made, when planned first): who owns it, a role or "
                                                  "a team as the provider wrote it."},
        "evidence": {**NULLABLE_TEXT, "description": "made: a few lines that show it."},
        "evidence_url": {**NULLABLE_TEXT, "description": "made: a link that shows it."},
        "verdict": {"oneOf": [{"type": "null"}, _enum(enums.VERDICTS)],
                    "description": "made: the story author's answer, once public; a dispute only once a moderator "
                                   "checked it."},
        "verdict_at": {**NULLABLE_DATETIME, "description": "When the author gave that verdict."},
        "dispute_text": {**NULLABLE_TEXT, "description": "A public dispute: the author's words."},
        "overdue": {"type": "boolean", "description": "Still planned, and its due date has passed."},
    })},
    "events": {"type": "array", "items": {"$ref": "#/components/schemas/StoryEvent"},
               "description": "The story's progress, oldest first (as its page's timeline)."},
}, "required": [*STORY["required"], "responses", "changes", "events"]}
PROVIDER = _obj({
    "code": {"type": "string"}, "name": {"type": "string"}, "kind": _enum(enums.PROVIDER_KINDS),
    "parent_code": {"type": ["string", "null"]}, "postcode": {"type": ["string", "null"]},
    "website": {"type": ["string", "null"]}, "active": {"type": "boolean"}, "url": {"type": "string"},
})
NULLABLE_SHARE = {"type": ["number", "null"], "minimum": 0, "maximum": 1, "description": figures.SHARE_PRECISION}
MEDIAN_HOURS = {"type": ["number", "null"], "minimum": 0, "description": "Median hours from publication to the first "
                f"reply, over the stories replied to; null when none was. {figures.MEDIAN_HOURS_PRECISION}"}
PROVIDER_DETAIL = {**PROVIDER, "properties": {**PROVIDER["properties"], "statistics": _obj({
    "period_days": {"type": "integer", "description": "Days covered: this calendar month and the 11 before it"},
    "period_from": {"type": "string", "format": "date", "description": "The first day covered"},
    "stories": {"type": "integer"}, "replied": {"type": "integer"},
    "reply_share": {**NULLABLE_SHARE, "description": f"replied / stories. {figures.SHARE_PRECISION}"},
    "median_hours_to_first_reply": MEDIAN_HOURS,
    "changes_planned": {"type": "integer"}, "changes_made": {"type": "integer"},
    "replied_within_5_working_days": {"type": "integer", "description": "Stories whose first reply came within 5 "
                                      "working days (weekends and the region's bank holidays left out)"},
    "still_within_5_working_days": {"type": "integer", "description": "Stories with no reply yet that have not had "
                                    "their 5 working days: left out of the share"},
    "share_replied_within_5_working_days": {**NULLABLE_SHARE, "description": "replied_within_5_working_days "
                                            "/ (stories - still_within_5_working_days); null when that is 0. "
                                            f"{figures.SHARE_PRECISION}"},
    "replied_within_20_working_days": {"type": "integer"}, "still_within_20_working_days": {"type": "integer"},
    "share_replied_within_20_working_days": NULLABLE_SHARE,
    "median_working_days_to_first_reply": {"type": ["number", "null"], "minimum": 0, "description": "Median working "
                                           "days to the first reply (UTC days), over the stories replied to. "
                                           f"{figures.MEDIAN_WORKDAYS_PRECISION}"},
    "changes_confirmed": {"type": "integer", "description": "Changes made that the story's author confirmed"},
    "changes_disputed": {"type": "integer", "description": "Changes made that the author disputed (once a "
                                                           "moderator checked the dispute)"},
    "changes_overdue": {"type": "integer", "description": "Planned changes past their due date today, whenever "
                                                          "they were planned"},
})}, "required": [*PROVIDER["required"], "statistics"]}

THEME = _obj({"tag": {"type": "string"}, "name": {"type": "string"}, "stories": {"type": "integer"},
              "share": NULLABLE_SHARE, "recent_share": NULLABLE_SHARE, "before_share": NULLABLE_SHARE})
PROVIDER_INSIGHT = _obj({
    "provider": _obj({"code": {"type": "string"}, "name": {"type": "string"}}),
    "url": {"type": "string"}, "updated_at": NULLABLE_DATETIME,
    "months": {"type": "array", "items": _obj({
        "month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "stories": {"type": "integer"},
        "replied": {"type": "integer"}, "median_hours_to_first_reply": MEDIAN_HOURS,
        "criticality": {"type": "array", "items": {"type": "integer"}, "minItems": 6, "maxItems": 6,
                        "description": "Stories rated 0, 1, … 5."},
        "changes_planned": {"type": "integer"}, "changes_made": {"type": "integer"},
    })},
    "themes": _obj({"good": {"type": "array", "items": THEME}, "improve": {"type": "array", "items": THEME}}),
})


def _page(item_ref: str | dict) -> dict:
    items = item_ref if isinstance(item_ref, dict) else {"$ref": item_ref}
    return _obj({"data": {"type": "array", "items": items},
                 "links": _obj({"next": {"type": ["string", "null"]}}),
                 "licence": {"$ref": "#/components/schemas/Licence"}})


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> dict:
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


LIMIT = {"name": "limit", "in": "query", "required": False, "description": "Items per page (1 to 100; 20).",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}
CURSOR = {"name": "cursor", "in": "query", "required": False,
          "description": "Where the next page starts: take it from links.next.", "schema": {"type": "string"}}
ERRORS = {"400": _problem("A parameter is not right."),
          "429": {**_problem("Too many requests; see Retry-After."), "headers": {"Retry-After": {
              "description": "Seconds to wait before asking again (sent only on 429 and 503).",
              "schema": {"type": "integer", "minimum": 0}}}},
          "304": {"description": "Not modified since the ETag given in If-None-Match."}}


def document() -> dict:
    config = current_app.config
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{config['SITE_NAME']} open data API", "version": "1.0.0",
            "description": "Read-only access to every published story, reply and change, each story's "
                           "progress (its events), and the provider directory. Content is open data under the "
                           "licence named in every response. Every answer carries the rate limit's "
                           "X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (readable from a "
                           "browser elsewhere, as are ETag, Link and Retry-After); Retry-After comes only with "
                           "429 and 503.",
            "license": {"name": config["CONTENT_LICENCE_NAME"], "identifier": config["CONTENT_LICENCE"]},
        },
        "servers": [{"url": config["SITE_URL"] + "/api/v1"}],
        "paths": {
            "/stories": {"get": {
                "operationId": "listStories", "summary": "Published stories, newest first",
                "description": "With updated_since the list is a sync feed instead: everything changed since, "
                               "oldest change first, with withdrawn or hidden stories as tombstones.",
                "parameters": [
                    {"name": "provider", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "A provider code; stories about it and everything below it."},
                    {"name": "tag", "in": "query", "required": False, "schema": {"type": "string"}},
                    {"name": "status", "in": "query", "required": False,
                     "schema": _enum(enums.RESPONSE_STATUSES)},
                    {"name": "criticality", "in": "query", "required": False,
                     "schema": {"type": "integer", **CRITICALITY_RANGE}},
                    {"name": "published_since", "in": "query", "required": False, "schema": DATETIME},
                    {"name": "updated_since", "in": "query", "required": False, "schema": DATETIME},
                    LIMIT, CURSOR,
                ],
                "responses": {"200": _json(_page({"oneOf": [{"$ref": "#/components/schemas/Story"},
                                                            {"$ref": "#/components/schemas/Tombstone"}]}),
                                           "A page of stories."), **ERRORS},
            }},
            "/stories/{id}": {"get": {
                "operationId": "getStory", "summary": "One published story with its conversation",
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647}}],
                "responses": {
                    "200": _json(_obj({"data": {"$ref": "#/components/schemas/StoryDetail"},
                                       "licence": {"$ref": "#/components/schemas/Licence"}}), "The story."),
                    "404": _problem("No published story has that id."),
                    "410": _problem("Withdrawn or hidden: the body carries a tombstone."), **ERRORS},
            }},
            "/events": {"get": {
                "operationId": "listEvents", "summary": "Story events (each story's timeline), oldest first",
                "description": "A sync feed of the public story events: the steps of every published story's "
                               "progress (published, alerted, read, replied, reminded, escalated, changes planned, "
                               "due, overdue and made, the author's verdict, moved), oldest first by (at, id). "
                               "Page with links.next; keep the last page's next link, or ask again with since set "
                               "a little before the last `at` you hold and skip the ids you have.\n\n"
                               "Only events of stories that are public now, and of changes that are visible. When a "
                               "story is withdrawn or hidden its events leave this feed, and no tombstone comes "
                               "here: the story's own tombstone in /stories?updated_since tells a sync client, "
                               "which deletes the story with its events. Likewise a story whose changes were "
                               "hidden or restored, or that was published again, comes back in /stories?"
                               "updated_since: replace the events you hold for it with those of /stories/{id} "
                               "(or this feed with story_id). Rarely a step is taken back: staff said a story was "
                               "not about them, and a moderator found it was; its not_about_us event leaves the "
                               "story's events.",
                "parameters": [
                    {"name": "since", "in": "query", "required": False, "schema": DATETIME,
                     "description": "Only events at or after this time (ISO 8601; UTC when no offset is given)."},
                    {"name": "story_id", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                     "description": "One story's events (none when it is not public)."},
                    {"name": "kind", "in": "query", "required": False, "schema": _enum(enums.EVENT_KINDS)},
                    LIMIT, CURSOR,
                ],
                "responses": {"200": _json(_page("#/components/schemas/StoryEvent"), "A page of events."),
                              **ERRORS},
            }},
            "/providers": {"get": {
                "operationId": "listProviders", "summary": "The provider directory",
                "parameters": [
                    {"name": "kind", "in": "query", "required": False,
                     "schema": _enum(enums.PROVIDER_KINDS)},
                    {"name": "parent", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "Only the providers directly below this code."},
                    {"name": "q", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "Part of a name, a code or a postcode prefix."},
                    LIMIT, CURSOR,
                ],
                "responses": {"200": _json(_page("#/components/schemas/Provider"), "A page of providers."), **ERRORS},
            }},
            "/providers/{code}": {"get": {
                "operationId": "getProvider", "summary": "One provider with its response statistics",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": _json(_obj({"data": {"$ref": "#/components/schemas/ProviderDetail"},
                                       "licence": {"$ref": "#/components/schemas/Licence"}}), "The provider."),
                    "404": _problem("No provider has that code."), **ERRORS},
            }},
            "/providers/{code}/insight": {"get": {
                "operationId": "getProviderInsight",
                "summary": "A provider's monthly figures for 24 months and its themes, rolled up over its subtree",
                "description": "Stories count in the month they were published (with their replies); changes in "
                               "the month they were reported. Only published stories count.",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": _json(_obj({"data": {"$ref": "#/components/schemas/ProviderInsight"},
                                       "licence": {"$ref": "#/components/schemas/Licence"}}), "The figures."),
                    "404": _problem("No provider has that code."), **ERRORS},
            }},
        },
        "components": {"schemas": {
            "Licence": LICENCE, "Problem": PROBLEM, "Story": STORY, "Tombstone": TOMBSTONE,
            "StoryDetail": STORY_DETAIL, "StoryEvent": STORY_EVENT, "Provider": PROVIDER,
            "ProviderDetail": PROVIDER_DETAIL, "ProviderInsight": PROVIDER_INSIGHT,
        }},
    }
