"""Moderators' actions on a conversation: publish, turn down, edit, hide and restore replies, answers, changes."""
from __future__ import annotations

from sqlalchemy import Integer, Text, bindparam, case, cast, func, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.audit import record
from app.errors import Conflict, Invalid
from app.extensions import utcnow
from app.flags import SAFEGUARDING, text_flag_kinds
from app.moderation.models import ReplyRevision, Report
from app.moderation.services import NOTE_MAX, resolve_report
from app.replies.models import AUTHOR_ANSWER, AWAITING_MODERATION, HIDDEN, REJECTED, VISIBLE, Change, Reply
from app.replies.services import REPLY_MAX, REPLY_MIN, went_public
from app.replies.status import refresh_response
from app.stories.text import clean_text
from app.text import visible_length

Item = Reply | Change


def noun(item: Item) -> str:
    """The item's name in audit actions and messages: reply, answer or change."""
    if isinstance(item, Change):
        return "change"
    return "answer" if item.kind == AUTHOR_ANSWER else "reply"


def _check_version(item: Item, expected_version: int | None) -> None:
    # The queue's quick buttons carry no version; their status check (below) is what stops a second moderator.
    if expected_version is not None and item.version != expected_version:
        raise Conflict(f"Another moderator changed this {noun(item)} since you opened it. Nothing was overwritten: "
                       "look at the latest version and act again.")


def _reason(text: str | None) -> str:
    reason = clean_text(text)
    if not reason:
        raise Invalid("Give a reason: it is kept in the story's history.", field="reason")
    if len(reason) > NOTE_MAX:
        raise Invalid(f"Keep it under {NOTE_MAX} characters.", field="reason")
    return reason


def _open_reports(session: Session, item: Item) -> list[Report]:
    if not isinstance(item, Reply):
        return []
    return list(session.scalars(select(Report).where(Report.reply_id == item.id, Report.resolved_at.is_(None))))


def publish(session: Session, moderator: User, item: Item, expected_version: int | None = None) -> Item:
    """A waiting reply, answer or change joins the conversation; the author (or the responders) are told now."""
    _check_version(item, expected_version)
    if item.status != AWAITING_MODERATION:
        raise Conflict(f"This {noun(item)} is not waiting for a moderator: someone has already dealt with it.")
    item.status = VISIBLE
    if isinstance(item, Reply):
        item.published_at = utcnow()
    record(session, f"{noun(item)}.published", story=item.story, actor=moderator,
           after={noun(item): item.id, "status": VISIBLE})
    went_public(session, item)
    return item


def reject(session: Session, moderator: User, item: Item, reason: str, expected_version: int | None = None) -> Item:
    _check_version(item, expected_version)
    if item.status != AWAITING_MODERATION:
        raise Conflict(f"This {noun(item)} is not waiting for a moderator: someone has already dealt with it.")
    reason = _reason(reason)
    item.status = REJECTED
    item.hidden_reason = reason
    record(session, f"{noun(item)}.rejected", story=item.story, actor=moderator, reason=reason,
           before={"status": AWAITING_MODERATION}, after={"status": REJECTED})
    return item


def hide(session: Session, moderator: User, item: Item, reason: str, expected_version: int | None = None) -> Item:
    """Take a public item down, or keep down one that reports hid automatically; either way its reports close."""
    _check_version(item, expected_version)
    reports = _open_reports(session, item)
    if not (item.status == VISIBLE or (item.status == HIDDEN and reports)):
        raise Conflict(f"Only a public {noun(item)} can be hidden.")
    reason = _reason(reason)
    before = {"body": item.body, "status": item.status}
    item.status = HIDDEN
    item.hidden_reason = reason
    for report in reports:
        resolve_report(session, moderator, report, "hidden")
    record(session, f"{noun(item)}.hidden", story=item.story, actor=moderator, reason=reason, before=before,
           after={"status": HIDDEN})
    refresh_response(session, item.story)
    return item


def restore(session: Session, moderator: User, item: Item, reason: str, expected_version: int | None = None) -> Item:
    """Back into the conversation: after a mistaken hiding, or after reports a moderator found unfounded."""
    _check_version(item, expected_version)
    if item.status != HIDDEN:
        raise Conflict(f"Only a hidden {noun(item)} can be restored.")
    reason = _reason(reason)
    item.status = VISIBLE
    item.hidden_reason = None
    if isinstance(item, Reply) and item.published_at is None:
        item.published_at = utcnow()
    for report in _open_reports(session, item):
        resolve_report(session, moderator, report, "restored")
    record(session, f"{noun(item)}.restored", story=item.story, actor=moderator, reason=reason,
           before={"status": HIDDEN}, after={"status": VISIBLE})
    refresh_response(session, item.story)
    return item


def revise(session: Session, moderator: User, item: Item, body: str, reason: str,
           expected_version: int | None = None) -> Item:
    """A moderator's edit (a name taken out, say), kept as a revision with its reason on the history page."""
    _check_version(item, expected_version)
    if item.status == REJECTED:
        raise Conflict(f"This {noun(item)} was turned down; there is nothing to edit.")
    text = clean_text(body)
    if not (REPLY_MIN <= visible_length(text) and len(text) <= REPLY_MAX):
        raise Invalid(f"The text must be {REPLY_MIN} to {REPLY_MAX:,} characters.", field="body")
    if text == item.body:
        raise Invalid("The text is unchanged: edit it, or use another action.", field="body")
    reason = _reason(reason)
    before = item.body
    session.add(ReplyRevision(story_id=item.story_id, editor_id=moderator.id, body_before=before, body_after=text,
                              reason=reason, reply_id=item.id if isinstance(item, Reply) else None,
                              change_id=item.id if isinstance(item, Change) else None))
    if isinstance(item, Change):
        item.description = text
    else:
        item.body = text
        item.edited_at = utcnow()
    item.flags = text_flag_kinds(text)
    record(session, f"{noun(item)}.revised", story=item.story, actor=moderator, reason=reason,
           before={"body": before}, after={"body": text})
    if item.status == VISIBLE:
        refresh_response(session, item.story)  # the public conversation changed
    return item


def _harm_first(model):
    # In the query, not after it: a flagged item newer than `limit` others must still make the list.
    flagged = func.coalesce(cast(model.flags, Text), "").like(f'%"{SAFEGUARDING}"%')
    return case((flagged, 0), else_=1)


def _waiting(model):
    return (select(model).where(model.status == AWAITING_MODERATION).options(selectinload(model.story))
            .order_by(_harm_first(model), model.created_at, model.id).limit(bindparam("limit", type_=Integer)))


# Built once: the queue reads both on every view, and building them cost more than running them.
_WAITING_REPLIES, _WAITING_CHANGES = _waiting(Reply), _waiting(Change)


def waiting(session: Session, limit: int = 100) -> list[Item]:
    """Replies, answers and changes waiting for a moderator: those that may speak of harm first, then oldest."""
    replies = session.scalars(_WAITING_REPLIES, {"limit": limit})
    changes = session.scalars(_WAITING_CHANGES, {"limit": limit})
    items: list[Item] = [*replies, *changes]
    items.sort(key=lambda i: (SAFEGUARDING not in (i.flags or []), i.created_at, i.id))
    return items[:limit]
