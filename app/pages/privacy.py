"""An author's own data across every domain: the download of everything the site holds about them, and deleting
the account. It sits above the domains and asks each to forget what it holds through its own service."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.accounts import services as account_services
from app.accounts.models import Membership, User
from app.accounts.passwords import verify_password
from app.errors import Invalid
from app.moderation.models import Report
from app.replies.models import Reply
from app.stories import services as story_services
from app.stories.models import Story
from app.text import N_
from app.web.i18n import lazy_gettext as _l

WITHDRAW, KEEP = "withdraw", "keep"
STORY_CHOICES = {WITHDRAW: N_("Withdraw my stories from the site"),
                 KEEP: N_("Keep my published stories on the site, shown as Anonymous")}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def export_user_data(session: Session, user: User) -> dict[str, Any]:
    """Everything about this person the site keeps, as plain JSON-ready data (their own data only)."""
    stories = session.scalars(select(Story).where(Story.author_id == user.id)
                              .options(selectinload(Story.provider), selectinload(Story.tags))
                              .order_by(Story.submitted_at, Story.id)).all()
    replies = session.scalars(select(Reply).where(Reply.author_id == user.id)
                              .order_by(Reply.created_at, Reply.id)).all()
    reports = session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.id)).all()
    memberships = session.scalars(select(Membership).where(Membership.user_id == user.id)
                                  .options(selectinload(Membership.provider)).order_by(Membership.id)).all()
    return {
        "account": {
            "id": user.id, "email": user.email, "display_name": user.display_name,
            "created_at": _iso(user.created_at), "email_confirmed_at": _iso(user.email_confirmed_at),
            "last_login_at": _iso(user.last_login_at), "is_moderator": user.is_moderator, "is_admin": user.is_admin,
        },
        "memberships": [{"provider_code": m.provider.code, "provider_name": m.provider.name, "role": m.role,
                         "job_title": m.job_title, "alert_frequency": m.alert_frequency,
                         "created_at": _iso(m.created_at)} for m in memberships],
        "stories": [{
            "id": s.id, "provider_code": s.provider.code, "provider_name": s.provider.name, "title": s.title,
            "body": s.body, "experienced_on": _iso(s.experienced_on), "author_role": s.author_role,
            "on_behalf": s.on_behalf, "public_name": s.public_name, "status": s.status,
            "tags": [t.slug for t in s.tags], "submitted_at": _iso(s.submitted_at),
            "published_at": _iso(s.published_at), "withdrawn_at": _iso(s.withdrawn_at),
        } for s in stories],
        # Staff replies they wrote and their own answers to replies on their stories.
        "replies": [{"id": r.id, "story_id": r.story_id, "kind": r.kind, "body": r.body, "status": r.status,
                     "created_at": _iso(r.created_at), "published_at": _iso(r.published_at)} for r in replies],
        "reports": [{"id": r.id, "story_id": r.story_id, "reason": r.reason, "note": r.note,
                     "created_at": _iso(r.created_at)} for r in reports],
    }


def delete_account(session: Session, user: User, password: str, stories: str) -> None:
    """Delete the account: its personal data goes now; its stories are withdrawn or kept under "Anonymous".
    Each domain forgets what it holds through its own service."""
    if stories not in STORY_CHOICES:
        raise Invalid(_l("Choose what happens to your stories."), field="stories")
    if user.password_hash is not None and not verify_password(user.password_hash, password or ""):
        raise Invalid(_l("Your password is not right."), field="password")
    story_services.forget_author(session, user, keep_published=stories == KEEP)
    account_services.erase(session, user)
