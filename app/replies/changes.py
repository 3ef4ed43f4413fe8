"""Changes a provider plans and makes: due dates and owners, evidence, and the checks on each."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask_babel import format_date
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit import record
from app.errors import Conflict, Invalid
from app.extensions import utcnow
from app.flags import text_flag_kinds
from app.replies.models import (
    AWAITING_MODERATION,
    CHANGE_KINDS,
    CHANGE_MADE,
    CHANGE_PLANNED,
    NO_CHANGE,
    VISIBLE,
    Change,
)
from app.replies.services import REPLY_MAX, must_wait, require_staff, went_public
from app.replies.status import refresh_response
from app.stories.models import Story
from app.stories.text import clean_text
from app.text import normalise, visible_length
from app.web.i18n import lazy_gettext as _l

DUE_YEARS_MAX = 3
OWNER_MAX = 120
EVIDENCE_MAX = 2000
EVIDENCE_URL_MAX = 500


def latest_due_date(today: date) -> date:
    """The furthest a planned change may be due: DUE_YEARS_MAX years from today (28 February for 29 February)."""
    try:
        return today.replace(year=today.year + DUE_YEARS_MAX)
    except ValueError:
        return today.replace(year=today.year + DUE_YEARS_MAX, day=28)


def _check_due_on(due_on: date | None, errors: dict[str, str]) -> None:
    today = utcnow().date()
    if due_on is None:
        errors["due_on"] = _l("Give the date the change is due, written YYYY-MM-DD, such as 2026-01-31.")
    elif due_on < today:
        errors["due_on"] = _l("The date a change is due cannot be in the past.")
    elif due_on > (latest := latest_due_date(today)):
        errors["due_on"] = (_l("Choose a date within %(limit)s years, by %(date)s. A change due further off is not "
                               "one people can follow.", limit=DUE_YEARS_MAX,
                               date=format_date(latest, "dd MMMM y")))


def _check_made_on(story: Story, made_on: date | None, errors: dict[str, str]) -> None:
    if made_on is None:
        errors["made_on"] = _l("Give the date the change was made.")
    elif made_on > utcnow().date():
        errors["made_on"] = _l("The date a change was made cannot be in the future.")
    elif made_on < story.experienced_on:
        errors["made_on"] = (_l("This change was made before the story happened (in %(date)s), so it cannot be a "
                                "change because of it. Check the date, or tell the author about it in a reply.",
                                date=format_date(story.experienced_on, "MMMM y")))


def evidence_url_or_error(raw: str | None, errors: dict[str, str]) -> str:
    """A link that shows a change: an http or https address only (never javascript:, data: or a bare path)."""
    url = normalise(raw, multiline=False).strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if (parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url)
            or len(url) > EVIDENCE_URL_MAX):
        errors["evidence_url"] = (_l("Give a web address starting http:// or https://, such as "
                                     "https://www.example.nhs.uk/news, under %(limit)s characters.",
                                     limit=EVIDENCE_URL_MAX))
        return ""
    return url


def _evidence(raw: str | None, errors: dict[str, str]) -> str:
    text = clean_text(raw)
    if len(text) > EVIDENCE_MAX:
        errors["evidence"] = _l("Keep the evidence under %(limit)s characters (it has %(len)s).",
                                limit=format(EVIDENCE_MAX, ','), len=format(len(text), ','))
    return text


def add_change(session: Session, user: User, story: Story, kind: str, description: str,
               made_on: date | None = None, *, due_on: date | None = None, owner: str = "", evidence: str = "",
               evidence_url: str = "") -> Change:
    """A change planned (due date and owner required), made (its date; evidence optional), or "no change
    planned" (the description is the reason). Checked and moderated like a reply."""
    membership = require_staff(session, user, story)
    if kind not in CHANGE_KINDS:
        raise Invalid(_l("Choose a change planned, a change made, or no change planned."), field="kind")
    errors: dict[str, str] = {}
    text = clean_text(description)
    if visible_length(text) < 10:
        errors["description"] = (_l("Say why no change is planned, in a sentence or two.") if kind == NO_CHANGE else
                                 _l("Say what will change, or what changed, in a sentence or two."))
    elif len(text) > REPLY_MAX:
        errors["description"] = _l("Keep it under %(limit)s characters.", limit=format(REPLY_MAX, ','))
    owner_text, proof, link = "", "", ""
    if kind == CHANGE_PLANNED:
        _check_due_on(due_on, errors)
        owner_text = clean_text(owner, multiline=False)
        if len(owner_text) < 2:
            errors["owner"] = _l("Say who owns the change: a role or a team, such as “Outpatients manager”.")
        elif len(owner_text) > OWNER_MAX:
            errors["owner"] = _l("Keep the owner under %(limit)s characters.", limit=OWNER_MAX)
    elif kind == CHANGE_MADE:
        _check_made_on(story, made_on, errors)
        proof = _evidence(evidence, errors)
        link = evidence_url_or_error(evidence_url, errors)
    if errors:
        raise Invalid(errors=errors)
    flags = text_flag_kinds(text, owner_text, proof, link)
    waits = must_wait(session, user, flags)
    change = Change(story_id=story.id, provider_id=story.provider_id, reported_by_id=user.id,
                    reporter_name=user.display_name or "Staff member", reporter_title=membership.job_title,
                    kind=kind, description=text, made_on=made_on if kind == CHANGE_MADE else None,
                    due_on=due_on if kind == CHANGE_PLANNED else None, owner=owner_text, evidence=proof,
                    evidence_url=link, flags=flags, status=AWAITING_MODERATION if waits else VISIBLE)
    session.add(change)
    session.flush()
    record(session, f"change.{kind}", story=story, actor=user,
           after={"change": change.id, "description": text, "status": change.status, "flags": flags,
                  "due_on": change.due_on.isoformat() if change.due_on else None, "owner": owner_text,
                  "made_on": change.made_on.isoformat() if change.made_on else None,
                  "evidence": proof, "evidence_url": link})
    if not waits:
        went_public(session, change)
    return change


def mark_made(session: Session, user: User, change: Change, made_on: date | None, evidence: str = "",
              evidence_url: str = "") -> Change:
    """A planned change is done: the same row becomes a change made and keeps its due date. Its evidence is
    checked like any text: flagged (or from a new responder), the change waits for a moderator again."""
    story = change.story
    require_staff(session, user, story)
    if change.kind != CHANGE_PLANNED:
        raise Conflict(_l("Only a planned change can be marked as made."))
    if change.status != VISIBLE:
        raise Conflict(_l("This planned change is not public: a moderator has not published it (or took it down)."))
    errors: dict[str, str] = {}
    _check_made_on(story, made_on, errors)
    proof = _evidence(evidence, errors)
    link = evidence_url_or_error(evidence_url, errors)
    if errors:
        raise Invalid(errors=errors)
    before = {"kind": change.kind, "status": change.status}
    change.kind, change.made_on, change.evidence, change.evidence_url = CHANGE_MADE, made_on, proof, link
    change.flags = text_flag_kinds(change.description, change.owner, proof, link)
    # The planned change was checked already; only new words that are flagged send it back to a moderator.
    waits = bool(text_flag_kinds(proof, link))
    if waits:
        change.status = AWAITING_MODERATION
    record(session, "change.marked_made", story=story, actor=user, before=before,
           after={"change": change.id, "kind": CHANGE_MADE, "status": change.status,
                  "made_on": made_on.isoformat() if made_on else None, "evidence": proof, "evidence_url": link})
    if waits:
        refresh_response(session, story)  # the planned change left the public conversation for now
    else:
        went_public(session, change)
    return change

