"""Red flags: many critical stories at one service in a short time, raised once per episode with an email."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Membership, User
from app.accounts.services import external_url
from app.directory.models import Provider
from app.directory.services import ancestor_ids_cte, subtree_ids
from app.extensions import utcnow
from app.insight.models import RedFlag
from app.mail.services import queue_email
from app.stories.models import PUBLISHED, Story

DEFAULTS = {"RED_FLAG_STORIES": 3, "RED_FLAG_CRITICALITY": 3, "RED_FLAG_DAYS": 30}


def thresholds() -> tuple[int, int, int]:
    """(stories, minimum criticality, days) from the settings."""
    config = current_app.config if has_app_context() else DEFAULTS
    return (config.get("RED_FLAG_STORIES", 3), config.get("RED_FLAG_CRITICALITY", 3),
            config.get("RED_FLAG_DAYS", 30))


def critical_count(session: Session, provider_id: int) -> int:
    """Published stories at this provider (its own) of the flag's criticality within the window: one indexed query."""
    _, criticality, days = thresholds()
    return session.scalar(select(func.count(Story.id)).where(
        Story.provider_id == provider_id, Story.status == PUBLISHED,
        Story.published_at >= utcnow() - timedelta(days=days), Story.criticality >= criticality)) or 0


def check(session: Session, provider_ids: Iterable[int], notify: bool = True) -> list[RedFlag]:
    """Open a flag where an episode starts (emailing the managers once) and close those that ended.

    Returns the flags opened.
    """
    wanted = thresholds()[0]
    opened: list[RedFlag] = []
    for provider_id in sorted(set(provider_ids)):
        count = critical_count(session, provider_id)
        current = session.scalar(select(RedFlag).where(RedFlag.provider_id == provider_id,
                                                       RedFlag.closed_at.is_(None)))
        if count >= wanted and current is None:
            flag = RedFlag(provider_id=provider_id, opened_at=utcnow(), stories=count)
            session.add(flag)
            opened.append(flag)
            if notify:
                _email_managers(session, provider_id, count)
        elif count >= wanted and current is not None:
            current.stories = max(current.stories, count)
        elif count < wanted and current is not None:
            current.closed_at = utcnow()
    return opened


def close_lapsed(session: Session) -> int:
    """The worker's job: close the episodes whose critical stories have aged out of the window."""
    wanted = thresholds()[0]
    closed = 0
    for flag in session.scalars(select(RedFlag).where(RedFlag.closed_at.is_(None))).all():
        if critical_count(session, flag.provider_id) < wanted:
            flag.closed_at = utcnow()
            closed += 1
    if closed:
        session.commit()
    return closed


def _email_managers(session: Session, provider_id: int, count: int) -> int:
    """Managers of the provider or of any provider above it (they manage it too), each once."""
    provider = session.get(Provider, provider_id)
    chain = ancestor_ids_cte(provider_id)
    managers = session.scalars(
        select(Membership).join(User, Membership.user_id == User.id)
        .where(Membership.provider_id.in_(select(chain.c.id)), Membership.role == "manager",
               User.disabled_at.is_(None), User.email_confirmed_at.isnot(None))
        .options(selectinload(Membership.user)).order_by(Membership.id)
    ).all()
    stories, criticality, days = thresholds()
    link = external_url("insight.provider", code=provider.code)
    sent: set[str] = set()
    for membership in managers:
        email = membership.user.email
        if email in sent:
            continue
        sent.add(email)
        queue_email(session, email, "red_flag", f"Red flag: {count} critical stories about {provider.name}",
                    kind="red_flag", provider=provider, count=count, days=days, criticality=criticality,
                    threshold=stories, link=link)
    return len(sent)


def open_flags(session: Session, provider_ids_below: list[int]) -> list[RedFlag]:
    """Open flags at these providers or anywhere below them: one query, the subtree being kept per content version."""
    covered = subtree_ids(session, provider_ids_below)
    if not covered:
        return []
    return list(session.scalars(
        select(RedFlag).where(RedFlag.closed_at.is_(None), RedFlag.provider_id.in_(covered))
        .options(selectinload(RedFlag.provider)).order_by(RedFlag.opened_at.desc())
    ))
