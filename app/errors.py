"""Domain errors raised by services; one handler turns each into an HTTP answer."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError


class DomainError(Exception):
    status = 400

    def __init__(self, message: str = "", field: str | None = None, errors: dict[str, str] | None = None) -> None:
        super().__init__(message or "; ".join(str(v) for v in (errors or {}).values()))
        self.message = message or "Please correct the problems shown."
        self.field = field
        # Several fields' problems at once, so a form can show them all.
        self.errors = errors or ({field: message} if field else {})


class Invalid(DomainError):
    status = 400


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


def one_line(exc: BaseException, limit: int = 2000) -> str:
    """An exception as operators read it on the admin pages: one printable line, bounded (a NUL or a newline
    from the data that caused it must not stop the error itself from being stored)."""
    text = f"{type(exc).__name__}: {exc}"
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)[:limit]


STALE = ("Someone else changed this story or its conversation at the same moment. Nothing was overwritten: "
         "look at the latest version and act again.")


@contextmanager
def stale_is_conflict(session: Session) -> Iterator[None]:
    """Any StaleDataError inside (an action's own flush, an autoflush, a nested transaction, the commit) is a
    Conflict: the row's version moved under us because someone else acted on it at the same moment."""
    try:
        yield
    except StaleDataError as exc:
        session.rollback()
        raise Conflict(STALE) from exc


def commit_or_conflict(session: Session) -> None:
    """Commit; a concurrent change to the same story (version moved under us) becomes a Conflict."""
    with stale_is_conflict(session):
        session.commit()
