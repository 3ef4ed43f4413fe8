"""Alerts to staff when a story is published: at once, in daily or weekly digests, or to the contact address."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_ngettext
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import Invitation, Membership, User
from app.accounts.services import external_url
from app.accounts.staff import invitation_link
from app.accounts.tokens import make_token, read_token
from app.directory.models import Provider
from app.directory.services import ancestor_ids_cte
from app.errors import Invalid
from app.extensions import db, utcnow
from app.mail.services import queue_email
from app.replies.models import ALERT_FREQUENCIES, DigestItem
from app.stories import timeline
from app.stories.models import PUBLISHED, Story
from app.stories.timeline import record_event
from app.web.i18n import DEFAULT as STAFF_LANGUAGE
from app.web.i18n import lazy_gettext as _l

UNSUBSCRIBE_MAX_AGE = 10 * 365 * 24 * 3600  # an unsubscribe link in an old email must still work


def _unsubscribe_headers(token: str) -> tuple[str, dict[str, str]]:
    url = external_url("replies.unsubscribe", token=token)
    # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to the URL.
    return url, {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _chain(session: Session, story: Story, provider_id: int | None = None) -> list[Provider]:
    cte = ancestor_ids_cte(provider_id or story.provider_id)
    return list(session.scalars(select(Provider).join(cte, Provider.id == cte.c.id).order_by(cte.c.depth)))


def next_digest_time(frequency: str, after: datetime, hour: int) -> datetime:
    at = after.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at <= after:
        at += timedelta(days=1)
    if frequency == "weekly":
        at += timedelta(days=(7 - at.weekday()) % 7)  # Monday
    return at


def _memberships(session: Session, depth: dict[int, int]) -> list[Membership]:
    return list(session.scalars(
        select(Membership).join(User, Membership.user_id == User.id)
        .where(Membership.provider_id.in_(depth), User.disabled_at.is_(None), User.email_confirmed_at.isnot(None))
        .options(selectinload(Membership.user), selectinload(Membership.provider))
    ))


def on_story_published(story: Story, session: Session) -> None:
    """app.events.story_published: the moderator's publish alerts the staff (connected in app.replies)."""
    story_published(session, story)


def on_story_moved(story: Story, session: Session, old_provider_id: int) -> None:
    """app.events.story_moved: the new service's staff are alerted (connected in app.replies)."""
    story_moved(session, story, old_provider_id)


def story_published(session: Session, story: Story, already_told: tuple[set[int], set[int]] = (set(), set())) -> int:
    """Alert everyone with a membership at the story's provider or above it, each by their own settings.

    With nobody registered anywhere up the chain, the nearest contact address is alerted and invited.
    already_told holds the user ids and the contact providers' ids alerted before (a moved story), skipped here.
    Returns how many people (or addresses) were alerted or queued for a digest.
    """
    told_users, told_contacts = already_told
    chain = _chain(session, story)
    depth = {p.id: i for i, p in enumerate(chain)}
    memberships = _memberships(session, depth)
    if not memberships:
        count = _alert_contact(session, story, chain, skip=told_contacts)
        # The timeline: the contact address told and invited, or (nobody to tell) the alert that reached nobody.
        contact = _contact(chain)
        if count and contact is not None:
            record_event(session, story, timeline.INVITED, provider=contact, count=count)
        else:
            record_event(session, story, timeline.ALERTED, provider=story.provider, count=0)
        return count
    memberships = [m for m in memberships if m.user_id not in told_users]
    # Someone on the staff of both a ward and its trust is alerted once, by the membership nearest the story.
    nearest: dict[int, Membership] = {}
    for m in sorted(memberships, key=lambda m: depth[m.provider_id]):
        nearest.setdefault(m.user_id, m)
    now = utcnow()
    count = 0
    for membership in nearest.values():
        if membership.alert_frequency == "none" or (story.criticality or 0) < membership.alert_min_criticality:
            continue
        if membership.alert_frequency == "immediate":
            _send_alert(session, membership, [story])
        else:
            session.add(DigestItem(membership_id=membership.id, story_id=story.id, frequency=membership.alert_frequency,
                                   due_at=next_digest_time(membership.alert_frequency, now,
                                                           current_app.config["DIGEST_HOUR"])))
        count += 1
    # The timeline: how many people were told, at once or in their digest (no names, no addresses).
    record_event(session, story, timeline.ALERTED, provider=story.provider, count=count)
    return count


def _send_alert(session: Session, membership: Membership, stories: list[Story], digest: str | None = None) -> None:
    url, headers = _unsubscribe_headers(make_token("unsubscribe", {"m": membership.id,
                                                                   "k": membership.token_key or ""}))
    if digest:
        subject = lazy_ngettext("%(num)d new story about %(name)s", "%(num)d new stories about %(name)s", len(stories),
                                name=membership.provider.name)
    else:
        subject = _l("New story about %(name)s: %(title)s", name=stories[0].provider.name, title=stories[0].title)
    kind = "alert.digest" if digest else "alert.story"
    queue_email(session, membership.user.email, "story_alert", subject, kind=kind, headers=headers,
                locale=STAFF_LANGUAGE,
                stories=stories, digest=digest, provider=membership.provider,
                links={s.id: external_url("pages.story", story_id=s.id) for s in stories},
                unsubscribe_link=url, settings_link=external_url("pages.dashboard", _anchor="alerts"),
                invitation_link=None)


def _contact(chain: list[Provider]) -> Provider | None:
    return next((p for p in chain if p.email and p.contact_alerts and p.active), None)


def story_moved(session: Session, story: Story, old_provider_id: int) -> int:
    """A published story now belongs to another service: its staff (or contact address) are alerted as at
    publication, except people the first alert already reached through a provider above both; digests still
    waiting to tell the old service's staff about it are dropped."""
    old_chain = _chain(session, story, old_provider_id)
    old_depth = {p.id: i for i, p in enumerate(old_chain)}
    old_members = _memberships(session, old_depth)
    told_users = {m.user_id for m in old_members}
    told_contacts = set() if old_members else {p.id for p in [_contact(old_chain)] if p is not None}
    new_ids = {p.id for p in _chain(session, story)}
    for item in session.scalars(select(DigestItem).where(DigestItem.story_id == story.id,
                                                         DigestItem.sent_at.is_(None))):
        if item.membership.provider_id not in new_ids:
            session.delete(item)
    return story_published(session, story, already_told=(told_users, told_contacts))


def _alert_contact(session: Session, story: Story, chain: list[Provider], skip: set[int] = frozenset()) -> int:
    provider = _contact(chain)
    if provider is None or provider.id in skip:
        return 0
    invite_link = invitation_link(contact_invitation(session, provider,
                                                     open_invitations(session, [provider]).get(provider.id)))
    url, headers = _unsubscribe_headers(make_token("unsubscribe", {"p": provider.id, "c": provider.code}))
    queue_email(session, provider.email, "story_alert",
                _l("New story about %(name)s: %(title)s", name=story.provider.name, title=story.title),
                kind="alert.contact", locale=STAFF_LANGUAGE, headers=headers,
                stories=[story], digest=None, provider=provider,
                links={story.id: external_url("pages.story", story_id=story.id)}, unsubscribe_link=url,
                settings_link=None, invitation_link=invite_link)
    return 1


def open_invitations(session: Session, providers: list[Provider]) -> dict[int, Invitation]:
    """Each provider's newest open invitation to its own contact address, by provider id (one query)."""
    wanted = [p for p in providers if p.email]
    if not wanted:
        return {}
    found: dict[int, Invitation] = {}
    for invitation in session.scalars(select(Invitation).where(
            Invitation.accepted_at.is_(None),
            or_(*(and_(Invitation.provider_id == p.id, Invitation.email == p.email.lower()) for p in wanted)))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())):
        found.setdefault(invitation.provider_id, invitation)
    return found


def contact_invitation(session: Session, provider: Provider, latest: Invitation | None) -> Invitation:
    """The invitation an email to the contact address carries: its newest open one while that has more than half
    its life left (see open_invitations), else a new one, as a manager."""
    if latest is None or utcnow() - latest.created_at > timedelta(
            seconds=current_app.config["TOKEN_MAX_AGE_INVITE"] // 2):
        latest = Invitation(provider_id=provider.id, email=provider.email.lower(), job_title="", role="manager")
        session.add(latest)
        session.flush()
    return latest


def run_due_digests(session: Session) -> int:
    """Send every digest that is due: one email per membership, holding all its due stories."""
    now = utcnow()
    due_memberships = set(session.scalars(select(DigestItem.membership_id).where(
        DigestItem.sent_at.is_(None), DigestItem.due_at <= now)))
    sent = 0
    for membership_id in sorted(due_memberships):
        # Claim this membership's due items; a second worker claiming at the same time gets none.
        story_ids = list(session.scalars(
            update(DigestItem).where(DigestItem.membership_id == membership_id, DigestItem.sent_at.is_(None),
                                     DigestItem.due_at <= now)
            .values(sent_at=now).returning(DigestItem.story_id)
        ))
        membership = session.get(Membership, membership_id)
        stories = list(session.scalars(select(Story).where(Story.id.in_(story_ids), Story.status == PUBLISHED)
                                       .order_by(Story.criticality.desc(), Story.published_at)))
        if stories and membership is not None and membership.alert_frequency != "none" \
                and membership.user.is_active:
            _send_alert(session, membership, stories, digest=membership.alert_frequency)
            sent += 1
        session.commit()
    return sent


def read_unsubscribe(token: str, session: Session | None = None) -> dict:
    """The link's payload while it still stands for a membership or contact address; Invalid otherwise."""
    payload = read_token("unsubscribe", token, UNSUBSCRIBE_MAX_AGE)
    _unsubscribe_target(session or db.session, payload)
    return payload


def _unsubscribe_target(session: Session, payload: dict) -> Membership | Provider:
    if "m" in payload:
        membership = session.get(Membership, payload["m"]) if isinstance(payload["m"], int) else None
        # The membership's random key: a membership removed, and a later one given the same id, never match.
        if membership is None or (membership.token_key or "") != payload.get("k"):
            raise Invalid("This link is no longer valid: the membership has ended.")
        if not membership.user.is_active:
            raise Invalid("This link is no longer valid: the account has been closed.")
        return membership
    if "p" in payload:
        provider = session.get(Provider, payload["p"]) if isinstance(payload["p"], int) else None
        # Links made before the code was carried have none; a provider's code never changes.
        if provider is None or payload.get("c", provider.code) != provider.code:
            raise Invalid("This link is not valid.")
        return provider
    raise Invalid("This link is not valid.")


def unsubscribe(session: Session, token: str) -> str:
    """Turn alerts off for the membership or contact address in the token; returns what was unsubscribed.

    Deliberately not bound to the session version: a password change must not stop an old alert's one-click
    unsubscribe (RFC 8058) from working. It acts on the membership's own settings only.
    """
    target = _unsubscribe_target(session, read_token("unsubscribe", token, UNSUBSCRIBE_MAX_AGE))
    if isinstance(target, Membership):
        target.alert_frequency = "none"
        return f"alerts about {target.provider.name}"
    target.contact_alerts = False
    return f"alerts to the contact address of {target.name}"


def update_settings(session: Session, user: User, membership: Membership, frequency: str, min_criticality: int) -> None:
    if membership.user_id != user.id:
        raise Invalid("These are not your settings.")
    if frequency not in ALERT_FREQUENCIES:
        raise Invalid("Choose how often to be alerted.", field="frequency")
    if min_criticality not in range(6):
        raise Invalid("Choose a criticality from 0 to 5.", field="min_criticality")
    membership.alert_frequency = frequency
    membership.alert_min_criticality = min_criticality
