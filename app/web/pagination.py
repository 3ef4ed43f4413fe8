"""Keyset pagination: the next page starts after the last row's sort key, never at an OFFSET."""
from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, literal, tuple_
from sqlalchemy.orm import Session

from app.web.params import database_int

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values), default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, width: int) -> list[Any] | None:
    """The key in a cursor, or None when it is absent or malformed (then the list starts again)."""
    if not cursor or len(cursor) > 512:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return None
    if not isinstance(values, list) or len(values) != width:
        return None
    if not all(isinstance(v, (str, int, float)) for v in values):
        return None
    return values


def _storable(value: str) -> bool:
    """Whether the database can take this text: a NUL, or a lone surrogate ("\\ud800" in a cursor's JSON), it
    refuses with an error."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def _typed(columns: Sequence[Any], values: list[Any] | None) -> list[Any] | None:
    """Cursor values back in their columns' Python types (datetimes travel as ISO text); None if malformed."""
    if values is None:
        return None
    typed = []
    for column, value in zip(columns, values, strict=True):
        try:
            python_type = column.type.python_type
        except NotImplementedError:
            python_type = None
        if python_type is datetime:
            if not isinstance(value, str):
                return None
            try:
                value = datetime.fromisoformat(value)
                # In UTC, as stored: an offset may carry the years 1 and 9999 out of range (then it is no key).
                value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
            except (ValueError, OverflowError):
                return None
        elif python_type is int and (not isinstance(value, int) or not database_int(value)):
            return None  # a number past what the column holds would overflow in PostgreSQL
        elif python_type is str and (not isinstance(value, str) or not _storable(value)):
            return None
        typed.append(value)
    return typed


def keyset_page(session: Session, stmt: Select, columns: Sequence[Any], key: Callable[[Any], Sequence[Any]],
                cursor: str | None, size: int = 20, descending: bool = False, rows: bool = False) -> Page:
    """One page of stmt ordered by columns (a unique key, e.g. name then id): its first column's values (ORM
    objects, for a select of a model), or with rows=True whole rows."""
    values = _typed(columns, decode_cursor(cursor, len(columns)))
    if values is not None:
        # Bound with each column's type, so a datetime compares as the database stores it.
        row = tuple_(*columns)
        after = tuple_(*[literal(v, type_=c.type) for c, v in zip(columns, values, strict=True)])
        stmt = stmt.where(row < after if descending else row > after)
    order = [c.desc() for c in columns] if descending else list(columns)
    result = session.execute(stmt.order_by(*order).limit(size + 1))
    found = list(result.all() if rows else result.scalars())
    more = len(found) > size
    found = found[:size]
    return Page(found, encode_cursor(key(found[-1])) if more and found else None)
