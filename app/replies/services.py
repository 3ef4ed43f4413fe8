"""Replies, changes and the author's answers: who may write them, what they change, who hears of them."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.accounts.links import author_link
from app.accounts.models import Membership, User
from app.accounts.services import external_url
from app.accounts.tokens import make_token, read_token, user_claims, user_from_claims
from app.directory.services import ancestor_ids_cte
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import utcnow
from app.mail.services import queue_email
from app.moderation.audit import record
from app.moderation.models import Report
from app.moderation.services import resolve_report
from app.replies.models import (
    AUTHOR_ANSWER,
    AWAITING_MODERATION,
    CHANGE_KINDS,
    CHANGE_MADE,
    CHANGE_PLANNED,
    HIDDEN,
    REJECTED,
    REPLY_EDIT_MINUTES,
    STAFF_REPLY,
    VISIBLE,
    Change,
    Reply,
)
from app.stories.models import PUBLISHED, Story
from app.stories.text import clean_text

REPLY_MIN, REPLY_MAX = 2, 5000


def acting_membership(session: Session, user: User, story: Story) -> Membership | None:
    """The membership a staff member speaks through for this story: the one closest to its provider."""
    if not user.is_authenticated:
        return None
    cte = ancestor_ids_cte(story.provider_id)
    return session.scalar(
        select(Membership).join(cte, Membership.provider_id == cte.c.id)
        .where(Membership.user_id == user.id).order_by(cte.c.depth).limit(1)
    )


def _text(value: str, field: str = "body") -> str:
    text = clean_text(value)
    if len(text) < REPLY_MIN:
        raise Invalid("Write your reply first.", field=field)
    if len(text) > REPLY_MAX:
        raise Invalid(f"Keep it under {REPLY_MAX:,} characters (it has {len(text):,}).", field=field)
    return text


def _require_staff(session: Session, user: User, story: Story) -> Membership:
    membership = acting_membership(session, user, story)
    if membership is None:
        raise NotAllowed("Only staff of this service, or of the organisation it belongs to, can do that.")
    if story.status != PUBLISHED:
        raise Conflict("This story is not published.")
    return membership


def refresh_response(session: Session, story: Story) -> None:
    """Derive the story's response status and first reply time from its visible replies and changes.

    The story counts as updated (the API's updated_since, the dataset rebuild): its conversation changed.
    """
    session.flush()
    story.updated_at = utcnow()
    kinds = set(session.scalars(select(Change.kind).where(Change.story_id == story.id, Change.status == VISIBLE)))
    first = session.scalar(select(Reply.published_at).where(
        Reply.story_id == story.id, Reply.kind == STAFF_REPLY, Reply.status == VISIBLE
    ).order_by(Reply.published_at).limit(1))
    story.first_reply_at = first
    if CHANGE_MADE in kinds:
        story.response_status = "change_made"
    elif CHANGE_PLANNED in kinds:
        story.response_status = "change_planned"
    elif first is not None:
        story.response_status = "responded"
    else:
        story.response_status = "awaiting_response"


def _tell_author(session: Session, story: Story, subject: str, what: str, text: str) -> None:
    author = story.author
    if author.email_confirmed_at is None:
        return  # confirmed addresses only
    queue_email(session, author.email, "author_update", subject, kind="story.update", story=story, what=what,
                text=text, provider=story.provider, link=author_link(author, "stories.show", story_id=story.id),
                answer_link=answer_link(story))


def answer_link(story: Story) -> str:
    """The "answer back" link: the story and its author's id, random key and session version, so it dies with
    the account (deleted, disabled, sessions ended) and never answers for another account that reuses the id."""
    token = make_token("answer", {"sid": story.id, **user_claims(story.author)})
    return external_url("replies.answer_by_link", story_id=story.id, token=token)


def add_reply(session: Session, user: User, story: Story, body: str) -> Reply:
    membership = _require_staff(session, user, story)
    now = utcnow()
    reply = Reply(story_id=story.id, author_id=user.id, kind=STAFF_REPLY, provider_id=membership.provider_id,
                  responder_name=user.display_name or "Staff member", responder_title=membership.job_title,
                  body=_text(body), status=VISIBLE, published_at=now, created_at=now)
    session.add(reply)
    refresh_response(session, story)
    record(session, "reply.added", story=story, actor=user, after={"reply": reply.id, "body": reply.body})
    _tell_author(session, story, f"{membership.provider.name} replied to your story", "replied", reply.body)
    return reply


def check_edit_window(reply: Reply) -> None:
    if utcnow() - reply.created_at > timedelta(minutes=REPLY_EDIT_MINUTES):
        raise Conflict(f"A reply can be edited for {REPLY_EDIT_MINUTES} minutes. Add another reply instead.")


def edit_reply(session: Session, user: User, reply: Reply, body: str) -> Reply:
    if reply.kind != STAFF_REPLY or reply.author_id != user.id:
        raise NotAllowed("Only the person who wrote a reply can edit it.")
    check_edit_window(reply)
    before = reply.body
    reply.body = _text(body)
    reply.edited_at = reply.story.updated_at = utcnow()
    record(session, "reply.edited", story=reply.story, actor=user, before={"body": before},
           after={"body": reply.body})
    return reply


def add_change(session: Session, user: User, story: Story, kind: str, description: str,
               made_on: date | None = None) -> Change:
    membership = _require_staff(session, user, story)
    if kind not in CHANGE_KINDS:
        raise Invalid("Choose planned or made.", field="kind")
    text = clean_text(description)
    if len(text) < 10:
        raise Invalid("Say what will change, or what changed, in a sentence or two.", field="description")
    if len(text) > REPLY_MAX:
        raise Invalid(f"Keep it under {REPLY_MAX:,} characters.", field="description")
    if kind == CHANGE_MADE:
        if made_on is None:
            raise Invalid("Give the date the change was made.", field="made_on")
        if made_on > utcnow().date():
            raise Invalid("The date a change was made cannot be in the future.", field="made_on")
    change = Change(story_id=story.id, provider_id=story.provider_id, reported_by_id=user.id,
                    reporter_name=user.display_name or "Staff member", reporter_title=membership.job_title,
                    kind=kind, description=text, made_on=made_on if kind == CHANGE_MADE else None)
    session.add(change)
    refresh_response(session, story)
    record(session, f"change.{kind}", story=story, actor=user, after={"description": text})
    _tell_author(session, story, f"{membership.provider.name}: {CHANGE_KINDS[kind].lower()} after your story",
                 CHANGE_KINDS[kind].lower(), text)
    return change


# ---------------------------------------------------------------- the author's answers

def author_from_link(session: Session, story: Story, token: str) -> User:
    payload = read_token("answer", token, current_app.config["TOKEN_MAX_AGE_ANSWER"])
    if payload.get("sid") != story.id:
        raise Invalid("This link is not valid.")
    author = user_from_claims(session, payload)
    if story.author_id != author.id:
        raise Invalid("This link is not valid.")
    if story.status != PUBLISHED:
        raise Invalid("This story is no longer published, so this link no longer works.")
    return author


def add_answer(session: Session, user: User, story: Story, body: str) -> Reply:
    """The author answers back. Moderated like a story before it joins the conversation."""
    if user is None or story.author_id != user.id:
        raise NotAllowed("Only the author of the story can answer here.")
    if story.status != PUBLISHED:
        raise Conflict("This story is not published.")
    reply = Reply(story_id=story.id, author_id=user.id, kind=AUTHOR_ANSWER, body=_text(body),
                  status=AWAITING_MODERATION)
    session.add(reply)
    session.flush()
    record(session, "answer.added", story=story, actor=user, after={"reply": reply.id, "body": reply.body})
    return reply


def publish_answer(session: Session, moderator: User, reply: Reply) -> Reply:
    if reply.kind != AUTHOR_ANSWER or reply.status != AWAITING_MODERATION:
        raise Conflict("This answer is not waiting for moderation.")
    reply.status = VISIBLE
    reply.published_at = utcnow()
    story = reply.story
    story.updated_at = reply.published_at
    record(session, "answer.published", story=story, actor=moderator, after={"reply": reply.id})
    # The responders hear that the author answered.
    responder_ids = set(session.scalars(select(Reply.author_id).where(
        Reply.story_id == story.id, Reply.kind == STAFF_REPLY, Reply.status == VISIBLE)))
    for responder in session.scalars(select(User).where(User.id.in_(responder_ids), User.disabled_at.is_(None))):
        queue_email(session, responder.email, "answer_alert", f"The author answered: {story.title}",
                    kind="answer.alert", story=story, text=reply.body,
                    link=external_url("stories.show", story_id=story.id))
    return reply


def reject_answer(session: Session, moderator: User, reply: Reply, reason: str) -> Reply:
    if reply.kind != AUTHOR_ANSWER or reply.status != AWAITING_MODERATION:
        raise Conflict("This answer is not waiting for moderation.")
    reason = clean_text(reason)
    if not reason:
        raise Invalid("Give a reason: it is kept in the story's history.", field="reason")
    reply.status = REJECTED
    reply.hidden_reason = reason
    record(session, "answer.rejected", story=reply.story, actor=moderator, reason=reason)
    return reply


def hide_reply(session: Session, moderator: User, reply: Reply, reason: str) -> Reply:
    reason = clean_text(reason)
    if not reason:
        raise Invalid("Give a reason: it is kept in the story's history.", field="reason")
    if reply.status != VISIBLE:
        raise Conflict("Only a visible reply can be hidden.")
    reply.status = HIDDEN
    reply.hidden_reason = reason
    for item in session.scalars(select(Report).where(Report.reply_id == reply.id, Report.resolved_at.is_(None))):
        resolve_report(session, moderator, item, "hidden")
    record(session, "reply.hidden", story=reply.story, actor=moderator, reason=reason,
           before={"body": reply.body, "status": VISIBLE}, after={"status": HIDDEN})
    refresh_response(session, reply.story)
    return reply


def conversation(session: Session, story: Story) -> list[Reply | Change]:
    """What the public sees under a story: visible replies, answers and changes, in time order."""
    replies = session.scalars(select(Reply).where(Reply.story_id == story.id, Reply.status == VISIBLE))
    changes = session.scalars(select(Change).where(Change.story_id == story.id, Change.status == VISIBLE))
    items: list[Reply | Change] = [*replies, *changes]
    items.sort(key=lambda item: (item.published_at if isinstance(item, Reply) else item.created_at, item.id))
    return items


def pending_answers(session: Session, limit: int = 50) -> list[Reply]:
    return list(session.scalars(select(Reply).where(Reply.kind == AUTHOR_ANSWER, Reply.status == AWAITING_MODERATION)
                                .order_by(Reply.created_at).limit(limit)))


def has_pending_answer(session: Session, story: Story) -> bool:
    return bool(session.scalar(select(exists().where(
        Reply.story_id == story.id, Reply.kind == AUTHOR_ANSWER, Reply.status == AWAITING_MODERATION))))
