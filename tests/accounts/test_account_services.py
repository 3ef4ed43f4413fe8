"""The account services called directly, without HTTP: addresses, sign-up and its confirmation, login, resets and
password changes, site users (services.py), emailed sign-in links (links.py) and the signed tokens under every
emailed link (tokens.py), with the outbox rows each writes in the caller's transaction."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts import links, services
from app.accounts.models import User
from app.accounts.passwords import verify_password
from app.accounts.services import AddressNotConfirmed
from app.accounts.tokens import address_digest, make_token, read_token, same_address, user_claims, user_from_claims
from app.errors import Conflict, Invalid, NotAllowed
from tests.conftest import PASSWORD, outbox, token_in

NEW_PASSWORD = "plum kettle orbit lantern"


def users(session) -> int:
    return session.scalar(select(func.count(User.id)))


def confirm_token(session, address: str) -> str:
    return token_in(outbox(session, kind="account.confirm", to=address)[-1], "/account/confirm/")


def link_token(session, address: str) -> str:
    return token_in(outbox(session, kind="account.sign_in_link", to=address)[-1], "/account/link/")


@pytest.fixture
def author(session, make_user):
    """A confirmed author without a password: they come back by emailed links."""
    user = make_user(email="author@example.org", display_name="")
    user.password_hash = None
    session.commit()
    return user


# ---------------------------------------------------------------- addresses

@pytest.mark.parametrize(("raw", "stored"), [
    ("  Someone@Example.ORG ", "someone@example.org"),
    ("ÉMILE@example.org", "émile@example.org"),
    ("E\u0301MILE@example.org", "émile@example.org"),  # a decomposed accent is the same address (NFC)
    ("user@exämple.org", "user@exämple.org"),
])
def test_an_address_is_stored_validated_composed_and_lower_cased(raw, stored):
    assert services.normalise_email(raw) == stored


@pytest.mark.parametrize(("raw", "reason"), [
    ("", "Enter your email address."),
    ("   ", "Enter your email address."),
    ("a" * 250 + "@example.org", "That email address is too long."),
    ("no at sign", "Enter a valid email address"),
    ("user@example", "Enter a valid email address"),
    ("us\u200ber@example.org", "Enter a valid email address"),  # an invisible character is refused, not hidden
])
def test_a_wrong_address_is_refused_with_a_reason(raw, reason):
    with pytest.raises(Invalid) as caught:
        services.normalise_email(raw)
    assert caught.value.message.startswith(reason) and caught.value.field == "email"


def test_an_account_is_found_whatever_the_case(session, make_user):
    user = make_user(email="mixed@example.org")
    assert services.find_user(session, " MIXED@example.ORG ") == user
    assert services.find_user(session, "other@example.org") is None


# ---------------------------------------------------------------- sign-up and confirmation

def test_sign_up_makes_an_unconfirmed_account_and_queues_one_confirmation(session):
    user = services.sign_up(session, "New@Example.org", NEW_PASSWORD, display_name="Ann\nBcc: x@example.org " * 10)
    assert user.email == "new@example.org" and user.email_confirmed_at is None
    assert user.password_hash != NEW_PASSWORD and verify_password(user.password_hash, NEW_PASSWORD)
    assert "\n" not in user.display_name and len(user.display_name) == 120
    [mail] = outbox(session)
    assert (mail.kind, mail.to_addr) == ("account.confirm", "new@example.org")
    assert "new@example" not in confirm_token(session, "new@example.org")
    session.rollback()  # the account and its mail are one transaction
    assert users(session) == 0 and outbox(session) == []


def test_signing_up_with_a_known_address_tells_its_owner_and_makes_nothing(session, make_user):
    owner = make_user(email="émile@example.org")
    assert services.sign_up(session, "E\u0301MILE@Example.org", NEW_PASSWORD) is None
    assert users(session) == 1 and verify_password(owner.password_hash, PASSWORD)
    assert [(m.kind, m.to_addr) for m in outbox(session)] == [("account.already_registered", "émile@example.org")]


def test_signing_up_over_a_disabled_account_mails_nobody(session, make_user, clock):
    make_user(email="gone@example.org").disabled_at = clock.now()
    session.commit()
    assert services.sign_up(session, "gone@example.org", NEW_PASSWORD) is None
    assert outbox(session) == []


@pytest.mark.parametrize(("password", "problem"), [
    ("short", "Use at least 10 characters."),
    ("password123", "too common"),
    ("aaaaaaaaaaaaaaaa", "too common"),
    ("weakling@example.org", "Do not use your email address"),
    ("x" * 1001, "Use at most 1000 characters."),
])
def test_a_weak_password_is_refused_before_anything_is_written(session, password, problem):
    with pytest.raises(Invalid) as caught:
        services.sign_up(session, "weakling@example.org", password)
    assert problem in caught.value.message and caught.value.field == "password"
    assert users(session) == 0 and outbox(session) == []


def test_confirming_with_the_password_proves_the_address_once(session, clock):
    user = services.sign_up(session, "new@example.org", NEW_PASSWORD, display_name="Ann")
    session.commit()
    token = confirm_token(session, "new@example.org")
    with pytest.raises(Invalid) as caught:
        services.confirm_email(session, token, "wrong password here")
    assert caught.value.field == "password" and user.email_confirmed_at is None
    clock.advance(minutes=5)
    assert services.confirm_email(session, token, NEW_PASSWORD) == user
    assert user.email_confirmed_at == clock.now() and user.display_name == "Ann"
    with pytest.raises(Invalid, match="already confirmed"):
        services.confirm_email(session, token, NEW_PASSWORD)


def test_confirming_without_the_password_takes_the_account_over(session):
    user = services.sign_up(session, "squatted@example.org", NEW_PASSWORD, display_name="Squatter")
    session.commit()
    version, key = user.session_version, user.token_key
    services.confirm_email(session, confirm_token(session, "squatted@example.org"))
    assert user.password_hash is None and user.display_name == ""
    assert user.session_version == version + 1 and user.token_key != key and user.email_confirmed_at is not None


def test_a_confirmation_link_expires_and_dies_when_the_address_changes(app, session, clock):
    user = services.sign_up(session, "new@example.org", NEW_PASSWORD)
    session.commit()
    token = confirm_token(session, "new@example.org")
    user.email = "changed@example.org"
    with pytest.raises(Invalid, match="no longer valid"):
        services.user_for_confirmation(session, token)
    user.email = "new@example.org"
    assert services.user_for_confirmation(session, token) == user
    clock.advance(seconds=app.config["TOKEN_MAX_AGE_CONFIRM"] + 1)
    with pytest.raises(Invalid, match="expired"):
        services.user_for_confirmation(session, token)


# ---------------------------------------------------------------- login

def test_login_needs_the_right_password_of_an_enabled_proven_account(session, make_user, clock):
    user = make_user(email="login@example.org")
    assert services.authenticate(session, "LOGIN@example.org", PASSWORD) == user
    assert user.last_login_at == clock.now()
    assert services.authenticate(session, "login@example.org", "not the password") is None
    assert services.authenticate(session, "nobody@example.org", PASSWORD) is None
    assert services.authenticate(session, "", "") is None
    user.disabled_at = clock.now()
    assert services.authenticate(session, "login@example.org", PASSWORD) is None


def test_login_to_an_unproven_address_says_so_only_with_the_right_password(session, make_user):
    user = make_user(email="unproven@example.org", confirmed=False)
    assert services.authenticate(session, "unproven@example.org", "not the password") is None
    with pytest.raises(AddressNotConfirmed) as caught:
        services.authenticate(session, "unproven@example.org", PASSWORD)
    assert caught.value.user == user and user.last_login_at is None


# ---------------------------------------------------------------- reset and change

def test_a_reset_is_mailed_only_to_an_enabled_account(session, make_user, clock):
    make_user(email="known@example.org")
    make_user(email="disabled@example.org").disabled_at = clock.now()
    for address in ("known@example.org", "unknown@example.org", "disabled@example.org", "not an address"):
        services.request_password_reset(session, address)
    assert [(m.kind, m.to_addr) for m in outbox(session)] == [("account.reset", "known@example.org")]


def test_a_reset_link_works_once_and_ends_every_session(session, make_user):
    user = make_user(email="reset@example.org")
    services.request_password_reset(session, "reset@example.org")
    session.commit()
    token = token_in(outbox(session)[0], "/account/password/reset/")
    version = user.session_version
    with pytest.raises(Invalid):
        services.reset_password(session, token, "short")
    session.rollback()
    services.reset_password(session, token, NEW_PASSWORD)
    assert verify_password(user.password_hash, NEW_PASSWORD) and user.session_version == version + 1
    session.commit()
    with pytest.raises(Invalid, match="already been used"):
        services.reset_password(session, token, "another good passphrase")


def test_a_reset_of_an_unproven_account_proves_it_and_drops_the_squatters_name(session, make_user, clock):
    user = make_user(email="squat@example.org", confirmed=False, display_name="Squatter")
    services.request_password_reset(session, "squat@example.org")
    services.reset_password(session, token_in(outbox(session)[0], "/account/password/reset/"), NEW_PASSWORD)
    assert user.email_confirmed_at == clock.now() and user.display_name == ""


def test_a_reset_link_expires_with_the_setting(app, session, make_user, clock):
    make_user(email="slow@example.org")
    services.request_password_reset(session, "slow@example.org")
    token = token_in(outbox(session)[0], "/account/password/reset/")
    clock.advance(seconds=app.config["TOKEN_MAX_AGE_RESET"])
    assert services.user_for_reset(session, token).email == "slow@example.org"
    clock.advance(seconds=1)
    with pytest.raises(Invalid, match="expired"):
        services.user_for_reset(session, token)


def test_changing_the_password_needs_the_current_one_unless_there_is_none(session, make_user, author):
    user = make_user(email="change@example.org")
    version = user.session_version
    for current in ("wrong password!", None):
        with pytest.raises(Invalid) as caught:
            services.change_password(user, current, NEW_PASSWORD)
        assert caught.value.field == "current_password"
    with pytest.raises(Invalid) as caught:
        services.change_password(user, PASSWORD, "change@example.org")
    assert caught.value.field == "password" and user.session_version == version
    services.change_password(user, PASSWORD, NEW_PASSWORD)
    assert verify_password(user.password_hash, NEW_PASSWORD) and user.session_version == version + 1
    services.change_password(author, None, NEW_PASSWORD)  # an author who never had one just chooses one
    assert verify_password(author.password_hash, NEW_PASSWORD)


# ---------------------------------------------------------------- site users

def test_a_site_user_is_created_proven_with_one_role(session):
    user = services.create_site_user(session, "Mod@Example.org", "moderator", NEW_PASSWORD)
    assert (user.email, user.is_moderator, user.is_admin) == ("mod@example.org", True, False)
    assert user.email_confirmed_at is not None
    with pytest.raises(Conflict):
        services.create_site_user(session, "MOD@example.org", "admin", NEW_PASSWORD)
    with pytest.raises(Invalid, match="role must be one of moderator, admin"):
        services.create_site_user(session, "boss@example.org", "superuser", NEW_PASSWORD)
    with pytest.raises(Invalid):
        services.create_site_user(session, "boss@example.org", "admin", "password123")
    assert users(session) == 1


# ---------------------------------------------------------------- signed tokens

def test_a_token_is_read_only_for_its_own_purpose_and_unchanged(app):
    token = make_token("reset", {"u": 1})
    assert read_token("reset", token, 60) == {"u": 1}
    for purpose, bad in (("confirm", token), ("reset", token + "x"), ("reset", "nonsense")):
        with pytest.raises(Invalid, match="not valid"):
            read_token(purpose, bad, 60)
    with pytest.raises(Invalid, match="not valid"):
        read_token("reset", make_token("reset", ["not", "a", "dict"]), 60)


def test_a_token_about_a_person_dies_with_the_account_its_key_and_its_sessions(session, make_user, clock):
    user = make_user(email="claims@example.org")
    claims = user_claims(user)
    assert user_from_claims(session, claims) == user
    for change in (lambda: setattr(user, "session_version", user.session_version + 1),
                   lambda: setattr(user, "token_key", "a-new-key"),
                   lambda: setattr(user, "disabled_at", clock.now())):
        change()
        with pytest.raises(Invalid, match="no longer valid"):
            user_from_claims(session, claims)
        claims = user_claims(user)
    session.delete(user)
    session.flush()
    with pytest.raises(Invalid):
        user_from_claims(session, {"u": claims["u"], "k": claims["k"], "v": claims["v"]})
    with pytest.raises(Invalid):
        user_from_claims(session, {"u": "1", "k": "", "v": 1})


def test_a_token_carries_a_keyed_digest_of_an_address_never_the_address(app):
    digest = address_digest("someone@example.org")
    assert "someone" not in digest and len(digest) == 32
    assert same_address("someone@example.org", digest)
    assert not same_address("someone@example.org", address_digest("someone-else@example.org"))
    assert not same_address("someone@example.org", None)
    app.config["SECRET_KEY"] = "another key"
    assert not same_address("someone@example.org", digest)


# ---------------------------------------------------------------- emailed sign-in links

def test_only_an_author_without_password_role_or_staff_signs_in_by_link(session, make_user, author, tree, clock):
    assert links.may_sign_in_by_link(author)
    assert "/account/link/" in links.author_link(author, "stories.mine")
    with_password = make_user(email="password@example.org")
    assert not links.may_sign_in_by_link(with_password)
    assert links.author_link(with_password, "stories.mine") == "http://localhost/my/stories"
    for user in (make_user(email="mod@example.org", moderator=True), make_user(email="staff@example.org",
                                                                               provider=tree["ward"])):
        user.password_hash = None
        assert not links.may_sign_in_by_link(user)
    author.disabled_at = clock.now()
    assert not links.may_sign_in_by_link(author)


def test_a_requested_link_signs_in_once_and_spends_the_links_sent_before_it(session, author, clock):
    links.request_link(session, "author@example.org")
    clock.advance(minutes=1)
    links.request_link(session, "author@example.org")
    first, second = (token_in(m, "/account/link/") for m in outbox(session, kind="account.sign_in_link"))
    clock.advance(minutes=1)
    link = links.read_link(session, second)
    assert (link.user, link.next_path, link.requested) == (author, "/my/stories", True)
    assert links.sign_in_with_link(session, link) == author
    assert author.link_used_at == clock.now() and author.last_login_at == clock.now()
    for spent in (first, second):
        with pytest.raises(Invalid, match="already been used"):
            links.read_link(session, spent)
    clock.advance(minutes=1)
    links.request_link(session, "author@example.org")
    assert links.read_link(session, link_token(session, "author@example.org")).user == author


def test_a_link_in_a_notice_may_be_pressed_again_until_it_expires(app, session, author, clock):
    token = links.author_link(author, "stories.mine").rsplit("/account/link/", 1)[1]
    for _ in range(2):
        links.sign_in_with_link(session, links.read_link(session, token))
    assert author.link_used_at is None
    clock.advance(days=app.config["SIGN_IN_LINK_DAYS"], seconds=1)
    with pytest.raises(Invalid, match="expired"):
        links.read_link(session, token)


def test_a_link_never_opens_a_page_off_the_site(app, session, author):
    token = make_token(links.PURPOSE, {**user_claims(author), "n": "https://evil.example/phish"})
    with app.test_request_context("/"):
        assert links.read_link(session, token).next_path == "/my/stories"
    token = make_token(links.PURPOSE, {**user_claims(author), "n": f"/stories/{author.id}/edit"})
    assert links.read_link(session, token).next_path == f"/stories/{author.id}/edit"


def test_asking_for_a_link_answers_by_what_the_account_is(session, make_user, author, clock):
    make_user(email="password@example.org")
    make_user(email="disabled@example.org", display_name="").disabled_at = clock.now()
    for address in ("author@example.org", "password@example.org", "disabled@example.org", "nobody@example.org"):
        links.request_link(session, address)
    assert [(m.kind, m.to_addr) for m in outbox(session)] == [
        ("account.sign_in_link", "author@example.org"), ("account.sign_in_password", "password@example.org")]


def test_a_requested_link_to_an_unproven_address_proves_it_and_takes_the_account_over(session, make_user):
    squatter = make_user(email="squat@example.org", confirmed=False, display_name="Squatter")
    links.request_link(session, "squat@example.org")
    link = links.read_link(session, link_token(session, "squat@example.org"))
    assert links.sign_in_with_link(session, link) == squatter
    assert squatter.email_confirmed_at is not None and squatter.password_hash is None
    assert squatter.display_name == ""


def test_a_notice_link_for_a_password_account_does_not_sign_in(session, make_user):
    user = make_user(email="password@example.org")
    token = make_token(links.PURPOSE, {**user_claims(user), "n": "/my/stories"})
    with pytest.raises(NotAllowed):
        links.sign_in_with_link(session, links.read_link(session, token))
    assert user.last_login_at is None


def test_an_address_is_shown_masked():
    assert links.masked("someone@example.org") == "s•••@example.org"
    assert links.masked("émile@exämple.org") == "é•••@exämple.org"
