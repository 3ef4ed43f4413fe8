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
    "tags": {"type": "array", "items": {"type": "string"}, "description": "Tag slugs (see /tags)."},
    "tags_by_kind": {**_obj({kind: {"type": "array", "items": {"type": "string"}} for kind in enums.TAG_KINDS}),
                     "description": "The same tags by their kind: good (what was good) and improve (what could be "
                                    "improved)."},
    "published_at": DATETIME,
    "updated_at": {**DATETIME, "description": "When its public content last changed: its text, tags or rating, a "
                                              "reply, a change or a step of its progress."},
    "first_reply_at": NULLABLE_DATETIME,
    "edited_by_moderator": {"type": "boolean", "description": "Whether a moderator changed the title or text the "
                                                              "author wrote (before or after publishing). Never who."},
    "moderator_edited_at": {**NULLABLE_DATETIME, "description": "When a moderator last changed it; null if never."},
    "reply_count": {"type": "integer", "minimum": 0, "description": "Public replies from the provider's staff."},
    "change_count": {"type": "integer", "minimum": 0, "description": "Public changes planned or made because of "
                                                                     "it."},
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
    "service_type": {"oneOf": [{"type": "null"}, _enum(enums.SERVICE_TYPES)],
                     "description": "What the service does, from a short controlled list; null when the directory "
                                    "does not say."},
    "parent_code": {"type": ["string", "null"]},
    "top_level_code": {"type": "string", "description": "Code of its top-level organisation (its own at the top)."},
    "ancestors": {"type": "array", "items": {"type": "string"},
                  "description": "Codes of the providers above it, top first; empty at the top."},
    "postcode": {"type": ["string", "null"]},
    "website": {"type": ["string", "null"]}, "active": {"type": "boolean"},
    "updated_at": {**DATETIME, "description": "When its entry last changed, including a change above it that changes "
                                              "its parent_code, top_level_code or ancestors."},
    "url": {"type": "string"},
})
REDIRECT = _obj({
    "old_code": {"type": "string", "description": "A code no provider has now."},
    "new_code": {"type": "string", "description": "The code of the provider it leads to, now (chains followed)."},
    "kind": {**_enum(enums.REDIRECT_KINDS), "description": "merged: its provider was merged into new_code's; "
                                                            "recoded: the provider's code was changed."},
    "redirected_at": DATETIME,
})
TAG = _obj({
    "slug": {"type": "string"}, "name": {"type": "string"},
    "kind": {**_enum(enums.TAG_KINDS), "description": "good: what was good; improve: what could be improved."},
    "active": {"type": "boolean", "description": "Whether moderators still give it."},
    "stories": {"type": "integer", "minimum": 0, "description": "Public stories that carry it."},
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
                     "description": "A provider code; stories about it and everything below it. An old code (a "
                                    "provider merged into another, or given a new code: see /redirects) means the "
                                    "provider it leads to now."},
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
                    {"name": "service_type", "in": "query", "required": False,
                     "schema": _enum(enums.SERVICE_TYPES)},
                    {"name": "parent", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "Only the providers directly below this code (an old code is followed)."},
                    {"name": "q", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "Part of a name, a code or a postcode prefix."},
                    {"name": "updated_since", "in": "query", "required": False, "schema": DATETIME,
                     "description": "A sync feed: only providers whose entry changed at or after this time, oldest "
                                    "change first. A provider merged into another leaves the directory: /redirects "
                                    "lists it."},
                    LIMIT, CURSOR,
                ],
                "responses": {"200": _json(_page("#/components/schemas/Provider"), "A page of providers."), **ERRORS},
            }},
            "/redirects": {"get": {
                "operationId": "listRedirects", "summary": "The directory's history: old codes and where they lead",
                "description": "Codes that no provider has now, because their provider was merged into another or "
                               "given a new code, oldest first. Each leads to the provider's code now (a chain is "
                               "already followed). /providers/{code} answers an old code with 301 to the new one, "
                               "and the stories filter follows it. With since, only those made at or after it.",
                "parameters": [
                    {"name": "since", "in": "query", "required": False, "schema": DATETIME},
                    LIMIT, CURSOR,
                ],
                "responses": {"200": _json(_page("#/components/schemas/Redirect"), "A page of old codes."),
                              **ERRORS},
            }},
            "/tags": {"get": {
                "operationId": "listTags", "summary": "Every tag with its kind and its number of public stories",
                "description": "One short list (no pages): each tag's slug, as stories carry it, its name, its kind "
                               "and how many public stories carry it now.",
                "responses": {"200": _json(_obj({"data": {"type": "array",
                                                          "items": {"$ref": "#/components/schemas/Tag"}},
                                                 "licence": {"$ref": "#/components/schemas/Licence"}}),
                                           "The tags."), **ERRORS},
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
            "ProviderDetail": PROVIDER_DETAIL, "ProviderInsight": PROVIDER_INSIGHT, "Redirect": REDIRECT,
            "Tag": TAG,
        }},
    }
