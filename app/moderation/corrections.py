"""After publication the author still decides: asking for a correction or for identifying details to be removed.

The author's request is a Report row with an author-request reason (app.moderation.models.AUTHOR_REQUESTS), so
the moderation queue lists it among the reports, with the author's own words. The moderator answers it with
"Correct the published story" (app.moderation.services.correct): a StoryRevision with its reason, the open
reports resolved and the author told.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit import record
from app.errors import Conflict, Invalid, NotAllowed
from app.moderation.models import AUTHOR_REQUESTS, Report
from app.stories.models import HIDDEN, PUBLISHED, Story
from app.stories.text import clean_text
from app.web.i18n import lazy_gettext as _l

WORDS_MIN, WORDS_MAX = 10, 2000
CORRECTABLE = (PUBLISHED, HIDDEN)


def request_correction(session: Session, user: User, story: Story, kind: str, words: str) -> Report:
    """The author asks the moderators to correct their published story or remove identifying details."""
    if story.author_id != user.id:
        raise NotAllowed(_l("This is not one of your stories."))
    if story.status not in CORRECTABLE:
        raise Conflict(_l("Only a published story can be corrected this way. Edit it, or withdraw it."))
    errors: dict[str, str] = {}
    if kind not in AUTHOR_REQUESTS:
        errors["kind"] = _l("Choose what you would like us to do.")
    words = clean_text(words)
    if len(words) < WORDS_MIN:
        errors["words"] = _l("Tell the moderators what to change, in a few words.")
    elif len(words) > WORDS_MAX:
        errors["words"] = _l("Keep it under %(limit)s characters (it has %(len)s).",
                             limit=format(WORDS_MAX, ','), len=format(len(words), ','))
    if errors:
        raise Invalid(errors=errors)
    item = Report(story_id=story.id, reason=kind, note=words, reporter_id=user.id)
    session.add(item)
    session.flush()
    record(session, "story.correction_requested", story=story, actor=user,
           reason=f"{AUTHOR_REQUESTS[kind]}. {words}")
    return item


def open_requests(session: Session, story: Story) -> list[Report]:
    return list(session.scalars(select(Report).where(
        Report.story_id == story.id, Report.reason.in_(AUTHOR_REQUESTS), Report.resolved_at.is_(None),
    ).order_by(Report.created_at)))
