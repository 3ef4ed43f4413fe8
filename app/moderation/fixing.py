"""Moderators fix what they find: move a story, correct a published one, raise a safeguarding concern."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import events
from app.accounts.models import User
from app.accounts.services import external_url
from app.audit import record
from app.directory.models import Provider
from app.errors import Conflict, Invalid
from app.flags import flag_kinds
from app.mail.services import queue_email
from app.moderation.models import StoryRevision
from app.moderation.services import (
    NOTE_MAX,
    _check_version,
    _open_story_reports,
    _reason,
    _tell_author,
    resolve_report,
)
from app.replies.models import Reply
from app.stories import timeline
from app.stories.models import (
    AWAITING_CONFIRMATION,
    BODY_MAX,
    BODY_MIN,
    HIDDEN,
    PENDING,
    PUBLISHED,
    RETURNED,
    TITLE_MAX,
    TITLE_MIN,
    Story,
)
from app.stories.text import clean_text
from app.stories.timeline import record_event
from app.text import visible_length
from app.web.i18n import lazy_gettext as _l


def move(session: Session, moderator: User, story: Story, expected_version: int, provider: Provider | None,
         reason: str, request_id: int | None = None) -> Story:
    """Move a story to another service, before or after publication. A published story's new service is
    alerted as at publication (people already alerted through a provider above both are not told twice), and its
    timeline says REROUTED (then the new service's ALERTED); request_id is the staff's "not about us" it answers."""
    _check_version(story, expected_version)
    if provider is None:
        raise Invalid("No service has that code.", field="provider")
    if not provider.active:
        raise Invalid(f"{provider.name} no longer takes stories.", field="provider")
    if provider.id == story.provider_id:
        raise Invalid("The story is already about that service.", field="provider")
    if story.status not in (AWAITING_CONFIRMATION, PENDING, RETURNED, PUBLISHED, HIDDEN):
        raise Conflict(f"This story is {story.status_label.lower()}; it cannot be moved.")
    reason = _reason(reason)
    old = story.provider
    story.provider_id = provider.id
    story.provider = provider
    record(session, "story.moved", story=story, actor=moderator, reason=reason,
           before={"provider": old.code, "provider_name": old.name},
           after={"provider": provider.code, "provider_name": provider.name})
    if story.status == PUBLISHED:
        detail = {"from_provider_id": old.id, **({"request_id": request_id} if request_id else {})}
        record_event(session, story, timeline.REROUTED, provider=provider, detail=detail)
        events.story_moved.send(story, session=session, old_provider_id=old.id)
    return story


def correct(session: Session, moderator: User, story: Story, expected_version: int, title: str, body: str,
            reason: str) -> Story:
    """Edit a published story in place (after a report says it identifies someone, say) without unpublishing
    it: a revision with the reason; the story's open reports are resolved; the author is told what changed."""
    _check_version(story, expected_version)
    if story.status != PUBLISHED:
        raise Conflict("Only a published story is corrected here; edit others as you publish them.")
    title, body = clean_text(title, multiline=False), clean_text(body)
    errors: dict[str, str] = {}
    if not (TITLE_MIN <= visible_length(title) and len(title) <= TITLE_MAX):
        errors["title"] = f"The title must be {TITLE_MIN} to {TITLE_MAX} characters."
    if not (BODY_MIN <= visible_length(body) and len(body) <= BODY_MAX):
        errors["body"] = f"The story must be {BODY_MIN} to {BODY_MAX:,} characters."
    if title == story.title and body == story.body:
        errors["body"] = "The text is unchanged: edit the title or the story to correct it."
    reason = clean_text(reason)
    if not reason:
        errors["reason"] = "Say why you changed the text (e.g. removed a name): it is kept with the revision."
    elif len(reason) > NOTE_MAX:
        errors["reason"] = f"Keep it under {NOTE_MAX} characters."
    if errors:
        raise Invalid(errors=errors)
    session.add(StoryRevision(story_id=story.id, editor_id=moderator.id, title_before=story.title,
                              title_after=title, body_before=story.body, body_after=body, reason=reason))
    before = {"status": story.status, "title": story.title, "body": story.body}
    story.title, story.body = title, body
    story.flags = flag_kinds(title, body, [])
    for item in _open_story_reports(session, story):
        resolve_report(session, moderator, item, "corrected")
    record(session, "story.corrected", story=story, actor=moderator, reason=reason, before=before,
           after={"status": story.status, "title": title, "body": body})
    _tell_author(session, story, "story_corrected", _l("We have edited your published story"), reason=reason,
                 link=external_url("pages.story", story_id=story.id))
    return story


def raise_safeguarding(session: Session, moderator: User, story: Story, note: str) -> None:
    """Record that a moderator raised a safeguarding concern, and email SAFEGUARDING_EMAIL when it is set."""
    note = _reason(note, field="note")
    record(session, "safeguarding.raised", story=story, actor=moderator, reason=note,
           after={"emailed": bool(current_app.config.get("SAFEGUARDING_EMAIL"))})
    if to := current_app.config.get("SAFEGUARDING_EMAIL"):
        queue_email(session, to, "safeguarding_concern", f"Safeguarding concern raised: story {story.id}",
                    kind="safeguarding.raised", story=story, note=note, moderator=moderator,
                    link=external_url("moderation.story", story_id=story.id),
                    conversation=list(session.scalars(select(Reply).where(Reply.story_id == story.id)
                                                      .order_by(Reply.created_at))))
