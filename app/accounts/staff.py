"""Provider staff: memberships, who acts for which provider, and invitations to join."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import MEMBER_ROLES, TITLE_MAX, Invitation, Membership, User
from app.accounts.services import external_url, find_user, normalise_email, set_password
from app.accounts.tokens import address_digest, make_token, read_token, same_address
from app.directory.models import Provider
from app.directory.services import ancestor_depths
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import utcnow
from app.mail.services import queue_email
from app.text import single_line
from app.web.i18n import lazy_gettext as _l

_KEPT = "storyloop_staff_of"


# Built once (every signed-in story and provider page asks), the providers an expanding parameter.
_MEMBERSHIPS_AMONG = select(Membership).where(Membership.user_id == bindparam("user_id"),
                                              Membership.provider_id.in_(bindparam("ids", expanding=True)))


def memberships_above(session: Session, user: User, provider_id: int) -> list[tuple[Membership, int]]:
    """The user's memberships of this provider or of a provider above it, each with how far above (0: the
    provider itself), nearest first: one query, kept until the session next flushes, commits or rolls back (a
    signed-in story page asks twice: to note a first read, then for its forms)."""
    if not user.is_authenticated:
        return []
    kept = session.info.setdefault(_KEPT, {})
    key = (user.id, provider_id)
    if key not in kept:
        depths = ancestor_depths(session, provider_id)
        found = session.scalars(_MEMBERSHIPS_AMONG, {"user_id": user.id, "ids": list(depths)}).all()
        kept[key] = sorted(((m, depths[m.provider_id]) for m in found), key=lambda pair: (pair[1], pair[0].id))
    return kept[key]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session, *args) -> None:
    session.info.pop(_KEPT, None)


def has_membership(session: Session, user: User, provider: Provider, roles: tuple[str, ...] | None = None) -> bool:
    """True when the user is staff of this provider or of any provider above it."""
    return any(not roles or m.role in roles for m, _ in memberships_above(session, user, provider.id))


def members(session: Session, provider: Provider) -> list[Membership]:
    return list(session.scalars(
        select(Membership).where(Membership.provider_id == provider.id)
        .options(selectinload(Membership.user)).order_by(Membership.created_at)
    ))


def pending_invitations(session: Session, provider: Provider) -> list[Invitation]:
    return list(session.scalars(
        select(Invitation).where(Invitation.provider_id == provider.id, Invitation.accepted_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ))


def invite(session: Session, provider: Provider, email: str, job_title: str = "", role: str = "responder",
           invited_by: User | None = None) -> Invitation:
    """Record an invitation and email its link; the person joins when they follow it."""
    email = normalise_email(email)
    job_title = single_line(job_title)
    if len(job_title) > TITLE_MAX:
        raise Invalid(_l("Keep the job title under %(limit)s characters.", limit=TITLE_MAX), field="job_title")
    if role not in MEMBER_ROLES:
        raise Invalid(_l("Choose responder or manager."), field="role")
    if not provider.active:
        raise Invalid(_l("This provider is no longer active."))
    user = find_user(session, email)
    if user is not None and session.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.provider_id == provider.id)
    ):
        raise Conflict(_l("%(email)s is already on the staff of %(name)s.",
                          email=email, name=provider.name), field="email")
    invitation = Invitation(provider_id=provider.id, email=email, job_title=job_title, role=role,
                            invited_by_id=invited_by.id if invited_by else None)
    session.add(invitation)
    session.flush()
    queue_email(session, email, "staff_invitation",
                _l("Respond to stories about %(name)s on Storyloop", name=provider.name),
                kind="staff.invitation", provider=provider, invitation=invitation,
                has_account=user is not None, inviter=invited_by,
                link=invitation_link(invitation))
    return invitation


def invitation_link(invitation: Invitation) -> str:
    """The emailed link: the invitation's id with its random key, so it never opens a later invitation
    that reuses the id."""
    token = make_token("invite", {"iid": invitation.id, "k": invitation.token_key or "",
                                  "e": address_digest(invitation.email)})
    return external_url("accounts.accept_invitation", token=token)


def invitation_from_token(session: Session, token: str) -> Invitation:
    payload = read_token("invite", token, current_app.config["TOKEN_MAX_AGE_INVITE"])
    iid = payload.get("iid")
    invitation = session.get(Invitation, iid) if isinstance(iid, int) else None
    if (invitation is None or not same_address(invitation.email, payload.get("e"))
            or (invitation.token_key or "") != payload.get("k")):
        raise Invalid(_l("This invitation is not valid."))
    if invitation.accepted_at is not None:
        raise Invalid(_l("This invitation has already been accepted. Log in to respond."))
    if not invitation.provider.active:
        raise Invalid(_l("This invitation is no longer valid: the provider is no longer active."))
    inviter = invitation.invited_by
    # An invitation stands for the manager who sent it: it dies with their place on the staff (or their
    # account). Invitations from the command line or the site's alerts have no inviter.
    if invitation.invited_by_id is not None and (inviter is None or not inviter.is_active or not (
            inviter.is_admin or has_membership(session, inviter, invitation.provider, ("manager",)))):
        raise Invalid(_l("This invitation is no longer valid: the person who sent it no longer manages this "
                      "provider's staff. Ask a manager for a new one."))
    return invitation


def accept(session: Session, invitation: Invitation, user: User) -> Membership:
    """Make the user staff of the invited provider. The user must own the invited address, and staff sign in
    with a password (an author signed in by an emailed link chooses one first: accept_choosing_password)."""
    if user.password_hash is None:
        raise Invalid(_l("Choose a password first: staff sign in with a password."), field="password")
    if user.email != invitation.email:
        raise NotAllowed(
            _l("This invitation was sent to another address. Log out and follow the link again to accept it as "
               "%(email)s.", email=invitation.email)
        )
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.provider_id == invitation.provider_id)
    )
    if membership is None:
        membership = Membership(user_id=user.id, provider_id=invitation.provider_id,
                                job_title=invitation.job_title, role=invitation.role)
        session.add(membership)
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    # The invitation arrived at this address, so it is proven.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    session.flush()
    return membership


def accept_as_new_user(session: Session, invitation: Invitation, display_name: str, password: str) -> User:
    if find_user(session, invitation.email) is not None:
        raise Conflict(_l("An account with this address exists already. Log in to accept the invitation."))
    display_name = single_line(display_name)
    if not display_name:
        raise Invalid(_l("Enter your name as it should appear beside your replies."), field="display_name")
    if len(display_name) > 120:
        raise Invalid(_l("Keep your name under 120 characters."), field="display_name")
    user = User(email=invitation.email, display_name=display_name, email_confirmed_at=utcnow())
    set_password(user, password)
    session.add(user)
    session.flush()
    accept(session, invitation, user)
    return user


def accept_choosing_password(session: Session, invitation: Invitation, user: User, display_name: str,
                             password: str) -> Membership:
    """An author who signs in by emailed links (no password) joins the staff: they choose a password first."""
    if user.email != invitation.email:
        return accept(session, invitation, user)  # refused there, with the reason
    display_name = " ".join((display_name or "").split())
    if not display_name:
        raise Invalid(_l("Enter your name as it should appear beside your replies."), field="display_name")
    if len(display_name) > 120:
        raise Invalid(_l("Keep your name under 120 characters."), field="display_name")
    set_password(user, password)
    user.display_name = display_name
    return accept(session, invitation, user)


def remove_membership(session: Session, membership: Membership) -> None:
    session.delete(membership)
