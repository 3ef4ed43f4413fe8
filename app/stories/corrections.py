"""After publication the author still decides: asking for a correction, and the moderator's edit that answers it.

The author's request is a Report row with an author-request reason (app.moderation.models.AUTHOR_REQUESTS), so
the moderation queue lists it among the reports, with the author's own words. The moderator's edit of the
published text is a StoryRevision with its reason, like any edit made when publishing.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.links import author_link
from app.accounts.models import User
from app.errors import Conflict, Invalid, NotAllowed
from app.mail.services import queue_email
from app.moderation.audit import record
from app.moderation.flags import flag_kinds
from app.moderation.models import AUTHOR_REQUESTS, Report, StoryRevision
from app.stories.models import BODY_MAX, BODY_MIN, HIDDEN, PUBLISHED, TITLE_MAX, TITLE_MIN, Story
from app.stories.text import clean_text

WORDS_MIN, WORDS_MAX = 10, 2000
CORRECTABLE = (PUBLISHED, HIDDEN)


def request_correction(session: Session, user: User, story: Story, kind: str, words: str) -> Report:
    """The author asks the moderators to correct their published story or remove identifying details."""
    if story.author_id != user.id:
        raise NotAllowed("This is not one of your stories.")
    if story.status not in CORRECTABLE:
        raise Conflict("Only a published story can be corrected this way. Edit it, or withdraw it.")
    errors: dict[str, str] = {}
    if kind not in AUTHOR_REQUESTS:
        errors["kind"] = "Choose what you would like us to do."
    words = clean_text(words)
    if len(words) < WORDS_MIN:
        errors["words"] = "Tell the moderators what to change, in a few words."
    elif len(words) > WORDS_MAX:
        errors["words"] = f"Keep it under {WORDS_MAX:,} characters (it has {len(words):,})."
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


def correct(session: Session, moderator: User, story: Story, expected_version: int, title: str, body: str,
            reason: str) -> StoryRevision:
    """A moderator edits a published (or hidden) story: a revision with its reason; the author's open
    requests are resolved and the author is told."""
    from app.moderation.services import resolve_report  # the moderation domain sits above stories

    if story.version != expected_version:
        raise Conflict("Someone changed this story since you opened it. Nothing was overwritten: look at the "
                       "latest version and edit again.")
    if story.status not in CORRECTABLE:
        raise Conflict("Only a published or hidden story is corrected here; use the moderation page.")
    errors: dict[str, str] = {}
    title, body, reason = clean_text(title, multiline=False), clean_text(body), clean_text(reason)
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = f"The title must be {TITLE_MIN} to {TITLE_MAX} characters."
    if not BODY_MIN <= len(body) <= BODY_MAX:
        errors["body"] = f"The story must be {BODY_MIN} to {BODY_MAX:,} characters."
    if not reason:
        errors["reason"] = "Say why you changed the text: it is kept with the revision."
    elif len(reason) > WORDS_MAX:
        errors["reason"] = f"Keep the reason under {WORDS_MAX:,} characters."
    if not errors and title == story.title and body == story.body:
        errors["body"] = "Nothing was changed."
    if errors:
        raise Invalid(errors=errors)
    revision = StoryRevision(story_id=story.id, editor_id=moderator.id, title_before=story.title, title_after=title,
                             body_before=story.body, body_after=body, reason=reason)
    session.add(revision)
    before = {"title": story.title, "body": story.body}
    story.title, story.body = title, body
    story.flags = flag_kinds(title, body, [])
    record(session, "story.corrected", story=story, actor=moderator, reason=reason, before=before,
           after={"title": title, "body": body})
    for item in open_requests(session, story):
        resolve_report(session, moderator, item, "corrected")
    author = story.author
    if author.email_confirmed_at is not None and author.is_active:
        queue_email(session, author.email, "story_corrected", "We have corrected your story",
                    kind="story.corrected", story=story, reason=reason,
                    link=author_link(author, "stories.show", story_id=story.id))
    session.flush()
    return revision
