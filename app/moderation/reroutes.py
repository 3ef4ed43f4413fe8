"""Honest outcomes: staff say a published story is "not about us" and name the right service; a moderator moves it
(the new service is alerted through app.moderation.fixing.move) or keeps it, with a reason.

The request is a RerouteRequest row. While it waits, the story's timeline holds NOT_ABOUT_US (the reminders read
it and stop); a move adds REROUTED with the new service, then the new service's ALERTED; a declined request's
NOT_ABOUT_US is taken off the timeline (the audit log keeps both), so the reminders carry on as before.
"""
from __future__ import annotations

from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.accounts.services import external_url
from app.audit import record
from app.directory.models import Provider
from app.errors import Conflict, Invalid
from app.extensions import utcnow
from app.mail.services import queue_email
from app.moderation import fixing
from app.moderation.models import REROUTE_DECLINED, REROUTE_MOVED, RerouteRequest
from app.moderation.services import NOTE_MAX, _reason
from app.replies.services import require_staff
from app.stories import timeline
from app.stories.models import PUBLISHED, Story
from app.stories.text import clean_text
from app.stories.timeline import StoryEvent
from app.web.i18n import DEFAULT as STAFF_LANGUAGE
from app.web.i18n import lazy_gettext as _l

_OPEN_REQUEST = select(RerouteRequest).where(RerouteRequest.story_id == bindparam("story_id"),
                                             RerouteRequest.decided_at.is_(None)).limit(1)  # built once


def open_request(session: Session, story: Story) -> RerouteRequest | None:
    return session.scalar(_OPEN_REQUEST, {"story_id": story.id})


def request_reroute(session: Session, user: User, story: Story, provider: Provider | None,
                    note: str) -> RerouteRequest:
    """Staff of the story's service (or above it) say it is about another service. It waits for a moderator;
    until then the story is not reminded."""
    require_staff(session, user, story)
    if provider is None:
        raise Invalid("No service has that code. Find it in the directory and copy its code.", field="provider")
    if not provider.active:
        raise Invalid(f"{provider.name} no longer takes stories.", field="provider")
    if provider.id == story.provider_id:
        raise Invalid("That is the service the story is about now. Give the code of the right one.",
                      field="provider")
    text = clean_text(note)
    if len(text) > NOTE_MAX:
        raise Invalid(f"Keep it under {NOTE_MAX:,} characters.", field="note")
    if open_request(session, story) is not None:
        raise Conflict("A request to move this story is already waiting for a moderator.")
    item = RerouteRequest(story_id=story.id, from_provider_id=story.provider_id, to_provider_id=provider.id,
                          requested_by_id=user.id, note=text)
    session.add(item)
    session.flush()
    timeline.record_event(session, story, timeline.NOT_ABOUT_US, provider=story.provider,
                          detail={"request_id": item.id, "suggested_provider_id": provider.id})
    record(session, "story.not_about_us", story=story, actor=user, reason=text or None,
           after={"request": item.id, "provider": story.provider.code, "suggested": provider.code})
    return item


def _decided(item: RerouteRequest, moderator: User, outcome: str, reason: str) -> None:
    if item.decided_at is not None:
        raise Conflict("Another moderator has already decided this request.")
    item.decided_at, item.decided_by_id, item.outcome, item.decision_reason = utcnow(), moderator.id, outcome, reason


def _tell_requester(session: Session, item: RerouteRequest) -> None:
    who = item.requested_by
    if who is None or not who.is_active or who.email_confirmed_at is None:
        return
    queue_email(session, who.email, "reroute_decided", _l("Not about you: %(title)s", title=item.story.title),
                kind="reroute.decided", locale=STAFF_LANGUAGE,
                item=item, story=item.story, link=external_url("pages.story", story_id=item.story_id))


def confirm(session: Session, moderator: User, item: RerouteRequest, expected_version: int,
            provider: Provider | None, reason: str) -> Story:
    """The moderator agrees: the story moves to the named service (or the one the moderator gives instead) and
    that service is alerted as at publication; the timeline says REROUTED."""
    story = item.story
    if story.status != PUBLISHED:
        raise Conflict(f"This story is {story.status_label.lower()}; only a published story is moved from here.")
    why = clean_text(reason) or "Staff said it is not about their service."
    if len(why) > NOTE_MAX:
        raise Invalid(f"Keep it under {NOTE_MAX:,} characters.", field="reason")
    _decided(item, moderator, REROUTE_MOVED, why)
    # The move writes REROUTED, then its signal alerts the new service (ALERTED).
    fixing.move(session, moderator, story, expected_version, provider, why, request_id=item.id)
    record(session, "story.reroute_confirmed", story=story, actor=moderator, reason=why,
           after={"request": item.id, "provider": story.provider.code})
    _tell_requester(session, item)
    return story


def decline(session: Session, moderator: User, item: RerouteRequest, reason: str) -> RerouteRequest:
    """The moderator finds the story is about the service it names: it stays, and the reminders carry on."""
    why = _reason(reason)
    _decided(item, moderator, REROUTE_DECLINED, why)
    for event in session.scalars(select(StoryEvent).where(StoryEvent.story_id == item.story_id,
                                                          StoryEvent.kind == timeline.NOT_ABOUT_US)):
        if (event.detail or {}).get("request_id") == item.id:
            session.delete(event)
            # A published step taken back: the story counts as updated, so a client syncing by updated_since
            # reads its events again (the events feed only ever adds).
            item.story.updated_at = utcnow()
    record(session, "story.reroute_declined", story=item.story, actor=moderator, reason=why,
           after={"request": item.id})
    _tell_requester(session, item)
    return item


# Built once (the queue reads it on every view): building it with its loader options cost more than running it.
_WAITING = (select(RerouteRequest).where(RerouteRequest.decided_at.is_(None))
            .options(selectinload(RerouteRequest.story), selectinload(RerouteRequest.from_provider),
                     selectinload(RerouteRequest.to_provider), selectinload(RerouteRequest.requested_by))
            .order_by(RerouteRequest.created_at, RerouteRequest.id).limit(bindparam("limit", type_=Integer)))


def waiting(session: Session, limit: int = 100) -> list[RerouteRequest]:
    return list(session.scalars(_WAITING, {"limit": limit}))


def for_story(session: Session, story: Story) -> list[RerouteRequest]:
    return list(session.scalars(select(RerouteRequest).where(RerouteRequest.story_id == story.id)
                                .order_by(RerouteRequest.created_at, RerouteRequest.id)))
