"""Admin operations on the provider directory: edit, move, deactivate, merge a duplicate."""
from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from app.accounts.models import Invitation, Membership, User
from app.audit import record
from app.directory.models import (
    CODE_MAX,
    EMAIL_MAX,
    KINDS,
    MERGED,
    NAME_MAX,
    RECODED,
    SERVICE_TYPES,
    WEBSITE_MAX,
    Provider,
    ProviderRedirect,
)
from app.directory.services import (
    CODE_RE,
    ancestors,
    descendant_ids_cte,
    find_by_code,
    get_by_code,
    normalise_code,
    normalise_postcode,
    touch_subtree,
)
from app.errors import Conflict, Invalid, NotFound
from app.replies.models import Change, Reply
from app.stories.models import Story
from app.stories.timeline import StoryEvent
from app.text import clean_text, single_line

MEMBER_RANK = {"responder": 0, "manager": 1}


@dataclass
class ProviderEdit:
    name: str
    kind: str
    postcode: str = ""
    email: str = ""
    website: str = ""
    service_type: str = ""


def _snapshot(provider: Provider) -> dict:
    return {"code": provider.code, "name": provider.name, "kind": provider.kind,
            "service_type": provider.service_type, "postcode": provider.postcode,
            "email": provider.email, "website": provider.website, "active": provider.active,
            "parent": provider.parent.code if provider.parent else None}


def _named(session: Session, code: str, field: str) -> Provider:
    """The provider a form's field names by code: an unknown code is that field's mistake, not a missing page."""
    try:
        return get_by_code(session, code)
    except NotFound as exc:
        raise Invalid(exc.message, field=field) from None


def _reindex_subtree(session: Session, provider: Provider) -> None:
    """Provider names (and those above) are in each story's search document: have every story below requeued.

    Marking the stories changed lets the search module's own hook queue them, for either backend.
    """
    subtree = descendant_ids_cte(provider.id)
    for story in session.scalars(select(Story).where(Story.provider_id.in_(select(subtree.c.id)))):
        flag_modified(story, "provider_id")


def edit(session: Session, admin: User, provider: Provider, data: ProviderEdit) -> Provider:
    errors: dict[str, str] = {}
    name = single_line(data.name)
    if not name:
        errors["name"] = "Enter the provider's name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"The name is longer than {NAME_MAX} characters."
    if data.kind not in KINDS:
        errors["kind"] = "Choose a kind from the list."
    elif data.kind == "department" and provider.parent_id is None:
        errors["kind"] = "A department or ward needs a provider above it: move it first."
    service_type = (data.service_type or "").strip() or None
    if service_type is not None and service_type not in SERVICE_TYPES:
        errors["service_type"] = "Choose a service type from the list, or none."
    postcode = None
    if (data.postcode or "").strip():
        postcode = normalise_postcode(data.postcode)
        if postcode is None:
            errors["postcode"] = "Enter a UK postcode, like SW1A 1AA, or leave it empty."
    email = None
    if (data.email or "").strip():
        try:
            if len(data.email.strip()) > EMAIL_MAX:
                raise EmailNotValidError("too long")
            email = validate_email(data.email.strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            errors["email"] = f"Enter a valid email address ({exc}) or leave it empty."
    website = single_line(data.website) or None
    if website:
        if not re.match(r"^https?://", website, re.IGNORECASE):
            website = "https://" + website
        if len(website) > WEBSITE_MAX or not re.match(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", website, re.I):
            errors["website"] = "Enter a web address, like https://example.org, or leave it empty."
    if errors:
        raise Invalid(errors=errors)
    before = _snapshot(provider)
    renamed = name != provider.name
    provider.name, provider.kind, provider.postcode = name, data.kind, postcode
    provider.email, provider.website, provider.service_type = email, website, service_type
    after = _snapshot(provider)
    if before == after:
        return provider
    if renamed:
        _reindex_subtree(session, provider)
    record(session, "admin.provider.edit", actor=admin, before=before, after=after,
           subject=("provider", provider.id))
    session.commit()
    return provider


def move(session: Session, admin: User, provider: Provider, parent_code: str, reason: str = "") -> Provider:
    """Put the provider under another (or at the top with an empty code); never under itself or below it."""
    parent = None
    if normalise_code(parent_code):
        parent = _named(session, parent_code, "parent")
        if parent.id == provider.id or provider in ancestors(session, parent):
            raise Invalid(f"{parent.code} is {provider.code} itself or below it: that would make a loop.",
                          field="parent")
    elif provider.kind == "department":
        raise Invalid("A department or ward needs a provider above it.", field="parent")
    if (parent.id if parent else None) == provider.parent_id:
        return provider
    before = _snapshot(provider)
    provider.parent = parent
    _reindex_subtree(session, provider)
    touch_subtree(session, provider.id)  # their ancestors, so their top-level organisation, changed
    record(session, "admin.provider.move", actor=admin, reason=clean_text(reason) or None, before=before,
           after=_snapshot(provider), subject=("provider", provider.id))
    session.commit()
    return provider


def set_active(session: Session, admin: User, provider: Provider, active: bool, reason: str = "") -> Provider:
    """Deactivated providers keep their stories and pages but take no new stories or staff."""
    if provider.active == active:
        return provider
    before = _snapshot(provider)
    provider.active = active
    record(session, "admin.provider.reactivate" if active else "admin.provider.deactivate", actor=admin,
           reason=clean_text(reason) or None, before=before, after=_snapshot(provider),
           subject=("provider", provider.id))
    session.commit()
    return provider


def merge(session: Session, admin: User, duplicate: Provider, target_code: str, reason: str = "") -> Provider:
    """Fold a duplicate into another provider: everything that named it moves, its code redirects (301)."""
    target = _named(session, target_code, "target")
    if target.id == duplicate.id:
        raise Invalid("Choose another provider to merge into.", field="target")
    if duplicate in ancestors(session, target):
        raise Conflict(f"{target.code} is below {duplicate.code}: move it out first, then merge.")
    before = {**_snapshot(duplicate), "id": duplicate.id}
    moved = {"stories": 0, "memberships": 0, "children": 0}
    # Stories through the ORM, so the search queue hears of each (their provider names change).
    for story in session.scalars(select(Story).where(Story.provider_id == duplicate.id)):
        story.provider_id = target.id
        moved["stories"] += 1
    for table in (Reply, Change, StoryEvent):
        session.execute(update(table).where(table.provider_id == duplicate.id).values(provider_id=target.id)
                        .execution_options(synchronize_session=False))
    session.execute(update(Invitation).where(Invitation.provider_id == duplicate.id)
                    .values(provider_id=target.id).execution_options(synchronize_session=False))
    existing = {m.user_id: m for m in session.scalars(select(Membership).where(Membership.provider_id == target.id))}
    for membership in list(session.scalars(select(Membership).where(Membership.provider_id == duplicate.id))):
        kept = existing.get(membership.user_id)
        if kept is None:
            membership.provider_id = target.id
        else:
            # Someone on both staffs keeps one membership with the stronger role.
            if MEMBER_RANK.get(membership.role, 0) > MEMBER_RANK.get(kept.role, 0):
                kept.role = membership.role
            session.delete(membership)
        moved["memberships"] += 1
    for child in list(duplicate.children):
        child.parent = target
        moved["children"] += 1
        touch_subtree(session, child.id)
    session.execute(update(ProviderRedirect).where(ProviderRedirect.provider_id == duplicate.id)
                    .values(provider_id=target.id).execution_options(synchronize_session=False))
    session.flush()
    record(session, "admin.provider.merge", actor=admin, reason=clean_text(reason) or None, before=before,
           after={"into": target.code, "into_id": target.id, **moved}, subject=("provider", target.id))
    # The duplicate's own row goes; its code lives on as a redirect.
    code = duplicate.code
    session.delete(duplicate)
    session.flush()
    session.add(ProviderRedirect(code=code, provider_id=target.id, kind=MERGED))
    session.commit()
    return target


def change_code(session: Session, admin: User, provider: Provider, new_code: str, reason: str = "") -> Provider:
    """Give a provider a new code: the old one redirects to it (pages 301, the API's filters follow it, the
    dataset lists it). A code that once was another provider's stays that provider's: codes are not reused."""
    code = normalise_code(single_line(new_code))
    if not code:
        raise Invalid("Enter the new code.", field="code")
    if len(code) > CODE_MAX:
        raise Invalid(f"The code is longer than {CODE_MAX} characters.", field="code")
    if not CODE_RE.match(code):
        raise Invalid("A code may hold only letters, digits, '.', '_' and '-'.", field="code")
    if code == provider.code:
        return provider
    holder = find_by_code(session, code)
    if holder is not None:
        raise Invalid(f"{code} is the code of {holder.name}.", field="code")
    old = session.get(ProviderRedirect, code)
    if old is not None and old.provider_id != provider.id:
        raise Invalid(f"{code} was a code of {old.provider.code}, and its old links lead there: choose another.",
                      field="code")
    before = _snapshot(provider)
    previous = provider.code
    if old is not None:
        session.delete(old)  # the provider takes back a code it once had: the code is live again
    # Redirects from the codes it had before lead to it still (they name the provider, not a code).
    session.flush()
    provider.code = code
    session.add(ProviderRedirect(code=previous, provider_id=provider.id, kind=RECODED))
    touch_subtree(session, provider.id)  # their parent_code, or an ancestor's code, changed
    _reindex_subtree(session, provider)  # the search documents hold each story's provider code
    record(session, "admin.provider.code", actor=admin, reason=clean_text(reason) or None, before=before,
           after=_snapshot(provider), subject=("provider", provider.id))
    session.commit()
    return provider
