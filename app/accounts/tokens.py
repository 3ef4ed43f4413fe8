"""Signed, expiring tokens for every emailed link (itsdangerous)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.errors import Invalid


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"storyloop.{purpose}")


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict[str, Any]:
    """The payload, or Invalid with a message a person can act on."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise Invalid("This link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise Invalid("This link is not valid. Check that you copied all of it, or ask for a new one.") from exc
    if not isinstance(payload, dict):
        raise Invalid("This link is not valid.")
    return payload
