"""Stories and the curated tags they carry."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import force_locale, gettext
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    event,
    inspect,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.accounts.models import User
from app.directory.models import Provider
from app.extensions import db, utcnow
from app.text import N_
from app.web.i18n import LANGUAGES as SITE_LANGUAGES

# The public name of an author who gave none. Stored in English whatever the language (the API and the dataset carry
# it as data); pages and emails show it in their reader's language (shown_name), and the form offers that word.
ANONYMOUS = N_("Anonymous")


def shown_name(public_name: str) -> str:
    """A story's public name as a page or an email shows it: "Anonymous" in the reader's language."""
    return gettext(ANONYMOUS) if public_name == ANONYMOUS else public_name


def stored_name(typed: str) -> str:
    """What a public name as typed (already cleaned) is stored as: nothing, or the word for "Anonymous" in any of
    the site's languages (a Welsh form is filled in with "Dienw"), is ANONYMOUS."""
    if not typed:
        return ANONYMOUS
    words = {ANONYMOUS.casefold()}
    for code in SITE_LANGUAGES:
        with force_locale(code):
            words.add(gettext(ANONYMOUS).casefold())
    return ANONYMOUS if typed.casefold() in words else typed


# The life of a story. Only PUBLISHED is public.
AWAITING_CONFIRMATION = "awaiting_confirmation"  # the author has not yet confirmed the email address
PENDING = "pending"  # in the moderation queue
RETURNED = "returned"  # sent back to the author for changes
PUBLISHED = "published"
REJECTED = "rejected"
HIDDEN = "hidden"  # was published; hidden by a moderator
WITHDRAWN = "withdrawn"  # the author took it down
STATUSES = {
    AWAITING_CONFIRMATION: N_("Waiting for you to confirm your email address"),
    PENDING: N_("Waiting for a moderator"),
    RETURNED: N_("Sent back to you for changes"),
    PUBLISHED: N_("Published"),
    REJECTED: N_("Not published"),
    HIDDEN: N_("Hidden by a moderator"),
    WITHDRAWN: N_("Withdrawn by you"),
}
EDITABLE_BY_AUTHOR = {AWAITING_CONFIRMATION, PENDING, RETURNED}

AUTHOR_ROLES = {
    "patient": N_("Patient"),
    "carer": N_("Carer"),
    "parent": N_("Parent or guardian"),
    "relative": N_("Relative or friend"),
    "staff": N_("Member of staff"),
    "other": N_("Other"),
}

# Where the provider's response has got to (the response-loop issue moves it on).
RESPONSE_STATUSES = {
    "awaiting_response": N_("Awaiting response"),
    "responded": N_("Responded"),
    "change_planned": N_("Change planned"),
    "change_made": N_("Change made"),
    "no_change_planned": N_("No change planned"),
}

# The language a story was told in (ISO 639-1). Only these are offered; "en" until the Welsh work sets it from
# the request.
LANGUAGES = {"en": "English", "cy": "Welsh"}

# How a story came to the site: public in the story page, the API and the dataset.
WEB, EASY_READ, ASSISTED, PAPER, PHONE = "web", "easy_read", "assisted", "paper", "phone"
ROUTES = {
    WEB: N_("Told on the website"),
    EASY_READ: N_("Told with the easy-read pages"),
    ASSISTED: N_("Told with help from a story taker"),
    PAPER: N_("Sent on paper"),
    PHONE: N_("Told on the phone"),
}

CRITICALITY = {
    0: N_("Not critical"),
    1: N_("Minimally critical"),
    2: N_("Mildly critical"),
    3: N_("Moderately critical"),
    4: N_("Strongly critical"),
    5: N_("Severely critical"),
}

class SearchVector(TypeDecorator):
    """tsvector on PostgreSQL; plain text elsewhere (SQLite never fills it)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(TSVECTOR() if dialect.name == "postgresql" else Text())


TITLE_MIN, TITLE_MAX = 3, 150
BODY_MIN, BODY_MAX = 50, 10_000
PUBLIC_NAME_MAX = 60

story_tags = Table(
    "story_tags",
    db.metadata,
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    # "good" (what was good) or "improve" (what could be improved)
    kind: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class TellingLabels:
    """How a story came and the language it was told in, in words: for a Story and for the moderation queue's
    plain rows (anything with `route` and `language`)."""

    @property
    def route_label(self) -> str:
        return ROUTES.get(self.route, self.route)

    @property
    def language_label(self) -> str:
        return LANGUAGES.get(self.language, self.language)


class Story(TellingLabels, db.Model):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    # The first day of the month it happened in.
    experienced_on: Mapped[date] = mapped_column(Date)
    author_role: Mapped[str] = mapped_column(String(20))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    public_name: Mapped[str] = mapped_column(String(PUBLIC_NAME_MAX), default=ANONYMOUS)
    status: Mapped[str] = mapped_column(String(24), default=PENDING)
    response_status: Mapped[str] = mapped_column(String(20), default="awaiting_response",
                                                 server_default="awaiting_response")
    criticality: Mapped[int | None] = mapped_column(SmallInteger)
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    route: Mapped[str] = mapped_column(String(12), default=WEB, server_default=WEB)
    # The story taker (or moderator) who entered it for someone (assisted, paper and phone routes); never public.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Automatic flag kinds found in the text, for the moderation queue's filter.
    flags: Mapped[list] = mapped_column(JSON, default=list)
    # A random key from the form: a resubmitted or double-clicked form finds the story it already made.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None]  # entered the moderation queue (ordering: oldest first)
    published_at: Mapped[datetime | None]
    # When a provider first replied (kept for the response statistics).
    first_reply_at: Mapped[datetime | None]
    # When the story's content last changed: see "What moves updated_at" below. Never an onupdate: reading
    # counts and claims are plain UPDATEs, and must not make a viewed story look updated.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    read_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Readers who said "this happened to me too" (no account; one per browser).
    me_too_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When a member of the provider's staff first opened the story (the timeline's "first read").
    first_read_at: Mapped[datetime | None]
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_until: Mapped[datetime | None]
    # Optimistic locking: a moderator acting on an older version is told the story changed.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The author's message to moderators when resubmitting, and the moderator's note when sending back.
    moderator_note: Mapped[str | None] = mapped_column(Text)
    # The PostgreSQL search backend's weighted tsvector (unused, and always empty, on SQLite).
    search_vector: Mapped[str | None] = mapped_column(SearchVector, deferred=True)

    provider: Mapped[Provider] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    tags: Mapped[list[Tag]] = relationship(secondary=story_tags, order_by="Tag.name")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_stories_public", "status", "published_at", "id"),
        Index("ix_stories_queue", "status", "queued_at", "id"),
        Index("ix_stories_provider_public", "provider_id", "status", "published_at"),
        Index("ix_stories_updated", "updated_at", "id"),
        Index("ix_stories_search_vector", "search_vector", postgresql_using="gin"),
        Index("ix_stories_entered_by", "entered_by_id", "id"),
        # The staff dashboard's "awaiting a reply" over the providers a responder covers, in its own order: read
        # from the index alone, not from each published story's row (36 ms → 0.5 ms for a trust at 100,000).
        Index("ix_stories_awaiting", "provider_id", "status", "response_status", "criticality", "published_at", "id"),
        # The moderation queue counts and picks waiting stories by their flags, oldest first: with the flags in
        # the queue's own order the database reads no story row to count them or to skip one (60 ms → 1.5 ms at
        # 10,000 waiting stories on SQLite). PostgreSQL has no btree order for JSON: there flags is included.
        Index("ix_stories_queue_flags", "status", "queued_at", "id", "flags").ddl_if(dialect="sqlite"),
        Index("ix_stories_queue_flags_pg", "status", "queued_at", "id",
              postgresql_include=["flags"]).ddl_if(dialect="postgresql"),
    )

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def response_status_label(self) -> str:
        return RESPONSE_STATUSES.get(self.response_status, self.response_status)

    @property
    def author_role_label(self) -> str:
        return AUTHOR_ROLES.get(self.author_role, self.author_role)

    @property
    def criticality_label(self) -> str:
        return CRITICALITY.get(self.criticality, "Not yet rated") if self.criticality is not None else "Not yet rated"

    @property
    def shown_name(self) -> str:
        return shown_name(self.public_name)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]

    def __repr__(self) -> str:
        return f"<Story {self.id} {self.status}>"


# ---------------------------------------------------------------- what moves updated_at
#
# updated_at is what readers are told changed: the Atom feeds' <updated>, the API's updated_at and its
# updated_since sync, the dataset's freshness. So it moves when the content changes and for nothing else:
#
# * a change to any of the story's columns or tags through the ORM moves it, at the flush, unless the column
#   is bookkeeping no reader can see (NOT_CONTENT below: the read count, moderators' claims, flags, notes…).
#   Publication, a moderator's edit, withdrawal, hiding and restoring, a move to another service all move it
#   without anyone having to remember to;
# * a change that shows on the story page without touching the story's row (a reply or a change added,
#   edited, hidden or made visible) calls touch(story) in the same transaction;
# * a plain UPDATE statement (`update(Story)…`) moves nothing: use it for bookkeeping (read counts, claim) and
#   never for content, or call touch() for the stories it changes.
#
# A new column is content unless it is added to NOT_CONTENT.

NOT_CONTENT = frozenset({
    "updated_at", "read_count", "me_too_count", "first_read_at", "claimed_by_id", "claimed_until", "claimed_by",
    "version", "flags",
    "moderator_note", "queued_at", "search_vector", "submission_key", "entered_by_id", "entered_by",
})


def touch(story: Story, at: datetime | None = None) -> None:
    """Record that the story's public content changed (its conversation, say) at `at`, or now."""
    story.updated_at = at or utcnow()


def content_changed(story: Story) -> bool:
    """Whether this story has unflushed changes a reader could see (anything but NOT_CONTENT)."""
    state = inspect(story)
    return any(attr.history.has_changes() for attr in state.attrs if attr.key not in NOT_CONTENT)


@event.listens_for(Session, "before_flush")
def _touch_changed_stories(session: Session, flush_context, instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, Story) and not inspect(obj).attrs.updated_at.history.has_changes() \
                and content_changed(obj):
            touch(obj)
