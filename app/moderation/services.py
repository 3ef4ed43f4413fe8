"""Moderation actions: claim, publish, reject, send back, hide, restore, move, correct; reports from the public."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Integer, bindparam, cast, func, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.types import Text

from app import events
from app.accounts.links import author_link
from app.accounts.models import User
from app.accounts.services import external_url
from app.audit import record
from app.directory.models import Provider
from app.directory.services import descendant_ids_cte
from app.errors import Conflict, Invalid
from app.extensions import utcnow
from app.flags import FLAG_KINDS, SAFEGUARDING, flag_kinds
from app.mail.services import queue_email
from app.moderation.models import REJECT_REASONS, REPORT_REASONS, Report, StoryRevision
from app.moderation.signposting import signposting
from app.replies.models import HIDDEN as REPLY_HIDDEN
from app.replies.models import VISIBLE, Reply
from app.replies.status import refresh_response
from app.stories import timeline
from app.stories.models import (
    AWAITING_CONFIRMATION,
    BODY_MAX,
    BODY_MIN,
    CRITICALITY,
    HIDDEN,
    PENDING,
    PUBLISHED,
    REJECTED,
    RETURNED,
    TITLE_MAX,
    TITLE_MIN,
    Story,
    Tag,
    TellingLabels,
)
from app.stories.text import clean_text
from app.stories.timeline import record_event
from app.text import visible_length
from app.web.cache import kept_value, request_content_version
from app.web.i18n import lazy_gettext as _l
from app.web.models import moderation_version, queue_rows_version

CLAIM_MINUTES = 15
# A story waiting for its author to confirm the address is not a moderator's to act on yet.
MODERATABLE = (PENDING, RETURNED)
NOTE_MAX = 2000
KEPT_ENTRIES = 256  # queue counts and lists of urgent stories, per filter, kept under the moderation version
ROWS_KEPT = 64  # lists of queue rows (up to 100 each), per list of stories, kept under the queue rows' version


def _check_version(story: Story, expected_version: int) -> None:
    if story.version != expected_version:
        raise Conflict("Another moderator (or the author) changed this story since you opened it. "
                       "Nothing was overwritten: look at the latest version and act again.")


def _reason(text: str | None, field: str = "reason", required: bool = True) -> str:
    reason = clean_text(text)
    if required and not reason:
        raise Invalid("Give a reason: it is kept in the story's history.", field=field)
    if len(reason) > NOTE_MAX:
        raise Invalid(f"Keep it under {NOTE_MAX} characters.", field=field)
    return reason


def claim(session: Session, moderator: User, story: Story) -> None:
    """Mark the story as being looked at for 15 minutes. A plain UPDATE: claims do not bump the story's version
    (nor the moderation version the queue's counts are kept under); the queue rows' version moves (its trigger)."""
    now = utcnow()
    if story.claimed_by_id not in (None, moderator.id) and story.claimed_until and story.claimed_until > now:
        raise Conflict(f"{story.claimed_by.display_name or story.claimed_by.email} is already looking at this story.")
    session.execute(
        update(Story).where(Story.id == story.id)
        .values(claimed_by_id=moderator.id, claimed_until=now + timedelta(minutes=CLAIM_MINUTES))
        .execution_options(synchronize_session=False)
    )
    session.expire(story, ["claimed_by_id", "claimed_until"])


def active_claim(story: Story) -> User | None:
    if story.claimed_by_id and story.claimed_until and story.claimed_until > utcnow():
        return story.claimed_by
    return None


@dataclass
class Publication:
    criticality: int | None
    tags: list[str]
    title: str
    body: str
    edit_reason: str = ""


def publish(session: Session, moderator: User, story: Story, expected_version: int, pub: Publication) -> Story:
    _check_version(story, expected_version)
    if story.status not in MODERATABLE:
        raise Conflict(f"This story is {story.status_label.lower()}; it cannot be published from here.")
    errors: dict[str, str] = {}
    if pub.criticality not in CRITICALITY:
        errors["criticality"] = "Rate the story's criticality from 0 to 5."
    title, body = clean_text(pub.title, multiline=False), clean_text(pub.body)
    if not (TITLE_MIN <= visible_length(title) and len(title) <= TITLE_MAX):
        errors["title"] = f"The title must be {TITLE_MIN} to {TITLE_MAX} characters."
    if not (BODY_MIN <= visible_length(body) and len(body) <= BODY_MAX):
        errors["body"] = f"The story must be {BODY_MIN} to {BODY_MAX:,} characters."
    edited = title != story.title or body != story.body
    reason = clean_text(pub.edit_reason)
    if edited and not reason:
        errors["edit_reason"] = "Say why you changed the text (e.g. removed a name): it is kept with the revision."
    tags = list(session.scalars(select(Tag).where(Tag.slug.in_(set(pub.tags))))) if pub.tags else []
    if len(tags) != len(set(pub.tags)):
        errors["tags"] = "Choose tags from the list."
    if errors:
        raise Invalid(errors=errors)
    before = {"status": story.status, "title": story.title, "body": story.body}
    if edited:
        session.add(StoryRevision(story_id=story.id, editor_id=moderator.id, title_before=story.title,
                                  title_after=title, body_before=story.body, body_after=body, reason=reason))
        story.title, story.body = title, body
        story.flags = flag_kinds(title, body, [])
    first_time = story.published_at is None
    story.status = PUBLISHED
    story.criticality = pub.criticality
    story.tags = tags
    story.published_at = story.published_at or utcnow()
    story.claimed_by_id = story.claimed_until = None
    record(session, "story.published", story=story, actor=moderator, reason=reason or None, before=before,
           after={"status": PUBLISHED, "title": title, "body": body, "criticality": pub.criticality,
                  "tags": sorted(t.slug for t in tags)})
    _tell_author(session, story, "story_published", _l("Your story is published"),
                 link=external_url("pages.story", story_id=story.id))
    if first_time:
        record_event(session, story, timeline.PUBLISHED, step=0, at=story.published_at)
        # The provider's staff are told at once or in their digest (app.replies connects the alerts).
        events.story_published.send(story, session=session)
    return story


def reject(session: Session, moderator: User, story: Story, expected_version: int, reason_code: str,
           note: str) -> Story:
    _check_version(story, expected_version)
    if story.status not in MODERATABLE:
        raise Conflict(f"This story is {story.status_label.lower()}; it cannot be rejected from here.")
    if reason_code not in REJECT_REASONS:
        raise Invalid("Choose a reason.", field="reason_code")
    note = _reason(note, field="note", required=reason_code == "other")
    before = {"status": story.status}
    story.status = REJECTED
    story.claimed_by_id = story.claimed_until = None
    record(session, "story.rejected", story=story, actor=moderator, reason=f"{REJECT_REASONS[reason_code]}. {note}",
           before=before, after={"status": REJECTED, "reason_code": reason_code})
    _tell_author(session, story, "story_rejected", _l("We could not publish your story"),
                 reason=REJECT_REASONS[reason_code], note=note, signposting=signposting(story.provider))
    return story


def send_back(session: Session, moderator: User, story: Story, expected_version: int, note: str) -> Story:
    _check_version(story, expected_version)
    if story.status != PENDING:
        raise Conflict(f"This story is {story.status_label.lower()}; it cannot be sent back.")
    note = _reason(note, field="note")
    before = {"status": story.status}
    story.status = RETURNED
    story.moderator_note = note
    story.claimed_by_id = story.claimed_until = None
    record(session, "story.returned", story=story, actor=moderator, reason=note, before=before,
           after={"status": RETURNED})
    _tell_author(session, story, "story_returned", _l("Please change your story before we publish it"),
                 note=note, link=author_link(story.author, "stories.edit", story_id=story.id))
    return story


def _open_story_reports(session: Session, story: Story) -> list[Report]:
    return list(session.scalars(select(Report).where(Report.story_id == story.id, Report.reply_id.is_(None),
                                                     Report.resolved_at.is_(None))))


def hidden_by_reports(session: Session, story: Story) -> bool:
    """Hidden automatically after REPORTS_TO_HIDE visitors reported it, and no moderator has looked yet."""
    return story.status == HIDDEN and bool(_open_story_reports(session, story))


def hide(session: Session, moderator: User, story: Story, expected_version: int, reason: str) -> Story:
    """Hide a published story, or keep hidden one that reports hid; its reports close either way."""
    _check_version(story, expected_version)
    reports = _open_story_reports(session, story)
    if not (story.status == PUBLISHED or (story.status == HIDDEN and reports)):
        raise Conflict("Only a published story can be hidden.")
    reason = _reason(reason)
    before = {"status": story.status}
    story.status = HIDDEN
    for item in reports:
        resolve_report(session, moderator, item, "hidden")
    record(session, "story.hidden", story=story, actor=moderator, reason=reason, before=before,
           after={"status": HIDDEN})
    _tell_author(session, story, "story_hidden", _l("Your story has been hidden"), reason=reason)
    return story


def restore(session: Session, moderator: User, story: Story, expected_version: int, reason: str) -> Story:
    _check_version(story, expected_version)
    if story.status != HIDDEN:
        raise Conflict("Only a hidden story can be restored.")
    reason = _reason(reason)
    story.status = PUBLISHED
    for item in _open_story_reports(session, story):
        resolve_report(session, moderator, item, "restored")
    record(session, "story.restored", story=story, actor=moderator, reason=reason, before={"status": HIDDEN},
           after={"status": PUBLISHED})
    return story


def _tell_author(session: Session, story: Story, template: str, subject: object, **context: object) -> None:
    author = story.author
    if author.email_confirmed_at is None:
        return  # never mail an address nobody has proven
    # Links to the author's own pages sign a passwordless author in from any browser (app/accounts/links.py).
    # In the language the story was told in, whoever acts (a moderator's own page language does not matter).
    queue_email(session, author.email, template, subject, kind=f"story.{template}", story=story, locale=story.language,
                provider=story.provider, my_stories=author_link(author, "stories.mine"), **context)


# ---------------------------------------------------------------- reports

def reporter_key(reporter: User | None, address: str | None) -> str | None:
    """What tells reporters apart: a signed-in person's id, else a keyed hash of the client address.

    The hash is HMAC-SHA256 under SECRET_KEY, so the stored value cannot be turned back into an address by
    trying every IPv4 address without the key. The address itself is never stored.
    """
    if reporter is not None and reporter.is_authenticated:
        return f"user:{reporter.id}"
    if not address:
        return None
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), address.encode(), hashlib.sha256).hexdigest()
    return f"addr:{digest[:40]}"


def report(session: Session, story: Story, reason: str, note: str, reporter: User | None,
           reply: Reply | None = None, address: str | None = None) -> Report:
    """Someone flags a published story, or one visible reply in its conversation, for a moderator.

    When REPORTS_TO_HIDE different reporters have open reports on it, it is hidden until a moderator looks.
    """
    if story.status != PUBLISHED:
        raise Invalid("Only published stories can be reported.")
    if reply is not None and (reply.story_id != story.id or reply.status != VISIBLE):
        raise Invalid("That reply cannot be reported.")
    if reason not in REPORT_REASONS:
        raise Invalid("Choose what is wrong.", field="reason")
    note = _reason(note, field="note", required=False)
    item = Report(story_id=story.id, reply_id=reply.id if reply is not None else None, reason=reason, note=note,
                  reporter_id=reporter.id if reporter is not None and reporter.is_authenticated else None,
                  reporter_key=reporter_key(reporter, address))
    session.add(item)
    session.flush()
    record(session, "reply.reported" if reply is not None else "story.reported", story=story, actor=reporter,
           reason=f"{REPORT_REASONS[reason]}. {note}".strip())
    _hide_if_reported_enough(session, story, reply)
    return item


def _hide_if_reported_enough(session: Session, story: Story, reply: Reply | None) -> None:
    threshold = current_app.config["REPORTS_TO_HIDE"]
    if threshold <= 0:
        return
    about = Report.reply_id == reply.id if reply is not None else Report.reply_id.is_(None)
    reporters = session.scalar(select(func.count(func.distinct(Report.reporter_key))).where(
        Report.story_id == story.id, about, Report.resolved_at.is_(None), Report.reporter_key.isnot(None))) or 0
    if reporters < threshold:
        return
    reason = f"Reported by {reporters} different visitors: hidden until a moderator looks."
    if reply is not None:
        reply.status = REPLY_HIDDEN
        reply.hidden_reason = reason
        record(session, "reply.hidden_by_reports", story=story, reason=reason,
               before={"status": VISIBLE}, after={"status": REPLY_HIDDEN, "reply": reply.id})
        refresh_response(session, story)
    else:
        story.status = HIDDEN
        record(session, "story.hidden_by_reports", story=story, reason=reason,
               before={"status": PUBLISHED}, after={"status": HIDDEN})


def resolve_report(session: Session, moderator: User, item: Report, resolution: str) -> None:
    if item.resolved_at is not None:
        return
    item.resolved_at = utcnow()
    item.resolved_by_id = moderator.id
    item.resolution = resolution
    record(session, "report.resolved", story=item.story, actor=moderator, reason=resolution)


# ---------------------------------------------------------------- the queue

@dataclass
class QueueFilters:
    provider: Provider | None = None
    flag: str | None = None
    waiting_hours: int | None = None


def queue_query(filters: QueueFilters, safeguarding: bool | None = None):
    """Pending stories under the filters; safeguarding=True only those that may speak of harm, False the rest."""
    stmt = select(Story).where(Story.status == PENDING)
    flagged = _has_flag(SAFEGUARDING)
    if safeguarding is not None:
        stmt = stmt.where(flagged if safeguarding else ~flagged)
    if filters.provider is not None:
        subtree = descendant_ids_cte(filters.provider.id)
        stmt = stmt.where(Story.provider_id.in_(select(subtree.c.id)))
    if filters.flag in FLAG_KINDS:
        stmt = stmt.where(_has_flag(filters.flag))
    if filters.waiting_hours:
        stmt = stmt.where(Story.queued_at <= utcnow() - timedelta(hours=filters.waiting_hours))
    return stmt


def _has_flag(kind: str):
    # JSON list stored as text on both backends: '["email", "short"]'. The same test the queue's filter uses,
    # so a flag's count is the number of stories the filter then shows.
    return func.coalesce(cast(Story.flags, Text), "").like(f'%"{kind}"%')


@dataclass(slots=True)
class QueueRow(TellingLabels):
    """A waiting story as the queue lists it: read as plain columns with its service's name and claimant, not as
    an ORM object (a page of the queue lists up to 125, and building the objects cost more than the query). Not
    frozen: a frozen dataclass sets each field through object.__setattr__, 11 µs a row."""
    id: int
    title: str
    queued_at: datetime
    flags: list[str]
    route: str
    language: str
    provider_name: str
    claimant: str | None
    claimed_until: datetime | None


# Built once, its ids an expanding parameter: building and keying the statement for 100 ids on each view of the
# queue cost as much as running it.
_QUEUE_ROWS = (select(Story.id, Story.title, Story.queued_at, Story.flags, Story.route, Story.language,
                      Story.claimed_until, Provider.name.label("provider_name"), User.display_name, User.email)
               .join(Provider, Provider.id == Story.provider_id)
               .outerjoin(User, User.id == Story.claimed_by_id)
               .where(Story.id.in_(bindparam("ids", expanding=True)), Story.status == PENDING))


def queue_rows(session: Session, ids: list[int]) -> list[QueueRow]:
    """The stories of `ids` still waiting for moderation, in that order, in one statement, kept in this process
    under the queue rows' version and the content version (a service's name), which the database moves in the
    commit of any change to what a row shows (app/web/models.py): reading and decoding 125 rows (their flags, two
    times each) was a third of a view of the queue. The rows are shared between requests: read them, never change
    them."""
    if not ids:
        return []

    def read() -> list[QueueRow]:
        found = {row.id: QueueRow(row.id, row.title, row.queued_at, list(row.flags or []), row.route, row.language,
                                  row.provider_name, row.display_name or row.email, row.claimed_until)
                 for row in session.execute(_QUEUE_ROWS, {"ids": list(ids)})}
        return [found[i] for i in ids if i in found]
    # Both numbers are read before the rows, so nothing is kept under a number newer than what it holds.
    key = (queue_rows_version(session), request_content_version(session), tuple(ids))
    return list(kept_value("moderation_rows", key, read, ROWS_KEPT))


def _kept(session: Session, name: str, key: tuple, compute):
    """What `compute` answers, kept in this process under the moderation version (app/web/models.py), which the
    database moves in the commit of any change to what the queue counts. The version is read before the data, so
    nothing is ever kept under a number newer than what it holds."""
    return kept_value("moderation_kept", (moderation_version(session), name, key), compute, KEPT_ENTRIES)


def queue_counts(session: Session) -> dict[str, int]:
    """The queue's counts in one statement: counted by the database, not by loading each waiting story's flags
    (at 10,000 waiting stories that was 340 ms of JSON decoding per view of the queue), and only once per change
    to what they count (at 98,000 waiting stories on PostgreSQL it took most of the queue's 400 ms)."""
    def count() -> dict[str, int]:
        states = [PENDING, RETURNED, AWAITING_CONFIRMATION]
        columns = [func.count().filter(Story.status == s).label(s) for s in states]
        columns += [func.count().filter(Story.status == PENDING, _has_flag(k)).label(f"flag:{k}")
                    for k in FLAG_KINDS]
        reports = select(func.count(Report.id)).where(Report.resolved_at.is_(None)).scalar_subquery()
        row = session.execute(select(*columns, reports.label("reports")).where(Story.status.in_(states))).one()
        return {key: int(value or 0) for key, value in row._mapping.items()}
    return dict(_kept(session, "counts", (), count))


def urgent_ids(session: Session, filters: QueueFilters, limit: int = 100) -> list[int]:
    """The waiting stories that may speak of a risk of harm, oldest first: finding them reads every waiting story's
    flags, so their ids are kept under the moderation version (not under a waiting-time filter, which moves with
    the clock)."""
    def find() -> list[int]:
        return list(session.scalars(queue_query(filters, safeguarding=True).with_only_columns(Story.id)
                                    .order_by(Story.queued_at, Story.id).limit(limit)))
    if filters.waiting_hours:
        return find()
    key = (filters.provider.id if filters.provider is not None else None, filters.flag, limit)
    return list(_kept(session, "urgent", key, find))


# The queue shows each report's story and reply: loaded with the reports, not one query per report. Built once.
_OPEN_REPORTS = (select(Report).where(Report.resolved_at.is_(None))
                 .options(selectinload(Report.story), selectinload(Report.reply))
                 .order_by(Report.created_at).limit(bindparam("limit", type_=Integer)))


def open_reports(session: Session, limit: int = 50) -> list[Report]:
    return list(session.scalars(_OPEN_REPORTS, {"limit": limit}))
