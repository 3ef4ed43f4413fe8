"""The author's verdict on a change made, asked by a signed link: confirmed, not yet, or disputed (moderated)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import Integer, bindparam, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.links import author_link
from app.accounts.models import User
from app.accounts.tokens import read_token, user_from_claims
from app.audit import record
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import utcnow
from app.mail.services import queue_email
from app.replies.links import VERDICT_PURPOSE, answer_link, verdict_link
from app.replies.models import (
    AWAITING_MODERATION,
    CHANGE_MADE,
    CONFIRMED,
    DISPUTED,
    NOT_YET,
    VISIBLE,
    Change,
)
from app.replies.status import refresh_response
from app.stories import timeline
from app.stories.models import PUBLISHED, Story
from app.stories.text import clean_text
from app.text import visible_length
from app.web.i18n import lazy_gettext as _l

NOTE_MAX = 2000
VERDICT_EVENTS = {CONFIRMED: timeline.CONFIRMED, NOT_YET: timeline.NOT_YET, DISPUTED: timeline.DISPUTED}


def ask_author(session: Session, change: Change) -> None:
    """Email the author (confirmed addresses only) that a change was made, with the link to say whether it
    matches what they see now."""
    story = change.story
    author = story.author
    if author.email_confirmed_at is None:
        return
    change.author_asked_at = utcnow()
    queue_email(session, author.email, "change_check",
                _l("%(name)s: change made after your story. Does it match what you see?", name=change.provider.name),
                kind="change.check", story=story, change=change, locale=story.language,
                provider=change.provider, check_link=verdict_link(change),
                link=author_link(author, "pages.story", story_id=story.id), answer_link=answer_link(story))


def change_from_link(session: Session, change: Change | None, token: str) -> User:
    """The author a verdict link speaks for, while it still does: the account unchanged (the token's claims), the
    story still published, the change still a public change made. Invalid (words for a person) otherwise."""
    payload = read_token(VERDICT_PURPOSE, token, current_app.config["TOKEN_MAX_AGE_ANSWER"])
    if change is None or payload.get("cid") != change.id or payload.get("sid") != change.story_id:
        raise Invalid(_l("This link is not valid."))
    author = user_from_claims(session, payload)
    story = change.story
    if story.author_id != author.id:
        raise Invalid(_l("This link is not valid."))
    if story.status != PUBLISHED:
        raise Invalid(_l("This story is no longer published, so this link no longer works."))
    if change.kind != CHANGE_MADE or change.status != VISIBLE:
        raise Invalid(_l("This change is no longer shown on the story, so there is nothing to answer."))
    return author


def record_verdict(session: Session, author: User, change: Change, verdict: str, note: str) -> Change:
    """The author says whether a change made matches what they see now. A confirmation or "not yet" shows at once;
    a dispute (with the author's words) waits for a moderator (verdict_status pending) before it shows beside the
    change. The latest verdict stands: the author may change their mind through the same link."""
    story = change.story
    if author is None or story.author_id != author.id:
        raise NotAllowed(_l("Only the author of the story can say whether the change matches what they see."))
    if story.status != PUBLISHED or change.kind != CHANGE_MADE or change.status != VISIBLE:
        raise Conflict(_l("This change is no longer shown on the story."))
    if verdict not in VERDICT_EVENTS:
        raise Invalid(_l("Choose one answer."), field="verdict")
    text = clean_text(note)
    if verdict == DISPUTED and visible_length(text) < 10:
        raise Invalid(_l("Say what you see that does not match, in a sentence or two."), field="note")
    if verdict != DISPUTED and text:
        raise Invalid(_l("Words go with a dispute only. Leave this box empty, or choose “It does not match”. To say "
                      "something else, answer back on the story."), field="note")
    if len(text) > NOTE_MAX:
        raise Invalid(_l("Keep it under %(limit)s characters (it has %(len)s).",
                         limit=format(NOTE_MAX, ','), len=format(len(text), ',')), field="note")
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


# The queue shows each dispute's story and provider: loaded with the changes, not one query per dispute. Built once:
# building a statement with its loader options on each view of the queue cost three times running it.
_WAITING_VERDICTS = (select(Change).where(Change.verdict_status == AWAITING_MODERATION)
                     .options(selectinload(Change.story), selectinload(Change.provider))
                     .order_by(Change.verdict_at, Change.id).limit(bindparam("limit", type_=Integer)))


def waiting_verdicts(session: Session, limit: int = 100) -> list[Change]:
    """Authors' disputes waiting for a moderator, oldest first."""
    return list(session.scalars(_WAITING_VERDICTS, {"limit": limit}))

