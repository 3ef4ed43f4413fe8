"""Telling a story, confirming it, the author's edits and withdrawal."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import external_url, find_user, normalise_email, prove_address
from app.accounts.tokens import address_digest, make_token, read_token, same_address, user_claims, user_from_claims
from app.audit import record
from app.directory.models import Provider
from app.directory.services import find_by_code
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import utcnow
from app.flags import flag_kinds
from app.mail.services import queue_email
from app.stories.models import (
    ANONYMOUS,
    AUTHOR_ROLES,
    AWAITING_CONFIRMATION,
    BODY_MAX,
    BODY_MIN,
    EDITABLE_BY_AUTHOR,
    LANGUAGES,
    PENDING,
    PUBLIC_NAME_MAX,
    PUBLISHED,
    RETURNED,
    TITLE_MAX,
    TITLE_MIN,
    WITHDRAWN,
    Story,
    Tag,
    stored_name,
)
from app.stories.text import clean_text
from app.text import visible_length
from app.web.i18n import lazy_gettext as _l


@dataclass
class Draft:
    """What the author typed, before checking."""

    provider_code: str = ""
    title: str = ""
    body: str = ""
    month: int | None = None
    year: int | None = None
    author_role: str = ""
    tags: list[str] = field(default_factory=list)
    public_name: str = ""
    email: str = ""
    on_behalf: bool = False
    consent: bool = False
    submission_key: str = ""
    language: str = "en"  # the language the story was told in: the page's language when it was sent


@dataclass
class CleanStory:
    provider: Provider
    title: str
    body: str
    experienced_on: date
    author_role: str
    tags: list[Tag]
    public_name: str
    on_behalf: bool


def check_draft(session: Session, draft: Draft, *, need_consent: bool = True, today: date | None = None) -> CleanStory:
    """Clean text and check every field; Invalid carries a message for each field that is wrong."""
    errors: dict[str, str] = {}
    provider = find_by_code(session, draft.provider_code)
    if provider is None:
        errors["provider_code"] = _l("Choose the service your story is about.")
    elif not provider.active:
        errors["provider_code"] = _l("%(name)s is no longer active. Choose the service that replaced it.",
                                     name=provider.name)
    title = clean_text(draft.title, multiline=False)
    if visible_length(title) < TITLE_MIN:
        errors["title"] = _l("Give your story a title of a few words.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _l("Keep the title under %(limit)s characters (it has %(len)s).",
                             limit=TITLE_MAX, len=len(title))
    body = clean_text(draft.body)
    if visible_length(body) < BODY_MIN:
        errors["body"] = _l("Tell us a little more: at least %(limit)s characters (you have %(len)s).",
                            limit=BODY_MIN, len=visible_length(body))
    elif len(body) > BODY_MAX:
        errors["body"] = _l("Your story is %(len)s characters long; the most we can take is %(limit)s.",
                            len=format(len(body), ','), limit=format(BODY_MAX, ','))
    today = today or utcnow().date()
    experienced_on = None
    if not draft.month or not draft.year:
        errors["month"] = _l("Choose the month and year it happened.")
    else:
        try:
            experienced_on = date(int(draft.year), int(draft.month), 1)
        except (TypeError, ValueError):
            errors["month"] = _l("Choose the month and year it happened.")
        else:
            if experienced_on > today.replace(day=1):
                errors["month"] = _l("The month it happened cannot be in the future.")
            elif experienced_on.year < today.year - 100:
                errors["month"] = _l("Choose a year within the last hundred years.")
    if draft.author_role not in AUTHOR_ROLES:
        errors["author_role"] = _l("Tell us who you are: patient, carer, relative and so on.")
    tags: list[Tag] = []
    if draft.tags:
        wanted = {t for t in draft.tags if isinstance(t, str)}
        tags = list(session.scalars(select(Tag).where(Tag.slug.in_(wanted), Tag.active.is_(True))))
        if len(tags) != len(wanted):
            errors["tags"] = _l("Choose tags from the list.")
    public_name = stored_name(clean_text(draft.public_name, multiline=False))
    if len(public_name) > PUBLIC_NAME_MAX:
        errors["public_name"] = _l("Keep the public name under %(limit)s characters.", limit=PUBLIC_NAME_MAX)
    if need_consent and not draft.consent:
        errors["consent"] = _l("To publish your story we need your agreement to the terms and the licence.")
    if errors:
        raise Invalid(errors=errors)
    return CleanStory(provider, title, body, experienced_on, draft.author_role, tags, public_name, draft.on_behalf)


def _other_texts(session: Session, author_id: int, provider_id: int, exclude: int | None = None) -> list[str]:
    stmt = select(Story.body).where(Story.author_id == author_id, Story.provider_id == provider_id)
    if exclude:
        stmt = stmt.where(Story.id != exclude)
    return list(session.scalars(stmt.order_by(Story.id.desc()).limit(20)))


# A telling sent again (Back after the thanks page, a form fetched again) within this time is the same telling.
SAME_TELLING = timedelta(hours=24)


def _same_telling(session: Session, author: User, clean: CleanStory) -> Story | None:
    """The story this author already told with exactly this text about this service, lately."""
    return session.scalar(select(Story).where(
        Story.author_id == author.id, Story.provider_id == clean.provider.id, Story.title == clean.title,
        Story.body == clean.body, Story.status != WITHDRAWN, Story.submitted_at >= utcnow() - SAME_TELLING,
    ).order_by(Story.id).limit(1))


def tell(session: Session, draft: Draft, user: User | None, *, entered_by: User | None = None) -> tuple[Story, bool]:
    """Record a story. Returns (story, created); a repeated submission returns the story it made before.

    A confirmed, logged-in author's story goes straight to the moderation queue. Anyone else's waits,
    kept, until the emailed link is followed: only the owner of an address may tell stories under it.
    The story is attached to the address's account, which opens only to whoever proves the address:
    an account someone else created with the address and never confirmed is taken over by that proof.

    One telling makes one story and one confirmation email: the form's key finds a double click or a
    resubmitted form, and the same text from the same address about the same service within a day (Back
    after the thanks page, with a fresh form) is the same telling.

    `entered_by`: the story taker (or moderator) who entered it for someone; the confirmation email then tells the
    person that it was entered for them.
    """
    if draft.submission_key:
        existing = session.scalar(select(Story).where(Story.submission_key == draft.submission_key))
        if existing is not None:
            if user is not None and user.is_authenticated and existing.author_id != user.id:
                raise Conflict(_l("This form was already used. Reload the page to tell another story."))
            return existing, False
    errors: dict[str, str] = {}
    author: User | None = user if user is not None and user.is_authenticated else None
    email = None
    if author is None:
        try:
            email = normalise_email(draft.email)
        except Invalid as exc:
            errors["email"] = exc.message
    try:
        clean = check_draft(session, draft)
    except Invalid as exc:
        raise Invalid(errors={**exc.errors, **errors}) from exc
    if errors:
        raise Invalid(errors=errors)
    if author is None:
        author = find_user(session, email)
        if author is None:
            author = User(email=email)
            session.add(author)
            session.flush()
    if (again := _same_telling(session, author, clean)) is not None:
        return again, False
    confirmed = user is not None and user.is_authenticated and author.email_confirmed
    now = utcnow()
    story = Story(
        provider_id=clean.provider.id, author_id=author.id, title=clean.title, body=clean.body,
        experienced_on=clean.experienced_on, author_role=clean.author_role, on_behalf=clean.on_behalf,
        public_name=clean.public_name, tags=clean.tags, submission_key=draft.submission_key or None,
        status=PENDING if confirmed else AWAITING_CONFIRMATION, queued_at=now if confirmed else None,
        flags=flag_kinds(clean.title, clean.body, _other_texts(session, author.id, clean.provider.id)),
        language=draft.language if draft.language in LANGUAGES else "en",
        entered_by_id=entered_by.id if entered_by is not None else None,
    )
    session.add(story)
    # Two submissions of one form racing (a double click) clash here, on the form's key or on a new account's
    # address: the IntegrityError goes up to the caller, which starts again and finds what the other one made.
    session.flush()
    record(session, "story.told", story=story, actor=author, after={"status": story.status})
    if not confirmed:
        send_story_confirmation(session, story, author)
    return story, True


def send_story_confirmation(session: Session, story: Story, author: User) -> None:
    token = make_token("story", {"s": story.id, **user_claims(author), "e": address_digest(author.email)})
    queue_email(session, author.email, "story_confirm", _l("Confirm your story for %(site)s",
                                                           site=current_app.config["SITE_NAME"]),
                kind="story.confirm", locale=story.language, story=story, provider=story.provider,
                link=external_url("stories.confirm", token=token))


def story_from_confirmation(session: Session, token: str) -> Story:
    """The story an emailed confirmation link names, while the link still stands for it.

    It dies with the account (deleted, disabled, its sessions ended) and with the story (withdrawn).
    """
    payload = read_token("story", token, current_app.config["TOKEN_MAX_AGE_CONFIRM"])
    author = user_from_claims(session, payload)
    sid = payload.get("s")
    story = session.get(Story, sid) if isinstance(sid, int) else None
    if story is None or story.author_id != author.id or not same_address(author.email, payload.get("e")):
        raise Invalid(_l("This link is not valid."))
    if story.status == WITHDRAWN:
        raise Invalid(_l("This story was withdrawn, so this link no longer works."))
    return story


def confirm(session: Session, token: str, password: str | None = None) -> tuple[Story, bool]:
    """The confirmation page's button: proves the address and moves the story into the moderation queue.

    Returns (story, whether it was confirmed now); a second press changes nothing. Proving the address of an
    account nobody confirmed takes it over (accounts.services.prove_address), so the story is never seen by
    whoever created that account.
    """
    story = story_from_confirmation(session, token)
    if story.status != AWAITING_CONFIRMATION:
        return story, False
    author = story.author
    prove_address(author, password)
    story.status = PENDING
    story.queued_at = utcnow()
    record(session, "story.confirmed", story=story, actor=author, after={"status": PENDING})
    return story, True


def author_story(session: Session, user: User, story_id: int) -> Story:
    story = session.get(Story, story_id)
    if story is None or not user.is_authenticated or story.author_id != user.id:
        raise NotAllowed(_l("This is not one of your stories."))
    return story


def edit_by_author(session: Session, user: User, story: Story, draft: Draft, expected_version: int) -> Story:
    """The author changes a story that is not yet published; a returned story goes back to the queue."""
    if story.author_id != user.id:
        raise NotAllowed(_l("This is not one of your stories."))
    if story.status not in EDITABLE_BY_AUTHOR:
        raise Conflict(_l("A published story cannot be edited. You can withdraw it."))
    if story.version != expected_version:
        raise Conflict(_l("This story changed since you opened it. Reload the page to see the latest version."))
    clean = check_draft(session, draft, need_consent=False)
    before = {"title": story.title, "body": story.body, "status": story.status}
    story.provider_id = clean.provider.id
    story.title, story.body = clean.title, clean.body
    story.experienced_on, story.author_role = clean.experienced_on, clean.author_role
    story.on_behalf, story.public_name, story.tags = clean.on_behalf, clean.public_name, clean.tags
    story.flags = flag_kinds(clean.title, clean.body, _other_texts(session, user.id, clean.provider.id, story.id))
    if story.status == RETURNED:
        story.status = PENDING
        story.queued_at = utcnow()
    record(session, "story.edited_by_author", story=story, actor=user, before=before,
           after={"title": story.title, "body": story.body, "status": story.status})
    return story


def withdraw(session: Session, user: User, story: Story, why: str | None = None) -> Story:
    """The author takes a story down at any time: it leaves every public place; the audit keeps the fact."""
    if story.author_id != user.id:
        raise NotAllowed(_l("This is not one of your stories."))
    if story.status == WITHDRAWN:
        return story
    before = {"status": story.status}
    story.status = WITHDRAWN
    story.withdrawn_at = utcnow()
    story.claimed_by_id = None
    after = {"status": WITHDRAWN} if why is None else {"status": WITHDRAWN, "why": why}
    record(session, "story.withdrawn", story=story, actor=user, before=before, after=after)
    return story


def forget_author(session: Session, user: User, keep_published: bool) -> None:
    """The author's account is being deleted: every story forgets its double-click key; a published story the
    author chose to keep stays, shown as "Anonymous"; every other story is withdrawn."""
    for story in session.scalars(select(Story).where(Story.author_id == user.id)):
        story.submission_key = None
        if keep_published and story.status == PUBLISHED:
            story.public_name = ANONYMOUS
        else:
            withdraw(session, user, story, why="account deleted")
