"""Emailed sign-in links: how an author without a password comes back to their own stories from any browser.

Every link emailed to an author about their stories opens `/account/link/<token>`. The page it opens
signs nobody in: one press of its button (a POST with the page's CSRF token) does, so a link sent by
someone else cannot sign a visitor into the sender's account unawares. Then the author lands where the
email pointed (their stories, a story to edit, a story's conversation).

The rules, checked when the link is made *and* when its button is pressed:

* A link lives `SIGN_IN_LINK_DAYS` (default 7) days, and carries the account's id, random key and session
  version: it dies when the account is deleted or disabled or its sessions are ended, and never opens
  another account that reuses the id.
* A link signs in only an account with no password, no site role (moderator, admin) and no membership of a
  provider's staff: "their own stories only". Anyone else is sent to the password form; an emailed link
  never stands in for a password that exists.
* A link asked for with "email me a sign-in link" works once: using one spends it and every such link
  sent before it. Links in notices (published, sent back, a reply...) may be pressed again until they
  expire, since each email carries one and nothing but a sign-in follows from it.
* A requested link to an address never proven proves it, and takes the account over (see
  services.take_over): the stories told under the address become the prover's, whoever signed up first.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, has_request_context, url_for
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.services import active_user_for_request, external_url, prove_address
from app.accounts.tokens import make_token, read_token, user_claims, user_from_claims
from app.errors import Invalid, NotAllowed
from app.extensions import utcnow
from app.mail.services import queue_email
from app.web.helpers import safe_next
from app.web.i18n import lazy_gettext as _l

PURPOSE = "signin"
DEFAULT_NEXT = "/my/stories"


def lifetime_seconds() -> int:
    return int(current_app.config["SIGN_IN_LINK_DAYS"]) * 24 * 3600


def may_sign_in_by_link(user: User) -> bool:
    """Only an author's own stories open by link: never an account with a password, a site role or staff."""
    return (user.is_active and user.password_hash is None and not user.is_site_staff
            and not user.memberships)


def _path(endpoint: str, **values: object) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def author_link(user: User, endpoint: str = "stories.mine", **values: object) -> str:
    """An absolute link for an email to an author that signs them in (after one press) and opens the page.

    An author who signs in with a password gets the page's own address: it asks them to log in first.
    """
    if not may_sign_in_by_link(user):
        return external_url(endpoint, **values)
    token = make_token(PURPOSE, {**user_claims(user), "n": _path(endpoint, **values)})
    return external_url("accounts.link_sign_in", token=token)


@dataclass
class SignInLink:
    user: User
    next_path: str
    requested: bool
    issued: float


def read_link(session: Session, token: str) -> SignInLink:
    """What a sign-in link stands for, while it still does; Invalid (with words for a person) otherwise."""
    payload = read_token(PURPOSE, token, lifetime_seconds())
    user = user_from_claims(session, payload)
    link = SignInLink(user=user, next_path=safe_next(payload.get("n"), "stories.mine"),
                      requested=bool(payload.get("r")), issued=float(payload.get("t") or 0))
    if link.requested and user.link_used_at is not None and user.link_used_at.timestamp() >= link.issued:
        raise Invalid(_l("This sign-in link has already been used. Ask for a new one."))
    return link


def sign_in_with_link(session: Session, link: SignInLink) -> User:
    """The press of the page's button: proves the address if it was not yet, spends a requested link.

    Returns the account to sign in; NotAllowed when the account signs in with its password.
    """
    user = link.user
    if link.requested:
        prove_address(user)  # only a requested link can name an account not yet confirmed
        user.link_used_at = datetime.fromtimestamp(max(time.time(), link.issued), UTC)
    if user.email_confirmed_at is None or not may_sign_in_by_link(user):
        raise NotAllowed(_l("This account signs in with its password."))
    user.last_login_at = utcnow()
    return user


def request_link(session: Session, email: str) -> None:
    """ "Email me a sign-in link": the same answer, and the same hash, whether or not the address is known.

    An author who may sign in by link gets one (so does an address never proven: following it proves it);
    an account with a password or a role is told to use the password; an unknown address gets nothing.
    """
    user = active_user_for_request(session, email)
    if user is None:
        return
    if user.email_confirmed_at is None or may_sign_in_by_link(user):
        token = make_token(PURPOSE, {**user_claims(user), "n": DEFAULT_NEXT, "r": 1, "t": time.time()})
        queue_email(session, user.email, "sign_in_link", _l("Your link to sign in to Storyloop"),
                    kind="account.sign_in_link", link=external_url("accounts.link_sign_in", token=token),
                    days=current_app.config["SIGN_IN_LINK_DAYS"], unconfirmed=user.email_confirmed_at is None)
    else:
        queue_email(session, user.email, "sign_in_password", _l("Signing in to Storyloop"),
                    kind="account.sign_in_password", login_link=external_url("accounts.login"),
                    reset_link=external_url("accounts.forgot_password"))


def masked(address: str) -> str:
    """Enough of an address for its owner to recognise it on a page: a•••@example.org."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"
