"""Admin operations on people: find them, grant or remove site roles, disable or enable an account."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Membership, User
from app.audit import record
from app.errors import Conflict, Invalid, NotFound
from app.extensions import utcnow
from app.text import clean_text

SITE_ROLES = {"moderator": "is_moderator", "admin": "is_admin", "story_taker": "is_story_taker"}


def find_people(session: Session, q: str, limit: int = 50) -> list[User]:
    """People whose address contains q (case-insensitive), exact matches first."""
    q = (q or "").strip().lower()[:254]
    if not q:
        return []
    stmt = (select(User).where(func.lower(User.email).contains(q, autoescape=True))
            .order_by((func.lower(User.email) != q), User.email).limit(limit))
    return list(session.scalars(stmt))


def get_person(session: Session, user_id: int) -> User:
    user = session.scalar(select(User).where(User.id == user_id)
                          .options(selectinload(User.memberships).selectinload(Membership.provider)))
    if user is None:
        raise NotFound("No account has that number.")
    return user


def _roles(user: User) -> dict:
    return {"moderator": user.is_moderator, "admin": user.is_admin, "story_taker": user.is_story_taker,
            "disabled": user.disabled_at is not None}


def _other_active_admins(session: Session, user: User) -> int:
    return session.scalar(select(func.count(User.id)).where(User.is_admin.is_(True), User.disabled_at.is_(None),
                                                             User.id != user.id)) or 0


def set_role(session: Session, admin: User, user: User, role: str, granted: bool, reason: str = "") -> User:
    if role not in SITE_ROLES:
        raise Invalid("The role is moderator, admin or story taker.", field="role")
    attribute = SITE_ROLES[role]
    if getattr(user, attribute) == granted:
        return user
    # The site must keep someone able to run it.
    if role == "admin" and not granted and not _other_active_admins(session, user):
        raise Conflict("This is the last active admin: grant admin to someone else first.")
    before = _roles(user)
    setattr(user, attribute, granted)
    if granted and user.password_hash is None:
        # An emailed link signs a person in to their own stories only; a session it opened must not carry a
        # site role. Those sessions end here: staff sign in with a password.
        user.session_version = (user.session_version or 1) + 1
    record(session, f"admin.user.{'grant' if granted else 'revoke'}_{role}", actor=admin,
           reason=clean_text(reason) or None, before=before, after=_roles(user), subject=("user", user.id))
    session.commit()
    return user


def set_disabled(session: Session, admin: User, user: User, disabled: bool, reason: str = "") -> User:
    """Disabling ends every session of the account at once (its session version moves on)."""
    if (user.disabled_at is not None) == disabled:
        return user
    if disabled and user.id == admin.id:
        raise Conflict("You cannot disable your own account.")
    if disabled and user.is_admin and not _other_active_admins(session, user):
        raise Conflict("This is the last active admin: grant admin to someone else first.")
    before = _roles(user)
    if disabled:
        user.disabled_at = utcnow()
        user.session_version = (user.session_version or 1) + 1
    else:
        user.disabled_at = None
    record(session, "admin.user.disable" if disabled else "admin.user.enable", actor=admin,
           reason=clean_text(reason) or None, before=before, after=_roles(user), subject=("user", user.id))
    session.commit()
    return user
