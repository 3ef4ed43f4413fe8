"""Users, their memberships of providers, and invitations to join a provider's staff."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.directory.models import Provider
from app.extensions import db, utcnow
from app.text import N_

MEMBER_ROLES = {"responder": N_("Responder"), "manager": N_("Manager")}
TITLE_MAX = 120


def new_token_key() -> str:
    """A random key carried by every emailed link about a row, so a link can never act on a row that later
    reuses the id (SQLite reuses the highest rowid after a delete). Rows made before the key existed have
    None; a link to one of them carries "" and still never matches a new row, which always has a key."""
    return secrets.token_urlsafe(12)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: addresses are compared case-insensitively and are unique.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_confirmed_at: Mapped[datetime | None]
    is_moderator: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Enters stories for people who ask for help (assisted, paper and phone routes); granted by an admin.
    is_story_taker: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    disabled_at: Mapped[datetime | None]
    # Bumped whenever sessions and emailed links must stop working (password change, reset, disable).
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    token_key: Mapped[str | None] = mapped_column(String(32), default=new_token_key)
    # When a requested sign-in link was last used: a requested link issued before then is spent.
    link_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="Membership.user_id"
    )

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_site_staff(self) -> bool:
        return self.is_moderator or self.is_admin

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(db.Model):
    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    job_title: Mapped[str] = mapped_column(String(TITLE_MAX), default="", server_default="")
    role: Mapped[str] = mapped_column(String(20), default="responder", server_default="responder")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Alerts about published stories here and below: immediate, daily, weekly or none.
    alert_frequency: Mapped[str] = mapped_column(String(10), default="immediate", server_default="immediate")
    alert_min_criticality: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    token_key: Mapped[str | None] = mapped_column(String(32), default=new_token_key)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    provider: Mapped[Provider] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "provider_id"),)

    @property
    def role_label(self) -> str:
        return MEMBER_ROLES.get(self.role, self.role)


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    job_title: Mapped[str] = mapped_column(String(TITLE_MAX), default="", server_default="")
    role: Mapped[str] = mapped_column(String(20), default="responder", server_default="responder")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_key: Mapped[str | None] = mapped_column(String(32), default=new_token_key)

    provider: Mapped[Provider] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
