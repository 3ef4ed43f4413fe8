"""Who may do what: one table of rules and one require(); views and the access-matrix test read it.

It lives in accounts because its rules are about people: their site roles and their staff memberships."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort
from flask_login import current_user

from app.accounts.staff import has_membership
from app.errors import NotAllowed
from app.extensions import db


def _staff_of(roles: tuple[str, ...] | None):
    def rule(user: Any, provider: Any) -> bool:
        return provider is not None and has_membership(db.session, user, provider, roles)
    return rule


def _site_moderator(user: Any, obj: Any = None) -> bool:
    return user.is_authenticated and (user.is_moderator or user.is_admin)


def _site_admin(user: Any, obj: Any = None) -> bool:
    return user.is_authenticated and user.is_admin


def _story_taker(user: Any, obj: Any = None) -> bool:
    return user.is_authenticated and (user.is_story_taker or user.is_moderator or user.is_admin)


def _signed_in(user: Any, obj: Any = None) -> bool:
    return user.is_authenticated


_manager = _staff_of(("manager",))
_staff = _staff_of(None)

# action -> rule(user, object). Anonymous visitors who fail a rule are sent to log in; others get 403.
RULES: dict[str, Callable[[Any, Any], bool]] = {
    "account.view": _signed_in,
    "moderation.view": _site_moderator,
    "admin.view": _site_admin,
    # Story takers enter stories for people who ask (assisted, paper, phone); moderators enter paper and phone ones.
    "stories.enter_for_someone": _story_taker,
    # Managers of a provider (or of any provider above it) manage its staff; so do site admins.
    "provider.manage_staff": lambda user, provider: _site_admin(user) or _manager(user, provider),
    # Staff of a provider act for it and for everything below it.
    "provider.respond": lambda user, provider: _staff(user, provider),
}


def can(action: str, obj: Any = None, user: Any = None) -> bool:
    return RULES[action](current_user if user is None else user, obj)


def require(action: str, obj: Any = None) -> None:
    """Stop the request unless the current user may do this: 401 (sent to log in) or 403."""
    if can(action, obj):
        return
    if not current_user.is_authenticated:
        abort(401)
    raise NotAllowed("You do not have permission to do that.")
