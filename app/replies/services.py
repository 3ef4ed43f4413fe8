"""Replies and the author's answers: who may write them, what they change, who hears of them, and the timeline
steps they make (first read, replied). Changes are in changes.py, the author's verdict on them in verdicts.py."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.orm import Session

from app.accounts.links import author_link
from app.accounts.models import Membership, User
from app.accounts.services import external_url
from app.accounts.staff import memberships_above
from app.accounts.tokens import read_token, user_from_claims
from app.audit import record
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import utcnow
from app.flags import text_flag_kinds
from app.mail.services import queue_email
from app.replies.links import ANSWER_PURPOSE, answer_link
from app.replies.models import (
    AUTHOR_ANSWER,
    AWAITING_MODERATION,
    CHANGE_KINDS,
    CHANGE_MADE,
    CHANGE_PLANNED,
    HIDDEN,
    NO_CHANGE,
    REJECTED,
    REPLY_EDIT_MINUTES,
    STAFF_REPLY,
    VISIBLE,
    Change,
    Reply,
)
from app.replies.status import record_once, refresh_response
from app.replies.verdicts import ask_author
from app.stories import timeline
from app.stories.models import PUBLISHED, Story
from app.stories.text import clean_text
from app.text import visible_length
from app.web.i18n import DEFAULT as DEFAULT_LANGUAGE
from app.web.i18n import lazy_gettext as _l

REPLY_MIN, REPLY_MAX = 2, 5000


def acting_membership(session: Session, user: User, story: Story) -> Membership | None:
    """The membership a staff member speaks through for this story: the one closest to its provider."""
    mine = memberships_above(session, user, story.provider_id)
    return mine[0][0] if mine else None


def _text(value: str, field: str = "body") -> str:
    text = clean_text(value)
    if visible_length(text) < REPLY_MIN:
        raise Invalid(_l("Write your reply first."), field=field)
    if len(text) > REPLY_MAX:
        raise Invalid(_l("Keep it under %(limit)s characters (it has %(len)s).",
                         limit=format(REPLY_MAX, ','), len=format(len(text), ',')), field=field)
    return text


def require_staff(session: Session, user: User, story: Story) -> Membership:
    membership = acting_membership(session, user, story)
    if membership is None:
        raise NotAllowed(_l("Only staff of this service, or of the organisation it belongs to, can do that."))
    if story.status != PUBLISHED:
        raise Conflict(_l("This story is not published."))
    return membership


def note_first_read(session: Session, user: User, story: Story) -> bool:
    """The first time a member of the story's provider staff (or of a provider above it) opens the published story:
    first_read_at is set by a conditional UPDATE (so two first readers at once make one), and FIRST_READ joins
    the timeline. True when this was the first read. The caller commits."""
    if story.status != PUBLISHED or story.first_read_at is not None:
        return False
    if acting_membership(session, user, story) is None:
        return False
    now = utcnow()
    done = session.execute(update(Story).where(Story.id == story.id, Story.first_read_at.is_(None))
                           .values(first_read_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    session.expire(story, ["first_read_at"])
    return record_once(session, story, timeline.FIRST_READ, step=0, at=now, provider=story.provider)


def _tell_author(session: Session, story: Story, subject: object, what: str, text: str) -> None:
    author = story.author
    if author.email_confirmed_at is None:
        return  # confirmed addresses only
    queue_email(session, author.email, "author_update", subject, kind="story.update", story=story, what=what,
                locale=story.language,
                text=text, provider=story.provider, link=author_link(author, "pages.story", story_id=story.id),
                answer_link=answer_link(story))


def published_contributions(session: Session, user: User, leave_out: Reply | Change | None = None) -> int:
    """How many of this person's staff replies and changes are public now (hidden ones do not count)."""
    replies = select(func.count(Reply.id)).where(Reply.author_id == user.id, Reply.kind == STAFF_REPLY,
                                                 Reply.status == VISIBLE)
    changes = select(func.count(Change.id)).where(Change.reported_by_id == user.id, Change.status == VISIBLE)
    if isinstance(leave_out, Reply) and leave_out.id is not None:
        replies = replies.where(Reply.id != leave_out.id)
    if isinstance(leave_out, Change) and leave_out.id is not None:
        changes = changes.where(Change.id != leave_out.id)
    return (session.scalar(replies) or 0) + (session.scalar(changes) or 0)


def must_wait(session: Session, user: User, flags: list[str], item: Reply | Change | None = None) -> bool:
    """A flagged text, or one of a responder's first RESPONDER_MODERATED_REPLIES, waits for a moderator."""
    if flags:
        return True
    return published_contributions(session, user, item) < current_app.config["RESPONDER_MODERATED_REPLIES"]


def went_public(session: Session, item: Reply | Change) -> None:
    """What follows when a reply, change or answer becomes public: the story's status, its timeline, and who is
    told.

    Called when it is published at once and when a moderator publishes it later, so the author hears of a reply
    only once anyone can read it, and the responders hear of an answer only then. A change made asks the author,
    through a signed link, whether it matches what they see now.
    """
    story = item.story
    refresh_response(session, story)
    if isinstance(item, Change):
        _record_change(session, item)
        if item.kind == CHANGE_MADE:
            ask_author(session, item)
        else:
            subject = (_l("%(name)s: change planned after your story", name=item.provider.name)
                       if item.kind == CHANGE_PLANNED else
                       _l("%(name)s: no change planned after your story", name=item.provider.name))
            _tell_author(session, story, subject, CHANGE_KINDS[item.kind].lower(), item.description)
    elif item.kind == STAFF_REPLY:
        name = item.provider.name if item.provider is not None else story.provider.name
        record_once(session, story, timeline.REPLIED, step=0, at=item.published_at,
                    provider=item.provider or story.provider)
        _tell_author(session, story, _l("%(name)s replied to your story", name=name), "replied", item.body)
    else:
        _alert_responders(session, story, item)


_CHANGE_EVENTS = {CHANGE_PLANNED: timeline.CHANGE_PLANNED, CHANGE_MADE: timeline.CHANGE_MADE,
                  NO_CHANGE: timeline.NO_CHANGE_PLANNED}


def _record_change(session: Session, change: Change) -> None:
    detail: dict = {"change_id": change.id}
    if change.kind == CHANGE_PLANNED:
        detail["due_on"] = change.due_on.isoformat() if change.due_on else None
    timeline.record_event(session, change.story, _CHANGE_EVENTS[change.kind], provider=change.provider,
                          detail=detail)


def add_reply(session: Session, user: User, story: Story, body: str) -> Reply:
    """A staff reply: public at once from a trusted responder when nothing is flagged, else it waits."""
    membership = require_staff(session, user, story)
    text = _text(body)
    flags = text_flag_kinds(text)
    waits = must_wait(session, user, flags)
    now = utcnow()
    reply = Reply(story_id=story.id, author_id=user.id, kind=STAFF_REPLY, provider_id=membership.provider_id,
                  responder_name=user.display_name or "Staff member", responder_title=membership.job_title,
                  body=text, flags=flags, status=AWAITING_MODERATION if waits else VISIBLE,
                  published_at=None if waits else now, created_at=now)
    session.add(reply)
    session.flush()
    record(session, "reply.added", story=story, actor=user,
           after={"reply": reply.id, "body": reply.body, "status": reply.status, "flags": flags})
    if not waits:
        went_public(session, reply)
    return reply


def check_edit_window(reply: Reply) -> None:
    if utcnow() - reply.created_at > timedelta(minutes=REPLY_EDIT_MINUTES):
        raise Conflict(_l("A reply can be edited for %(limit)s minutes. Add another reply instead.",
                          limit=REPLY_EDIT_MINUTES))


def check_can_edit(session: Session, user: User, reply: Reply) -> None:
    """Only the writer, while still on the staff, of a reply no moderator hid or turned down, for 30 minutes."""
    if reply.kind != STAFF_REPLY or not user.is_authenticated or reply.author_id != user.id:
        raise NotAllowed(_l("Only the person who wrote a reply can edit it."))
    if reply.status in (HIDDEN, REJECTED):
        raise NotAllowed(_l("A moderator took this reply down, so it can no longer be edited."))
    if acting_membership(session, user, reply.story) is None:
        raise NotAllowed(_l("You are no longer on the staff of this service, so you cannot edit its replies."))
    check_edit_window(reply)


def edit_reply(session: Session, user: User, reply: Reply, body: str) -> Reply:
    """The writer's own correction. Checked again: a flagged edit, or one by a new responder, waits."""
    check_can_edit(session, user, reply)
    before = {"body": reply.body, "status": reply.status}
    reply.body = _text(body)
    reply.flags = text_flag_kinds(reply.body)
    reply.edited_at = utcnow()
    if reply.status == VISIBLE and must_wait(session, user, reply.flags, reply):
        reply.status, reply.published_at = AWAITING_MODERATION, None
    record(session, "reply.edited", story=reply.story, actor=user, before=before,
           after={"body": reply.body, "status": reply.status, "flags": reply.flags})
    if before["status"] == VISIBLE:
        refresh_response(session, reply.story)  # its text, or its leaving the conversation, changes the story
    return reply


# The story page's statements, built once: building and keying them on every view cost more than running them.
_WRITERS_REPLIES = select(Reply).where(Reply.story_id == bindparam("story_id"), Reply.author_id == bindparam("user_id"),
                                       Reply.kind == STAFF_REPLY, Reply.status != VISIBLE)
_WRITERS_CHANGES = select(Change).where(Change.story_id == bindparam("story_id"),
                                        Change.reported_by_id == bindparam("user_id"), Change.status != VISIBLE)
_VISIBLE_REPLIES = select(Reply).where(Reply.story_id == bindparam("story_id"), Reply.status == VISIBLE)
_VISIBLE_CHANGES = select(Change).where(Change.story_id == bindparam("story_id"), Change.status == VISIBLE)


def waiting_for_writer(session: Session, story: Story, user: User) -> list[Reply | Change]:
    """The viewer's own replies and changes on this story that the public cannot see yet (or ever)."""
    if not user.is_authenticated:
        return []
    ids = {"story_id": story.id, "user_id": user.id}
    replies = session.scalars(_WRITERS_REPLIES, ids)
    changes = session.scalars(_WRITERS_CHANGES, ids)
    return sorted([*replies, *changes], key=lambda item: (item.created_at, item.id))


# ---------------------------------------------------------------- the author's answers

def author_from_link(session: Session, story: Story, token: str) -> User:
    payload = read_token(ANSWER_PURPOSE, token, current_app.config["TOKEN_MAX_AGE_ANSWER"])
    if payload.get("sid") != story.id:
        raise Invalid(_l("This link is not valid."))
    author = user_from_claims(session, payload)
    if story.author_id != author.id:
        raise Invalid(_l("This link is not valid."))
    if story.status != PUBLISHED:
        raise Invalid(_l("This story is no longer published, so this link no longer works."))
    return author


def add_answer(session: Session, user: User, story: Story, body: str) -> Reply:
    """The author answers back. Moderated like a story before it joins the conversation."""
    if user is None or story.author_id != user.id:
        raise NotAllowed(_l("Only the author of the story can answer here."))
    if story.status != PUBLISHED:
        raise Conflict(_l("This story is not published."))
    text = _text(body)
    reply = Reply(story_id=story.id, author_id=user.id, kind=AUTHOR_ANSWER, body=text,
                  flags=text_flag_kinds(text), status=AWAITING_MODERATION)
    session.add(reply)
    session.flush()
    record(session, "answer.added", story=story, actor=user,
           after={"reply": reply.id, "body": reply.body, "flags": reply.flags})
    return reply


def _alert_responders(session: Session, story: Story, answer: Reply) -> None:
    """The staff who replied in public hear that the author answered (once the answer is public)."""
    responder_ids = set(session.scalars(select(Reply.author_id).where(
        Reply.story_id == story.id, Reply.kind == STAFF_REPLY, Reply.status == VISIBLE)))
    for responder in session.scalars(select(User).where(User.id.in_(responder_ids), User.disabled_at.is_(None))):
        queue_email(session, responder.email, "answer_alert", _l("The author answered: %(title)s", title=story.title),
                    locale=DEFAULT_LANGUAGE,
                    kind="answer.alert", story=story, text=answer.body,
                    link=external_url("pages.story", story_id=story.id))


def conversation(session: Session, story: Story) -> list[Reply | Change]:
    """What the public sees under a story: visible replies, answers and changes, in time order."""
    replies = session.scalars(_VISIBLE_REPLIES, {"story_id": story.id})
    changes = session.scalars(_VISIBLE_CHANGES, {"story_id": story.id})
    items: list[Reply | Change] = [*replies, *changes]
    items.sort(key=lambda item: (item.published_at if isinstance(item, Reply) else item.created_at, item.id))
    return items


def pending_answers(session: Session, limit: int = 50) -> list[Reply]:
    return list(session.scalars(select(Reply).where(Reply.kind == AUTHOR_ANSWER, Reply.status == AWAITING_MODERATION)
                                .order_by(Reply.created_at).limit(limit)))


def has_pending_answer(session: Session, story: Story) -> bool:
    return bool(session.scalar(select(exists().where(
        Reply.story_id == story.id, Reply.kind == AUTHOR_ANSWER, Reply.status == AWAITING_MODERATION))))
