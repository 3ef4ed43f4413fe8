"""What the open dataset holds: one definition per table, used by the export, datapackage.json and README."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.insight import figures
from app.opendata import enums
from app.text import N_


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema type: integer, number, string, boolean, date, datetime, yearmonth
    description: str
    required: bool = False
    enum: tuple[str, ...] | None = None  # always from app.opendata.enums, never typed out here


@dataclass(frozen=True)
class Table:
    name: str
    description: str  # marked N_: English in the data package, translated where /data shows it
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = field(default=())  # (column, table, column)

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def _either(kinds: tuple[str, ...]) -> str:
    """A kind column's description, naming its values: "planned or made."."""
    return f"{', '.join(kinds[:-1])} or {kinds[-1]}." if len(kinds) > 1 else f"{kinds[0]}."


PROVIDERS = Table(
    "providers", N_("The directory of services: trusts, hospitals, wards, GP practices, care homes and others."),
    (
        Column("id", "integer", "Stable id of the provider.", True),
        Column("code", "string", "The provider's code (the key in Storyloop's URLs).", True),
        Column("name", "string", "Name of the service.", True),
        Column("kind", "string", "Kind of service.", True,
               enums.PROVIDER_KINDS),
        Column("parent_code", "string", "Code of the provider this one belongs to; empty at the top."),
        Column("postcode", "string", "UK postcode of the service."),
        Column("website", "string", "The service's website."),
        Column("active", "boolean", "False when the service no longer takes new stories.", True),
        Column("service_type", "string", "What the service does, from a short controlled list (see its enum); empty "
                                         "when the directory does not say.",
               enum=enums.SERVICE_TYPES),
        Column("top_level_code", "string", "Code of its top-level organisation (the provider at the top of its "
                                           "parent_code chain); its own code at the top.", True),
        Column("updated_at", "datetime", "When its entry last changed (UTC), including a change above it that "
                                         "changes its parent_code or top_level_code.", True),
    ),
    ("id",), (("parent_code", "providers", "code"), ("top_level_code", "providers", "code")),
)
PROVIDER_REDIRECTS = Table(
    "provider_redirects", N_("The directory's history: codes that no longer belong to a provider, because it was "
                             "merged into another or given a new code. Old URLs, the API's filters and this table lead "
                             "each to the provider it became."),
    (
        Column("old_code", "string", "The code no provider has now.", True),
        Column("provider_id", "integer", "The provider it leads to (providers.csv).", True),
        Column("new_code", "string", "That provider's code now: a chain of merges and changes is already followed "
                                     "to its end.", True),
        Column("kind", "string", "merged: the old code's provider was merged into this one (its stories, replies "
                                 "and changes moved there); recoded: this provider's code was changed.", True,
               enums.REDIRECT_KINDS),
        Column("redirected_at", "datetime", "When it happened (UTC).", True),
    ),
    ("old_code",), (("provider_id", "providers", "id"), ("new_code", "providers", "code")),
)
STORIES = Table(
    "stories", N_("Published stories, as moderated. Never an author's email, nor an unpublished, hidden or "
                  "withdrawn story."),
    (
        Column("id", "integer", "Stable id of the story (its page is /stories/<id>).", True),
        Column("provider_id", "integer", "The service the story is about.", True),
        Column("provider_code", "string", "Code of that service.", True),
        Column("title", "string", "Title, as published.", True),
        Column("body", "string", "The story, as published; paragraphs separated by a blank line.", True),
        Column("experienced_in", "yearmonth", "Month the experience happened (YYYY-MM).", True),
        Column("author_role", "string", "Who told it.", True,
               enums.AUTHOR_ROLES),
        Column("on_behalf", "boolean", "Told on behalf of someone else.", True),
        Column("public_name", "string", "The pseudonym the author chose.", True),
        Column("language", "string", "The language it was told in (ISO 639-1).", True, enums.LANGUAGES),
        Column("route", "string", "How it came: the website, the easy-read pages, with a story taker's help, "
                                  "on paper or by phone.", True, enums.ROUTES),
        Column("criticality", "integer", "Moderator's rating: 0 not critical … 5 severely critical.", True),
        Column("response_status", "string", "Where the provider's response has got to.", True,
               enums.RESPONSE_STATUSES),
        Column("published_at", "datetime", "When it was published (UTC).", True),
        Column("first_reply_at", "datetime", "When the provider first replied (UTC); empty if not yet."),
        Column("url", "string", "The story's page.", True),
        Column("updated_at", "datetime", "When its public content last changed (UTC): its text, its tags or "
                                         "rating, a reply, a change or a step of its progress. The API's "
                                         "updated_since reads the same value.", True),
        Column("edited_by_moderator", "boolean", "Whether a moderator changed the title or text the author wrote "
                                                 "(to take out a name, say) before or after publishing it. Never "
                                                 "who.", True),
        Column("moderator_edited_at", "datetime", "When a moderator last changed it (UTC); empty if never."),
        Column("reply_count", "integer", "Public replies from the provider's staff on it (the staff rows of "
                                         "responses.csv).", True),
        Column("change_count", "integer", "Public changes planned or made because of it (its rows of "
                                          "changes.csv).", True),
    ),
    ("id",), (("provider_id", "providers", "id"), ("provider_code", "providers", "code")),
)
RESPONSES = Table(
    "responses", N_("Public replies by providers' staff, and authors' answers, on published stories."),
    (
        Column("id", "integer", "Stable id of the response.", True),
        Column("story_id", "integer", "The story it answers.", True),
        Column("kind", "string", "staff: a provider's reply; author: the story author's answer.", True,
               enums.REPLY_KINDS),
        Column("provider_id", "integer", "For staff replies: the provider the responder spoke for."),
        Column("responder_name", "string", "For staff replies: the responder's name."),
        Column("responder_title", "string", "For staff replies: the responder's job title."),
        Column("body", "string", "The text of the response.", True),
        Column("published_at", "datetime", "When it was published (UTC).", True),
        Column("edited_at", "datetime", "When it was last edited (UTC), if it was."),
    ),
    ("id",), (("story_id", "stories", "id"), ("provider_id", "providers", "id")),
)
CHANGES = Table(
    "changes", N_("Changes providers planned or made because of a story."),
    (
        Column("id", "integer", "Stable id of the change.", True),
        Column("story_id", "integer", "The story that led to it.", True),
        Column("provider_id", "integer", "The provider the change is recorded against.", True),
        Column("kind", "string", _either(enums.CHANGE_KINDS), True, enums.CHANGE_KINDS),
        Column("description", "string", "What will change, or what changed.", True),
        Column("made_on", "date", "For a change made: the date it was made."),
        Column("reporter_name", "string", "Who reported it."),
        Column("reporter_title", "string", "Their job title."),
        Column("created_at", "datetime", "When it was reported (UTC).", True),
        Column("due_on", "date", "For a change planned, and a change made that was planned first: the date it "
                                 "was due."),
        Column("owner", "string", "For a change planned, and a change made that was planned first: who owns it, a "
                                  "role or a team as the provider wrote it."),
        Column("evidence", "string", "For a change made: a few lines from the provider that show it."),
        Column("evidence_url", "string", "For a change made: a link that shows it."),
        Column("verdict", "string", "For a change made: whether the story's author says it matches what they see "
                                    "now (confirmed), does not yet (not_yet), or disputes it (disputed). Empty "
                                    "until the author answers, and while a dispute waits for a moderator.",
               enum=enums.VERDICTS),
        Column("verdict_at", "datetime", "When the author gave that verdict (UTC)."),
        Column("dispute_text", "string", "For a dispute a moderator let through: the author's words, as shown "
                                         "beside the change."),
        Column("overdue", "boolean", "A change still planned whose due date had passed when the dataset was "
                                     "created (see datapackage.json, created).", True),
    ),
    ("id",), (("story_id", "stories", "id"), ("provider_id", "providers", "id")),
)
STORY_EVENTS = Table(
    "story_events", N_("Each published story's progress, oldest first: the timeline its page shows. Never a name or "
                       "an address; an event about a change is here only while that change is."),
    (
        Column("id", "integer", "Stable id of the event.", True),
        Column("story_id", "integer", "The story.", True),
        Column("kind", "string", "What happened. published; alerted: the provider's staff told (count: how "
                                 "many people); invited: nobody registered, its contact address told and invited; "
                                 "first_read: first opened by a member of staff; replied: the first public reply; "
                                 "reminded: no reply, the service's staff reminded (step 1); escalated: still no "
                                 "reply, the managers of the provider above told (step 2, 3 ... up the tree); "
                                 "not_about_us: staff said the story is about another service; rerouted: a "
                                 "moderator moved it (provider: the new service); change_planned (with due_on); "
                                 "change_due_reminded (step 1 a week before, 2 on the day); change_overdue; "
                                 "change_made; no_change_planned; confirmed, not_yet, disputed: the author's "
                                 "verdict on a change made (a dispute once a moderator checked it); reopened: that "
                                 "verdict reopened the story.", True, enums.EVENT_KINDS),
        Column("at", "datetime", "When it happened (UTC).", True),
        Column("step", "integer", "For reminded and escalated, the step of the chain (1 the service's own staff, 2 "
                                  "the provider above, 3 the one above that ...); for change_due_reminded, 1 a week "
                                  "before the due date, 2 on the day. Empty for other kinds."),
        Column("provider_code", "string", "The provider concerned: whose staff were alerted, reminded or told, who "
                                          "replied or changed something, where the story was moved to."),
        Column("count", "integer", "For alerted, invited, reminded, escalated and change_due_reminded: how many "
                                   "people (or contact addresses) were told."),
        Column("change_id", "integer", "For events about a change: the change (changes.csv)."),
        Column("due_on", "date", "For change_planned, change_due_reminded and change_overdue: the change's due "
                                 "date then."),
    ),
    ("id",), (("story_id", "stories", "id"), ("change_id", "changes", "id"), ("provider_code", "providers", "code")),
)
TAGS = Table(
    "tags", N_("The curated tags for what was good and what could be improved."),
    (
        Column("id", "integer", "Stable id of the tag.", True),
        Column("slug", "string", "Short name.", True),
        Column("name", "string", "The tag as shown.", True),
        Column("kind", "string", _either(enums.TAG_KINDS), True, enums.TAG_KINDS),
    ),
    ("id",),
)
STORY_TAGS = Table(
    "story_tags", N_("Which tags each story carries."),
    (
        Column("story_id", "integer", "The story.", True),
        Column("tag_id", "integer", "The tag.", True),
    ),
    ("story_id", "tag_id"), (("story_id", "stories", "id"), ("tag_id", "tags", "id")),
)
PROVIDER_MONTHS = Table(
    "provider_months", N_("Monthly figures per provider: its own published stories (not those of the services "
                          "below it; add those up through parent_code for a roll-up), replies and changes."),
    (
        Column("provider_id", "integer", "The provider.", True),
        Column("provider_code", "string", "Its code.", True),
        Column("month", "yearmonth", "The month (YYYY-MM).", True),
        Column("stories", "integer", "Stories published that month and still published.", True),
        Column("replied", "integer", "Of those, how many the provider has replied to.", True),
        Column("median_hours_to_first_reply", "number",
               "Median time from publication to the first reply, in hours, over the stories replied to. "
               f"{figures.MEDIAN_HOURS_PRECISION} Empty when none was replied to."),
        *(Column(f"criticality_{i}", "integer", f"Of the stories, how many were rated {i} of 5.", True)
          for i in range(6)),
        Column("changes_planned", "integer", "Changes planned, reported that month.", True),
        Column("changes_made", "integer", "Changes made, reported that month.", True),
        Column("replied_within_5_working_days", "integer",
               "Of the stories, how many had their first reply within 5 working days of publication (weekends and "
               "the bank holidays of the site's region left out; UTC days).", True),
        Column("replied_within_20_working_days", "integer", "The same, within 20 working days.", True),
        Column("still_within_5_working_days", "integer",
               "Of the stories, how many had no reply yet and had not yet had 5 working days when the dataset was "
               "created: left out of the share replied within 5 working days, which is replied_within_5_working_days "
               "/ (stories - still_within_5_working_days).", True),
        Column("still_within_20_working_days", "integer", "The same, for 20 working days.", True),
        Column("median_working_days_to_first_reply", "number",
               "Median working days from publication to the first reply (UTC days), over those replied to. "
               f"{figures.MEDIAN_WORKDAYS_PRECISION} Empty when none was replied to."),
        Column("changes_confirmed", "integer", "Of the changes made, how many the story's author confirmed.", True),
        Column("changes_disputed", "integer", "Of the changes made, how many the story's author disputed (once a "
                                              "moderator checked the dispute).", True),
    ),
    ("provider_id", "month"), (("provider_id", "providers", "id"), ("provider_code", "providers", "code")),
)
TABLES = (PROVIDERS, PROVIDER_REDIRECTS, TAGS, STORIES, STORY_TAGS, RESPONSES, CHANGES, STORY_EVENTS,
          PROVIDER_MONTHS)


def table_schema(table: Table) -> dict:
    fields = []
    for c in table.columns:
        f: dict = {"name": c.name, "type": c.type, "description": c.description}
        constraints: dict = {}
        if c.required:
            constraints["required"] = True
        if c.enum:
            constraints["enum"] = list(c.enum)
        if c.type == "datetime":
            f["format"] = "%Y-%m-%dT%H:%M:%SZ"
        if constraints:
            f["constraints"] = constraints
        fields.append(f)
    schema: dict = {"fields": fields, "primaryKey": list(table.primary_key), "missingValues": [""]}
    if table.foreign_keys:
        # A reference to the table itself names no resource (Table Schema's self-reference: "").
        schema["foreignKeys"] = [{"fields": col, "reference": {"resource": "" if ref == table.name else ref,
                                                               "fields": ref_col}}
                                 for col, ref, ref_col in table.foreign_keys]
    return schema
