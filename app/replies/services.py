"""Replies, changes and the author's answers: who may write them, what they change, who hears of them, and the
timeline steps they make (first read, replied, change planned, made or none, the author's verdict, reopened)."""
from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.links import author_link
from app.accounts.models import Membership, User
from app.accounts.services import external_url
from app.accounts.tokens import make_token, read_token, user_claims, user_from_claims
from app.audit import record
from app.directory.services import ancestor_ids_cte
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import utcnow
from app.flags import text_flag_kinds
from app.mail.services import queue_email
from app.replies.models import (
    AUTHOR_ANSWER,
    AWAITING_MODERATION,
    CHANGE_KINDS,
    CHANGE_MADE,
    CHANGE_PLANNED,
    CONFIRMED,
    DISPUTED,
    HIDDEN,
    NO_CHANGE,
    NOT_YET,
    REJECTED,
    REPLY_EDIT_MINUTES,
    STAFF_REPLY,
    VISIBLE,
    Change,
    Reply,
)
from app.stories import timeline
from app.stories.models import PUBLISHED, Story
from app.stories.text import clean_text
from app.text import normalise

REPLY_MIN, REPLY_MAX = 2, 5000


def acting_membership(session: Session, user: User, story: Story) -> Membership | None:
    """The membership a staff member speaks through for this story: the one closest to its provider."""
    if not user.is_authenticated:
        return None
    cte = ancestor_ids_cte(story.provider_id)
    return session.scalar(
        select(Membership).join(cte, Membership.provider_id == cte.c.id)
        .where(Membership.user_id == user.id).order_by(cte.c.depth).limit(1)
    )


def _text(value: str, field: str = "body") -> str:
    text = clean_text(value)
    if len(text) < REPLY_MIN:
        raise Invalid("Write your reply first.", field=field)
    if len(text) > REPLY_MAX:
        raise Invalid(f"Keep it under {REPLY_MAX:,} characters (it has {len(text):,}).", field=field)
    return text


def _require_staff(session: Session, user: User, story: Story) -> Membership:
    membership = acting_membership(session, user, story)
    if membership is None:
        raise NotAllowed("Only staff of this service, or of the organisation it belongs to, can do that.")
    if story.status != PUBLISHED:
        raise Conflict("This story is not published.")
    return membership


def contested(change: Change) -> bool:
    """A change made that its author says they do not see yet, or disputes (once a moderator checked it)."""
    return (change.kind == CHANGE_MADE and change.verdict in (NOT_YET, DISPUTED)
            and change.verdict_status == VISIBLE)


def refresh_response(session: Session, story: Story) -> None:
    """Derive the story's response status and first reply time from its visible replies and changes.

    Change made > change planned > no change planned > responded > awaiting response. A change made whose author
    says "not yet", or whose dispute a moderator let through, no longer counts as made: the story is reopened and
    falls back to what else it has (a planned change; else "responded", since the provider did answer).

    The story counts as updated (the API's updated_since, the dataset rebuild): its conversation changed.
    """
    session.flush()
    story.updated_at = utcnow()
    changes = list(session.scalars(select(Change).where(Change.story_id == story.id, Change.status == VISIBLE)))
    kinds = {c.kind for c in changes if not contested(c)}
    first = session.scalar(select(Reply.published_at).where(
        Reply.story_id == story.id, Reply.kind == STAFF_REPLY, Reply.status == VISIBLE
    ).order_by(Reply.published_at).limit(1))
    story.first_reply_at = first
    if CHANGE_MADE in kinds:
        story.response_status = "change_made"
    elif CHANGE_PLANNED in kinds:
        story.response_status = "change_planned"
    elif NO_CHANGE in kinds:
        story.response_status = "no_change_planned"
    elif first is not None or changes:
        story.response_status = "responded"
    else:
        story.response_status = "awaiting_response"


def record_once(session: Session, story: Story, kind: str, *, step: int = 0, **fields) -> bool:
    """Write a stepped timeline event unless it is there already; False when it was (or another worker's
    transaction wrote it first: the unique (story, kind, step) clash, caught in a savepoint)."""
    if timeline.has_event(session, story.id, kind, step):
        return False
    try:
        with session.begin_nested():
            timeline.record_event(session, story, kind, step=step, **fields)
    except IntegrityError:
        return False
    return True


def note_first_read(session: Session, user: User, story: Story) -> bool:
    """The first time a member of the story's provider staff (or of a provider above it) opens the published story:
    first_read_at is set by a conditional UPDATE (so two first readers at once make one), and FIRST_READ joins
    the timeline. True when this was the first read. The caller commits."""
    if story.status != PUBLISHED or story.first_read_at is not None:
        return False
    if acting_membership(session, user, story) is None:
        return False
    now = utcnow()
    done = session.execute(update(Story).where(Story.id == story.id, Story.first_read_at.is_(None))
                           .values(first_read_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    session.expire(story, ["first_read_at"])
    return record_once(session, story, timeline.FIRST_READ, step=0, at=now, provider=story.provider)


def _tell_author(session: Session, story: Story, subject: str, what: str, text: str) -> None:
    author = story.author
    if author.email_confirmed_at is None:
        return  # confirmed addresses only
    queue_email(session, author.email, "author_update", subject, kind="story.update", story=story, what=what,
                text=text, provider=story.provider, link=author_link(author, "pages.story", story_id=story.id),
                answer_link=answer_link(story))


def answer_link(story: Story) -> str:
    """The "answer back" link: the story and its author's id, random key and session version, so it dies with
    the account (deleted, disabled, sessions ended) and never answers for another account that reuses the id."""
    token = make_token("answer", {"sid": story.id, **user_claims(story.author)})
    return external_url("replies.answer_by_link", story_id=story.id, token=token)


def published_contributions(session: Session, user: User, leave_out: Reply | Change | None = None) -> int:
    """How many of this person's staff replies and changes are public now (hidden ones do not count)."""
    replies = select(func.count(Reply.id)).where(Reply.author_id == user.id, Reply.kind == STAFF_REPLY,
                                                 Reply.status == VISIBLE)
    changes = select(func.count(Change.id)).where(Change.reported_by_id == user.id, Change.status == VISIBLE)
    if isinstance(leave_out, Reply) and leave_out.id is not None:
        replies = replies.where(Reply.id != leave_out.id)
    if isinstance(leave_out, Change) and leave_out.id is not None:
        changes = changes.where(Change.id != leave_out.id)
    return (session.scalar(replies) or 0) + (session.scalar(changes) or 0)


def must_wait(session: Session, user: User, flags: list[str], item: Reply | Change | None = None) -> bool:
    """A flagged text, or one of a responder's first RESPONDER_MODERATED_REPLIES, waits for a moderator."""
    if flags:
        return True
    return published_contributions(session, user, item) < current_app.config["RESPONDER_MODERATED_REPLIES"]


def went_public(session: Session, item: Reply | Change) -> None:
    """What follows when a reply, change or answer becomes public: the story's status, its timeline, and who is
    told.

    Called when it is published at once and when a moderator publishes it later, so the author hears of a reply
    only once anyone can read it, and the responders hear of an answer only then. A change made asks the author,
    through a signed link, whether it matches what they see now.
    """
    story = item.story
    refresh_response(session, story)
    if isinstance(item, Change):
        _record_change(session, item)
        if item.kind == CHANGE_MADE:
            ask_author(session, item)
        else:
            _tell_author(session, story, f"{item.provider.name}: {CHANGE_KINDS[item.kind].lower()} after your "
                                         "story", CHANGE_KINDS[item.kind].lower(), item.description)
    elif item.kind == STAFF_REPLY:
        name = item.provider.name if item.provider is not None else story.provider.name
        record_once(session, story, timeline.REPLIED, step=0, at=item.published_at,
                    provider=item.provider or story.provider)
        _tell_author(session, story, f"{name} replied to your story", "replied", item.body)
    else:
        _alert_responders(session, story, item)


_CHANGE_EVENTS = {CHANGE_PLANNED: timeline.CHANGE_PLANNED, CHANGE_MADE: timeline.CHANGE_MADE,
                  NO_CHANGE: timeline.NO_CHANGE_PLANNED}


def _record_change(session: Session, change: Change) -> None:
    detail: dict = {"change_id": change.id}
    if change.kind == CHANGE_PLANNED:
        detail["due_on"] = change.due_on.isoformat() if change.due_on else None
    timeline.record_event(session, change.story, _CHANGE_EVENTS[change.kind], provider=change.provider,
                          detail=detail)


def add_reply(session: Session, user: User, story: Story, body: str) -> Reply:
    """A staff reply: public at once from a trusted responder when nothing is flagged, else it waits."""
    membership = _require_staff(session, user, story)
    text = _text(body)
    flags = text_flag_kinds(text)
    waits = must_wait(session, user, flags)
    now = utcnow()
    reply = Reply(story_id=story.id, author_id=user.id, kind=STAFF_REPLY, provider_id=membership.provider_id,
                  responder_name=user.display_name or "Staff member", responder_title=membership.job_title,
                  body=text, flags=flags, status=AWAITING_MODERATION if waits else VISIBLE,
                  published_at=None if waits else now, created_at=now)
    session.add(reply)
    session.flush()
    record(session, "reply.added", story=story, actor=user,
           after={"reply": reply.id, "body": reply.body, "status": reply.status, "flags": flags})
    if not waits:
        went_public(session, reply)
    return reply


def check_edit_window(reply: Reply) -> None:
    if utcnow() - reply.created_at > timedelta(minutes=REPLY_EDIT_MINUTES):
        raise Conflict(f"A reply can be edited for {REPLY_EDIT_MINUTES} minutes. Add another reply instead.")


def check_can_edit(session: Session, user: User, reply: Reply) -> None:
    """Only the writer, while still on the staff, of a reply no moderator hid or turned down, for 30 minutes."""
    if reply.kind != STAFF_REPLY or not user.is_authenticated or reply.author_id != user.id:
        raise NotAllowed("Only the person who wrote a reply can edit it.")
    if reply.status in (HIDDEN, REJECTED):
        raise NotAllowed("A moderator took this reply down, so it can no longer be edited.")
    if acting_membership(session, user, reply.story) is None:
        raise NotAllowed("You are no longer on the staff of this service, so you cannot edit its replies.")
    check_edit_window(reply)


def edit_reply(session: Session, user: User, reply: Reply, body: str) -> Reply:
    """The writer's own correction. Checked again: a flagged edit, or one by a new responder, waits."""
    check_can_edit(session, user, reply)
    before = {"body": reply.body, "status": reply.status}
    reply.body = _text(body)
    reply.flags = text_flag_kinds(reply.body)
    reply.edited_at = utcnow()
    if reply.status == VISIBLE and must_wait(session, user, reply.flags, reply):
        reply.status, reply.published_at = AWAITING_MODERATION, None
    record(session, "reply.edited", story=reply.story, actor=user, before=before,
           after={"body": reply.body, "status": reply.status, "flags": reply.flags})
    if before["status"] == VISIBLE:
        refresh_response(session, reply.story)  # its text, or its leaving the conversation, changes the story
    return reply


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
        errors["due_on"] = "Give the date the change is due, written YYYY-MM-DD, such as 2026-01-31."
    elif due_on < today:
        errors["due_on"] = "The date a change is due cannot be in the past."
    elif due_on > (latest := latest_due_date(today)):
        errors["due_on"] = (f"Choose a date within {DUE_YEARS_MAX} years, by {latest.strftime('%d %B %Y')}. "
                            "A change due further off is not one people can follow.")


def _check_made_on(story: Story, made_on: date | None, errors: dict[str, str]) -> None:
    if made_on is None:
        errors["made_on"] = "Give the date the change was made."
    elif made_on > utcnow().date():
        errors["made_on"] = "The date a change was made cannot be in the future."
    elif made_on < story.experienced_on:
        errors["made_on"] = (f"This change was made before the story happened (in "
                             f"{story.experienced_on.strftime('%B %Y')}), so it cannot be a change because of it. "
                             "Check the date, or tell the author about it in a reply.")


def evidence_url_or_error(raw: str | None, errors: dict[str, str]) -> str:
    """A link that shows a change: an http or https address only (never javascript:, data: or a bare path)."""
    url = normalise(raw, multiline=False).strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if (parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url)
            or len(url) > EVIDENCE_URL_MAX):
        errors["evidence_url"] = (f"Give a web address starting http:// or https://, such as "
                                  f"https://www.example.nhs.uk/news, under {EVIDENCE_URL_MAX} characters.")
        return ""
    return url


def _evidence(raw: str | None, errors: dict[str, str]) -> str:
    text = clean_text(raw)
    if len(text) > EVIDENCE_MAX:
        errors["evidence"] = f"Keep the evidence under {EVIDENCE_MAX:,} characters (it has {len(text):,})."
    return text


def add_change(session: Session, user: User, story: Story, kind: str, description: str,
               made_on: date | None = None, *, due_on: date | None = None, owner: str = "", evidence: str = "",
               evidence_url: str = "") -> Change:
    """A change planned (due date and owner required), made (its date; evidence optional), or "no change
    planned" (the description is the reason). Checked and moderated like a reply."""
    membership = _require_staff(session, user, story)
    if kind not in CHANGE_KINDS:
        raise Invalid("Choose a change planned, a change made, or no change planned.", field="kind")
    errors: dict[str, str] = {}
    text = clean_text(description)
    if len(text) < 10:
        errors["description"] = ("Say why no change is planned, in a sentence or two." if kind == NO_CHANGE else
                                 "Say what will change, or what changed, in a sentence or two.")
    elif len(text) > REPLY_MAX:
        errors["description"] = f"Keep it under {REPLY_MAX:,} characters."
    owner_text, proof, link = "", "", ""
    if kind == CHANGE_PLANNED:
        _check_due_on(due_on, errors)
        owner_text = clean_text(owner, multiline=False)
        if len(owner_text) < 2:
            errors["owner"] = "Say who owns the change: a role or a team, such as “Outpatients manager”."
        elif len(owner_text) > OWNER_MAX:
            errors["owner"] = f"Keep the owner under {OWNER_MAX} characters."
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
    _require_staff(session, user, story)
    if change.kind != CHANGE_PLANNED:
        raise Conflict("Only a planned change can be marked as made.")
    if change.status != VISIBLE:
        raise Conflict("This planned change is not public: a moderator has not published it (or took it down).")
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


def waiting_for_writer(session: Session, story: Story, user: User) -> list[Reply | Change]:
    """The viewer's own replies and changes on this story that the public cannot see yet (or ever)."""
    if not user.is_authenticated:
        return []
    replies = session.scalars(select(Reply).where(Reply.story_id == story.id, Reply.author_id == user.id,
                                                  Reply.kind == STAFF_REPLY, Reply.status != VISIBLE))
    changes = session.scalars(select(Change).where(Change.story_id == story.id, Change.reported_by_id == user.id,
                                                   Change.status != VISIBLE))
    return sorted([*replies, *changes], key=lambda item: (item.created_at, item.id))


# ---------------------------------------------------------------- the author's verdict on a change made

VERDICT_PURPOSE = "verdict"
NOTE_MAX = 2000
VERDICT_EVENTS = {CONFIRMED: timeline.CONFIRMED, NOT_YET: timeline.NOT_YET, DISPUTED: timeline.DISPUTED}


def verdict_link(change: Change) -> str:
    """The signed link that asks the author about a change made: the change, the story and the author's id, random
    key and session version (app.accounts.tokens.user_claims), so it dies with the account, like answer_link."""
    token = make_token(VERDICT_PURPOSE, {"cid": change.id, "sid": change.story_id, **user_claims(change.story.author)})
    return external_url("replies.check_change", change_id=change.id, token=token)


def ask_author(session: Session, change: Change) -> None:
    """Email the author (confirmed addresses only) that a change was made, with the link to say whether it
    matches what they see now."""
    story = change.story
    author = story.author
    if author.email_confirmed_at is None:
        return
    change.author_asked_at = utcnow()
    queue_email(session, author.email, "change_check", f"{change.provider.name}: change made after your story. "
                "Does it match what you see?", kind="change.check", story=story, change=change,
                provider=change.provider, check_link=verdict_link(change),
                link=author_link(author, "pages.story", story_id=story.id), answer_link=answer_link(story))


def change_from_link(session: Session, change: Change | None, token: str) -> User:
    """The author a verdict link speaks for, while it still does: the account unchanged (the token's claims), the
    story still published, the change still a public change made. Invalid (words for a person) otherwise."""
    payload = read_token(VERDICT_PURPOSE, token, current_app.config["TOKEN_MAX_AGE_ANSWER"])
    if change is None or payload.get("cid") != change.id or payload.get("sid") != change.story_id:
        raise Invalid("This link is not valid.")
    author = user_from_claims(session, payload)
    story = change.story
    if story.author_id != author.id:
        raise Invalid("This link is not valid.")
    if story.status != PUBLISHED:
        raise Invalid("This story is no longer published, so this link no longer works.")
    if change.kind != CHANGE_MADE or change.status != VISIBLE:
        raise Invalid("This change is no longer shown on the story, so there is nothing to answer.")
    return author


def record_verdict(session: Session, author: User, change: Change, verdict: str, note: str) -> Change:
    """The author says whether a change made matches what they see now. A confirmation or "not yet" shows at once;
    a dispute (with the author's words) waits for a moderator (verdict_status pending) before it shows beside the
    change. The latest verdict stands: the author may change their mind through the same link."""
    story = change.story
    if author is None or story.author_id != author.id:
        raise NotAllowed("Only the author of the story can say whether the change matches what they see.")
    if story.status != PUBLISHED or change.kind != CHANGE_MADE or change.status != VISIBLE:
        raise Conflict("This change is no longer shown on the story.")
    if verdict not in VERDICT_EVENTS:
        raise Invalid("Choose one answer.", field="verdict")
    text = clean_text(note)
    if verdict == DISPUTED and len(text) < 10:
        raise Invalid("Say what you see that does not match, in a sentence or two.", field="note")
    if verdict != DISPUTED and text:
        raise Invalid("Words go with a dispute only. Leave this box empty, or choose “It does not match”. To say "
                      "something else, answer back on the story.", field="note")
    if len(text) > NOTE_MAX:
        raise Invalid(f"Keep it under {NOTE_MAX:,} characters (it has {len(text):,}).", field="note")
    before = {"verdict": change.verdict, "verdict_status": change.verdict_status}
    was_public = change.verdict_status == VISIBLE
    change.verdict, change.verdict_note, change.verdict_at = verdict, text, utcnow()
    change.verdict_status = AWAITING_MODERATION if verdict == DISPUTED else VISIBLE
    record(session, "change.verdict", story=story, actor=author, before=before,
           after={"change": change.id, "verdict": verdict, "note": text, "verdict_status": change.verdict_status})
    if change.verdict_status == VISIBLE:
        verdict_went_public(session, change)
    elif was_public:
        reopened_or_not(session, story)  # the verdict shown before is taken back while the new one waits
    return change


def verdict_went_public(session: Session, change: Change) -> None:
    """The author's verdict shows beside the change: its timeline event, and the story reopened if the author
    does not see the change (or disputes it). Called at once, or when a moderator lets a waiting one through."""
    timeline.record_event(session, change.story, VERDICT_EVENTS[change.verdict], provider=change.provider,
                          detail={"change_id": change.id})
    reopened_or_not(session, change.story)


def reopened_or_not(session: Session, story: Story) -> None:
    """Refresh the story's status; a story that was "change made" and is not any more was reopened by its
    author's verdict (REOPENED on the timeline, with the status it is back to)."""
    before = story.response_status
    refresh_response(session, story)
    if before == "change_made" and story.response_status != "change_made":
        timeline.record_event(session, story, timeline.REOPENED, provider=story.provider,
                              detail={"response_status": story.response_status})


def waiting_verdicts(session: Session, limit: int = 100) -> list[Change]:
    """Authors' disputes waiting for a moderator, oldest first."""
    return list(session.scalars(select(Change).where(Change.verdict_status == AWAITING_MODERATION)
                                .order_by(Change.verdict_at, Change.id).limit(limit)))


# ---------------------------------------------------------------- the author's answers

def author_from_link(session: Session, story: Story, token: str) -> User:
    payload = read_token("answer", token, current_app.config["TOKEN_MAX_AGE_ANSWER"])
    if payload.get("sid") != story.id:
        raise Invalid("This link is not valid.")
    author = user_from_claims(session, payload)
    if story.author_id != author.id:
        raise Invalid("This link is not valid.")
    if story.status != PUBLISHED:
        raise Invalid("This story is no longer published, so this link no longer works.")
    return author


def add_answer(session: Session, user: User, story: Story, body: str) -> Reply:
    """The author answers back. Moderated like a story before it joins the conversation."""
    if user is None or story.author_id != user.id:
        raise NotAllowed("Only the author of the story can answer here.")
    if story.status != PUBLISHED:
        raise Conflict("This story is not published.")
    text = _text(body)
    reply = Reply(story_id=story.id, author_id=user.id, kind=AUTHOR_ANSWER, body=text,
                  flags=text_flag_kinds(text), status=AWAITING_MODERATION)
    session.add(reply)
    session.flush()
    record(session, "answer.added", story=story, actor=user,
           after={"reply": reply.id, "body": reply.body, "flags": reply.flags})
    return reply


def _alert_responders(session: Session, story: Story, answer: Reply) -> None:
    """The staff who replied in public hear that the author answered (once the answer is public)."""
    responder_ids = set(session.scalars(select(Reply.author_id).where(
        Reply.story_id == story.id, Reply.kind == STAFF_REPLY, Reply.status == VISIBLE)))
    for responder in session.scalars(select(User).where(User.id.in_(responder_ids), User.disabled_at.is_(None))):
        queue_email(session, responder.email, "answer_alert", f"The author answered: {story.title}",
                    kind="answer.alert", story=story, text=answer.body,
                    link=external_url("pages.story", story_id=story.id))


def conversation(session: Session, story: Story) -> list[Reply | Change]:
    """What the public sees under a story: visible replies, answers and changes, in time order."""
    replies = session.scalars(select(Reply).where(Reply.story_id == story.id, Reply.status == VISIBLE))
    changes = session.scalars(select(Change).where(Change.story_id == story.id, Change.status == VISIBLE))
    items: list[Reply | Change] = [*replies, *changes]
    items.sort(key=lambda item: (item.published_at if isinstance(item, Reply) else item.created_at, item.id))
    return items


def pending_answers(session: Session, limit: int = 50) -> list[Reply]:
    return list(session.scalars(select(Reply).where(Reply.kind == AUTHOR_ANSWER, Reply.status == AWAITING_MODERATION)
                                .order_by(Reply.created_at).limit(limit)))


def has_pending_answer(session: Session, story: Story) -> bool:
    return bool(session.scalar(select(exists().where(
        Reply.story_id == story.id, Reply.kind == AUTHOR_ANSWER, Reply.status == AWAITING_MODERATION))))
