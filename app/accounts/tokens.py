"""Signed, expiring tokens for every emailed link (itsdangerous), and the checks that make them die.

A link about a person carries their id, their random `token_key` and their session version: it dies when the
account is deleted or disabled, when its sessions are ended (the version moves on with a password change, a
reset, a take-over or a deletion), and it can never act on another account that later reuses the id.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.errors import Invalid

EXPIRED = "This link has expired. Ask for a new one."
NO_LONGER_VALID = "This link is no longer valid. Ask for a new one."


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"storyloop.{purpose}")


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict[str, Any]:
    """The payload, or Invalid with a message a person can act on."""
    payload, _ = read_token_with_time(purpose, token, max_age)
    return payload


def read_token_with_time(purpose: str, token: str, max_age: int) -> tuple[dict[str, Any], datetime]:
    """The payload and when the token was made."""
    try:
        payload, signed_at = _serializer(purpose).loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired as exc:
        raise Invalid(EXPIRED) from exc
    except BadSignature as exc:
        raise Invalid("This link is not valid. Check that you copied all of it, or ask for a new one.") from exc
    if not isinstance(payload, dict):
        raise Invalid("This link is not valid.")
    if signed_at.tzinfo is None:
        signed_at = signed_at.replace(tzinfo=UTC)
    return payload, signed_at


def address_digest(address: str) -> str:
    """What a link carries of an address: a keyed digest, never the address (a token is signed, not secret:
    anyone who sees the link in a log or a browser's history could read an address put in it)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"storyloop.address:" + address.encode(), hashlib.sha256).hexdigest()[:32]


def same_address(address: str, digest: object) -> bool:
    return isinstance(digest, str) and hmac.compare_digest(address_digest(address), digest)


def user_claims(user: Any) -> dict[str, Any]:
    """What a link about this person carries: id, random key, session version."""
    return {"u": user.id, "k": user.token_key or "", "v": user.session_version}


def user_from_claims(session: Session, payload: dict[str, Any]):
    """The account a link names, while the link still stands for it; Invalid otherwise."""
    user_id = payload.get("u")
    user = session.get(User, user_id) if isinstance(user_id, int) else None
    if (user is None or (user.token_key or "") != payload.get("k") or user.session_version != payload.get("v")
            or not user.is_active):
        raise Invalid(NO_LONGER_VALID)
    return user
