"""Moderators check an author's dispute of a change made before it shows beside the change: let it through (the
timeline says DISPUTED, and the story is reopened) or turn it down with a reason (the change stays as claimed)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit import record
from app.errors import Conflict
from app.moderation.services import _reason
from app.replies.models import AWAITING_MODERATION, REJECTED, VISIBLE, Change
from app.replies.verdicts import verdict_went_public


def _check(change: Change, expected_version: int | None) -> None:
    if expected_version is not None and change.version != expected_version:
        raise Conflict("The author or another moderator changed this since you opened it. Nothing was "
                       "overwritten: look at the latest version and act again.")
    if change.verdict_status != AWAITING_MODERATION:
        raise Conflict("This answer is not waiting for a moderator: someone has already dealt with it.")


def publish(session: Session, moderator: User, change: Change, expected_version: int | None = None) -> Change:
    """The dispute (with the author's words) shows publicly beside the change."""
    _check(change, expected_version)
    change.verdict_status = VISIBLE
    record(session, "change.verdict_published", story=change.story, actor=moderator,
           after={"change": change.id, "verdict": change.verdict, "note": change.verdict_note})
    verdict_went_public(session, change)
    return change


def reject(session: Session, moderator: User, change: Change, reason: str,
           expected_version: int | None = None) -> Change:
    """The dispute does not show (it names someone, say); the change stays as the provider reported it."""
    _check(change, expected_version)
    why = _reason(reason)
    change.verdict_status = REJECTED
    record(session, "change.verdict_rejected", story=change.story, actor=moderator, reason=why,
           before={"verdict_status": AWAITING_MODERATION}, after={"change": change.id, "verdict_status": REJECTED})
    return change
