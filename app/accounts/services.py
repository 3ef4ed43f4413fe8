"""Account operations: sign-up, confirmation, login, password reset and change, site roles."""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context, url_for
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import Invitation, Membership, User, new_token_key
from app.accounts.passwords import hash_password, needs_rehash, password_problem, spend_hash_time, verify_password
from app.accounts.tokens import address_digest, make_token, read_token, same_address, user_claims, user_from_claims
from app.errors import Conflict, Invalid
from app.extensions import db, utcnow
from app.mail.services import forget_address, queue_email
from app.text import single_line
from app.web.i18n import lazy_gettext as _l

ROLES = ("moderator", "admin")


def normalise_email(raw: str) -> str:
    """The address as stored: validated, lower-cased. Raises Invalid with a readable reason."""
    raw = (raw or "").strip()
    if not raw:
        raise Invalid(_l("Enter your email address."), field="email")
    if len(raw) > 254:
        raise Invalid(_l("That email address is too long."), field="email")
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise Invalid(_l("Enter a valid email address (%(exc)s).", exc=exc), field="email") from exc


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for emails, built on SITE_URL whatever host the request came in on.

    Works outside a request too (the CLI, the worker), where url_for alone would need SERVER_NAME.
    """
    if has_request_context():
        path = url_for(endpoint, _external=False, **values)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, _external=False, **values)
    return current_app.config["SITE_URL"] + path


class AddressNotConfirmed(Invalid):
    """The password was right but the address was never proven: nothing opens until it is."""

    def __init__(self, user: User) -> None:
        super().__init__("Confirm your email address first: follow the link we emailed you.")
        self.user = user


def send_confirmation(session: Session, user: User) -> None:
    token = make_token("confirm", {**user_claims(user), "e": address_digest(user.email)})
    queue_email(session, user.email, "confirm_email", _l("Confirm your email address"),
                kind="account.confirm", link=external_url("accounts.confirm", token=token), user=user)


def sign_up(session: Session, email: str, password: str, display_name: str = "") -> User | None:
    """Create an unconfirmed account and email a confirmation link.

    When the address already has an account its owner is told by email instead, so the page
    never reveals whether an address is registered; the password is hashed either way, so neither
    does the time the answer takes. Returns the new user, or None.
    """
    email = normalise_email(email)
    problem = password_problem(password, email)
    if problem:
        raise Invalid(problem, field="password")
    existing = find_user(session, email)
    if existing is not None:
        spend_hash_time(password)
        if existing.is_active:
            queue_email(session, existing.email, "already_registered", _l("You already have a Storyloop account"),
                        kind="account.already_registered", login_link=external_url("accounts.login"),
                        reset_link=external_url("accounts.forgot_password"))
        return None
    user = User(email=email, password_hash=hash_password(password), display_name=single_line(display_name)[:120])
    session.add(user)
    session.flush()
    send_confirmation(session, user)
    return user


def user_for_confirmation(session: Session, token: str) -> User:
    """The account an emailed sign-up confirmation names, while the link still stands for it."""
    payload = read_token("confirm", token, current_app.config["TOKEN_MAX_AGE_CONFIRM"])
    user = user_from_claims(session, payload)
    if not same_address(user.email, payload.get("e")):
        raise Invalid(_l("This link is no longer valid. Ask for a new one."))
    return user


def take_over(user: User) -> None:
    """The address is proven by someone who did not prove the password: the account becomes theirs.

    Whoever signed up with the address first (perhaps someone else, "squatting" it) loses the password,
    name and every session and link; the stories told under the address stay with the address.
    """
    user.password_hash = None
    user.display_name = ""
    user.session_version = (user.session_version or 0) + 1
    user.token_key = new_token_key()
    user.email_confirmed_at = utcnow()


def prove_address(user: User, password: str | None = None) -> None:
    """An emailed link to the address was followed (and its button pressed).

    For an account not yet confirmed: with its password, confirm it as it is; without one, take it over.
    A wrong password changes nothing (Invalid), so it can be tried again or left out.
    """
    if user.email_confirmed_at is not None:
        return
    if password:
        if user.password_hash is None or not verify_password(user.password_hash, password):
            raise Invalid(_l("That is not the password chosen for this account. Leave it empty to go on "
                          "without it."), field="password")
        user.email_confirmed_at = utcnow()
        return
    if user.password_hash is not None:
        take_over(user)
    else:
        user.email_confirmed_at = utcnow()


def confirm_email(session: Session, token: str, password: str | None = None) -> User:
    """The sign-up confirmation's button: proves the address (see prove_address). Works once."""
    user = user_for_confirmation(session, token)
    if user.email_confirmed_at is not None:
        raise Invalid(_l("This address is already confirmed. Log in, or ask for a sign-in link."))
    prove_address(user, password)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user when the address and password match an enabled, confirmed account; None otherwise.

    Raises AddressNotConfirmed when the password is right but the address was never proven.
    """
    user = find_user(session, email or "")
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        return None
    if user.email_confirmed_at is None:
        raise AddressNotConfirmed(user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def active_user_for_request(session: Session, email: str) -> User | None:
    """The enabled account an emailed request (a reset, a sign-in link) is for, or None; the password hash runs
    either way, so the answer takes as long whether or not the address is known."""
    spend_hash_time(email or "")
    try:
        email = normalise_email(email)
    except Invalid:
        return None
    user = find_user(session, email)
    return user if user is not None and user.is_active else None


def request_password_reset(session: Session, email: str) -> None:
    """Email a single-use reset link when the address has an enabled account; silent otherwise.

    The hash runs on every path so that the answer takes as long for an unknown address.
    """
    user = active_user_for_request(session, email)
    if user is None:
        return
    token = make_token("reset", user_claims(user))
    queue_email(session, user.email, "reset_password", _l("Reset your Storyloop password"),
                kind="account.reset", link=external_url("accounts.reset_password", token=token),
                minutes=current_app.config["TOKEN_MAX_AGE_RESET"] // 60)


def user_for_reset(session: Session, token: str) -> User:
    payload = read_token("reset", token, current_app.config["TOKEN_MAX_AGE_RESET"])
    # The version moves on with every reset or password change, so a link works once.
    try:
        return user_from_claims(session, payload)
    except Invalid as exc:
        raise Invalid(_l("This link has already been used or is no longer valid. Ask for a new one.")) from exc


def reset_password(session: Session, token: str, password: str) -> User:
    user = user_for_reset(session, token)
    set_password(user, password)
    if user.email_confirmed_at is None:
        # Following the emailed link proves the address; whoever signed up with it does not keep the name.
        user.display_name = ""
        user.email_confirmed_at = utcnow()
    return user


def set_password(user: User, password: str) -> None:
    problem = password_problem(password, user.email)
    if problem:
        raise Invalid(problem, field="password")
    user.password_hash = hash_password(password)
    # Other sessions and outstanding reset links end here. (None: a new user not yet flushed.)
    user.session_version = (user.session_version or 0) + 1


def change_password(user: User, current: str | None, new: str) -> None:
    """Change the password; an author who has none (they sign in by emailed links) just chooses one."""
    if user.password_hash is not None and not verify_password(user.password_hash, current or ""):
        raise Invalid(_l("Your current password is not right."), field="current_password")
    set_password(user, new)


def create_site_user(session: Session, email: str, role: str, password: str) -> User:
    """A verified moderator or admin account (the `users create` command)."""
    if role not in ROLES:
        raise Invalid(_l("role must be one of %(join)s", join=', '.join(ROLES)))
    email = normalise_email(email)
    if find_user(session, email) is not None:
        raise Conflict(_l("an account for %(email)s already exists", email=email))
    problem = password_problem(password, email)
    if problem:
        raise Invalid(problem, field="password")
    user = User(email=email, password_hash=hash_password(password), email_confirmed_at=utcnow(),
                is_moderator=(role == "moderator"), is_admin=(role == "admin"))
    session.add(user)
    session.flush()
    return user


def erase(session: Session, user: User) -> None:
    """Delete an account's personal data. The row stays as an empty tombstone, because stories and the audit
    trail point at it; nothing in it identifies the person any more, and it can never sign in again."""
    old_email = user.email
    forget_address(session, old_email)
    session.execute(delete(Invitation).where(Invitation.email == old_email, Invitation.accepted_at.is_(None)))
    session.execute(delete(Membership).where(Membership.user_id == user.id))
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.display_name = ""
    user.password_hash = None
    user.is_moderator = user.is_admin = False
    user.disabled_at = utcnow()
    user.last_login_at = None
    user.session_version = (user.session_version or 0) + 1  # every session and emailed link ends


_SIGNED_IN_USER = select(User).options(joinedload(User.memberships)).where(User.id == bindparam("user_id"))


def load_user(ident: str) -> User | None:
    """Flask-Login's user loader: the account a session names, while the session still stands for it."""
    user_id, _, version = ident.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    # With its memberships in the same statement: every signed-in page's navigation asks for them. The statement is
    # built once: building it (and keying it for the compiled cache) on every request cost more than running it.
    user = db.session.execute(_SIGNED_IN_USER, {"user_id": int(user_id)}).unique().scalar_one_or_none()
    # A changed password or a disabled account ends every session at once.
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    # An address never proven opens nothing, whatever session it may hold.
    if user.email_confirmed_at is None:
        return None
    return user
