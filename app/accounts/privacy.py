"""An author's own data: the download of everything the site holds about them, and deleting the account."""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Invitation, Membership, User
from app.accounts.passwords import verify_password
from app.errors import Invalid
from app.extensions import utcnow
from app.mail.models import OutboxMessage
from app.moderation.audit import record
from app.moderation.models import Report
from app.replies.models import Reply
from app.stories.models import WITHDRAWN, Story

WITHDRAW, KEEP = "withdraw", "keep"
STORY_CHOICES = {WITHDRAW: "Withdraw my stories from the site",
                 KEEP: "Keep my published stories on the site, shown as Anonymous"}
ANONYMOUS = "Anonymous"


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

    The row itself stays as an empty tombstone because stories and the audit trail point at it; nothing in it
    identifies the person any more, and it can never log in again.
    """
    if stories not in STORY_CHOICES:
        raise Invalid("Choose what happens to your stories.", field="stories")
    if user.password_hash is not None and not verify_password(user.password_hash, password or ""):
        raise Invalid("Your password is not right.", field="password")
    now = utcnow()
    for story in session.scalars(select(Story).where(Story.author_id == user.id)):
        story.submission_key = None
        if stories == WITHDRAW or story.status != "published":
            if story.status != WITHDRAWN:
                before = {"status": story.status}
                story.status, story.withdrawn_at, story.claimed_by_id = WITHDRAWN, now, None
                record(session, "story.withdrawn", story=story, actor=user, before=before,
                       after={"status": WITHDRAWN, "why": "account deleted"})
        else:
            story.public_name = ANONYMOUS
    old_email = user.email
    session.execute(delete(OutboxMessage).where(OutboxMessage.to_addr == old_email))
    session.execute(delete(Invitation).where(Invitation.email == old_email, Invitation.accepted_at.is_(None)))
    session.execute(delete(Membership).where(Membership.user_id == user.id))
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.display_name = ""
    user.password_hash = None
    user.is_moderator = user.is_admin = False
    user.disabled_at = now
    user.last_login_at = None
    user.session_version = (user.session_version or 0) + 1  # every session and emailed link ends
