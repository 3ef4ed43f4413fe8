"""Following a service: asking, confirming, unsubscribing, what is new at a service, and the daily digest job."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_ngettext
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, selectinload

from app.accounts.services import external_url
from app.accounts.tokens import make_token, read_token
from app.directory.models import Provider
from app.errors import Invalid
from app.extensions import utcnow
from app.following.models import Follow
from app.mail.services import queue_email
from app.replies.models import STAFF_REPLY, VISIBLE, Change, Reply
from app.stories.models import Story
from app.stories.queries import StoryFilters, public_stories, public_story_filter
from app.web.i18n import lazy_gettext as _l

CONFIRM_MAX_AGE = 7 * 24 * 3600
UNSUBSCRIBE_MAX_AGE = 10 * 365 * 24 * 3600  # an unsubscribe link in an old email must still work
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def normalise_email(value: str) -> str:
    address = (value or "").strip().lower()
    if len(address) > 254 or not _EMAIL.match(address):
        raise Invalid(_l("Enter an email address like name@example.org."), field="email")
    return address


def _token(purpose: str, follow: Follow) -> str:
    return make_token(purpose, {"f": follow.id, "k": follow.token_key})


def _follow_from(session: Session, purpose: str, token: str, max_age: int) -> Follow:
    payload = read_token(purpose, token, max_age)
    follow = session.get(Follow, payload.get("f")) if isinstance(payload.get("f"), int) else None
    if follow is None or follow.token_key != payload.get("k"):
        raise Invalid(_l("This link is no longer valid."))
    return follow


def unsubscribe_headers(follow: Follow) -> tuple[str, dict[str, str]]:
    url = external_url("following.unsubscribe", token=_token("follow-unsubscribe", follow))
    # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to the URL.
    return url, {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def ask_to_follow(session: Session, provider: Provider, email: str) -> None:
    """Email a confirmation link, unless the address already follows: the caller shows the same page either way,
    so nobody can learn from it whether an address follows a service."""
    address = normalise_email(email)
    follow = session.scalar(select(Follow).where(Follow.provider_id == provider.id, Follow.email == address))
    if follow is not None and follow.confirmed_at is not None:
        return
    if follow is None:
        follow = Follow(provider_id=provider.id, email=address)
        session.add(follow)
        session.flush()
    queue_email(session, address, "follow_confirm", _l("Confirm: follow %(name)s", name=provider.name),
                kind="follow.confirm",
                provider=provider, confirm_link=external_url("following.confirm",
                                                             token=_token("follow-confirm", follow)))


def confirm(session: Session, token: str) -> Follow:
    follow = _follow_from(session, "follow-confirm", token, CONFIRM_MAX_AGE)
    if follow.confirmed_at is None:
        follow.confirmed_at = follow.last_sent_at = utcnow()  # the first digest holds what happens from now
    return follow


def read_unsubscribe(session: Session, token: str) -> Follow:
    return _follow_from(session, "follow-unsubscribe", token, UNSUBSCRIBE_MAX_AGE)


def unsubscribe(session: Session, token: str) -> str:
    """Delete the follow: the address is forgotten and every link it was sent dies. Returns the service's name."""
    follow = read_unsubscribe(session, token)
    name = follow.provider.name
    session.delete(follow)
    return name


@dataclass
class Activity:
    """Something public that happened at a service: a reply or a change, for the feed and the digest."""

    at: datetime
    item: Reply | Change

    @property
    def is_reply(self) -> bool:
        return isinstance(self.item, Reply)


def public_activity(session: Session, provider: Provider, since: datetime | None = None,
                    until: datetime | None = None, limit: int = 50) -> list[Activity]:
    """The public replies from staff and the public changes on public stories at the provider and below it,
    newest first. Authors' answers are left out: they speak for the author, not for the service."""
    on_public = Story.id.in_(select(Story.id).where(public_story_filter(StoryFilters(provider=provider), session)))
    replies = (select(Reply).join(Story, Reply.story_id == Story.id)
               .where(on_public, Reply.kind == STAFF_REPLY, Reply.status == VISIBLE, Reply.published_at.isnot(None))
               .options(selectinload(Reply.story).selectinload(Story.tags), selectinload(Reply.provider)))
    changes = (select(Change).join(Story, Change.story_id == Story.id).where(on_public, Change.status == VISIBLE)
               .options(selectinload(Change.story).selectinload(Story.tags), selectinload(Change.provider)))
    if since is not None:
        replies, changes = replies.where(Reply.published_at > since), changes.where(Change.created_at > since)
    if until is not None:
        replies, changes = replies.where(Reply.published_at <= until), changes.where(Change.created_at <= until)
    replies = replies.order_by(Reply.published_at.desc(), Reply.id.desc()).limit(limit)
    changes = changes.order_by(Change.created_at.desc(), Change.id.desc()).limit(limit)
    items = [Activity(r.published_at, r) for r in session.scalars(replies)]
    items += [Activity(c.created_at, c) for c in session.scalars(changes)]
    items.sort(key=lambda a: (a.at, a.is_reply, a.item.id), reverse=True)
    return items[:limit]


def _new_stories(session: Session, provider: Provider, since: datetime, until: datetime) -> list[Story]:
    return list(session.scalars(public_stories(StoryFilters(provider=provider), session)
                                .where(Story.published_at > since, Story.published_at <= until)
                                .order_by(Story.published_at.desc(), Story.id.desc()).limit(100)))


def run_digests(session: Session) -> int:
    """Send each confirmed follower one digest a day, at or after DIGEST_HOUR, of what happened at the service
    and below it since their last one; nothing when nothing happened. The follower's mark moves in the same
    transaction as the outbox row, and only if nobody moved it first: two runs or two workers send one digest.
    Addresses that never confirmed are deleted once their confirmation link has expired."""
    now = utcnow()
    # An address that never confirmed is forgotten once its link has expired.
    session.execute(delete(Follow).where(Follow.confirmed_at.is_(None),
                                         Follow.created_at < now - timedelta(seconds=CONFIRM_MAX_AGE)))
    session.commit()
    cutoff = now.replace(hour=current_app.config["DIGEST_HOUR"], minute=0, second=0, microsecond=0)
    if now < cutoff:
        return 0
    due = list(session.execute(select(Follow.id, Follow.last_sent_at).where(
        Follow.confirmed_at.isnot(None), Follow.last_sent_at < cutoff).order_by(Follow.id)))
    sent = 0
    for follow_id, since in due:
        claimed = session.execute(update(Follow).where(Follow.id == follow_id, Follow.last_sent_at == since)
                                  .values(last_sent_at=now))
        if claimed.rowcount != 1:
            session.rollback()
            continue
        follow = session.get(Follow, follow_id)
        stories = _new_stories(session, follow.provider, since, now)
        activity = public_activity(session, follow.provider, since=since, until=now, limit=100)
        if stories or activity:
            _send_digest(session, follow, stories, activity)
            sent += 1
        session.commit()
    return sent


def _send_digest(session: Session, follow: Follow, stories: list[Story], activity: list[Activity]) -> None:
    url, headers = unsubscribe_headers(follow)
    count = len(stories) + len(activity)
    subject = lazy_ngettext("%(num)d new thing at %(name)s", "%(num)d new things at %(name)s", count,
                            name=follow.provider.name)
    links = {s.id: external_url("pages.story", story_id=s.id) for s in stories}
    links.update({a.item.story_id: external_url("pages.story", story_id=a.item.story_id) for a in activity})
    queue_email(session, follow.email, "follow_digest", subject, kind="follow.digest", headers=headers,
                provider=follow.provider, stories=stories, activity=activity, links=links, unsubscribe_link=url)
