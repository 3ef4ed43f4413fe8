"""Accounts are proven before they are worth anything: attacks by pre-registering someone's address."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.stories.models import AWAITING_CONFIRMATION, PENDING, Story
from tests.accounts.conftest import main_text, press, signed_in
from tests.conftest import PASSWORD, link_in

SQUATTER_PASSWORD = "squatter chose this one"
BODY = ("The nurses on the ward were kind and explained everything about my operation. "
        "The food was cold most days and I waited a long time for pain relief at night.")


def tell(client, email: str, key: str, title: str = "Kind nurses, cold food"):
    return client.post("/tell", data={
        "provider_code": "G1", "title": title, "body": BODY, "month": "3", "year": "2025",
        "author_role": "patient", "public_name": "Sam", "email": email, "consent": "y", "submission_key": key,
        "action": "tell"})


def user(session, email: str) -> User:
    session.expire_all()
    return session.scalar(select(User).where(User.email == email))


def test_a_pre_registered_address_never_sees_the_owners_story(app, session, tree, smtp_server, deliver):
    """Someone signs up first with the victim's address; the victim tells a story and confirms it."""
    squatter = app.test_client()
    squatter.post("/account/signup", data={"email": "victim@example.org", "password": SQUATTER_PASSWORD,
                                           "confirm": SQUATTER_PASSWORD})
    victim = app.test_client()
    assert tell(victim, "victim@example.org", "victim-key").status_code == 302
    story = session.scalar(select(Story))
    assert story.status == AWAITING_CONFIRMATION

    # Before the victim confirms, the squatter's password opens nothing.
    response = squatter.post("/account/login", data={"email": "victim@example.org", "password": SQUATTER_PASSWORD})
    assert "Confirm your email address first" in main_text(response)
    assert "Kind nurses" not in main_text(response)
    assert not signed_in(squatter)

    deliver()
    link = link_in(smtp_server.last_to("victim@example.org"), "/stories/confirm/")
    assert press(victim, link).status_code == 302  # no password typed: the address is taken over
    session.expire_all()
    assert session.get(Story, story.id).status == PENDING
    account = user(session, "victim@example.org")
    assert account.email_confirmed_at is not None and account.password_hash is None
    assert "Kind nurses" in victim.get("/my/stories").get_data(as_text=True)

    # The squatter's password is gone: they never get in, and never see the story.
    fresh = app.test_client()
    response = fresh.post("/account/login", data={"email": "victim@example.org", "password": SQUATTER_PASSWORD})
    assert response.status_code == 200 and "The email address or password is not right." in main_text(response)
    assert not signed_in(fresh) and not signed_in(squatter)


def test_the_owner_following_a_squatters_sign_up_link_takes_the_address_over(app, session, smtp_server, deliver):
    squatter = app.test_client()
    squatter.post("/account/signup", data={"email": "owner@example.org", "password": SQUATTER_PASSWORD,
                                           "confirm": SQUATTER_PASSWORD, "display_name": "Squatter"})
    deliver()
    link = link_in(smtp_server.last_to("owner@example.org"), "/account/confirm/")
    owner = app.test_client()
    assert owner.get(link).status_code == 200
    assert user(session, "owner@example.org").email_confirmed_at is None  # a GET confirms nothing
    assert owner.post(link, data={"password": ""}).status_code == 302
    account = user(session, "owner@example.org")
    assert account.email_confirmed_at is not None
    assert account.password_hash is None and account.display_name == ""
    assert signed_in(owner)
    assert squatter.post("/account/login", data={"email": "owner@example.org",
                                                 "password": SQUATTER_PASSWORD}).status_code == 200
    assert not signed_in(squatter)
    # The link worked once.
    assert owner.get(link).status_code == 400


def test_a_wrong_password_on_the_confirmation_page_changes_nothing(app, session, smtp_server, deliver):
    client = app.test_client()
    client.post("/account/signup", data={"email": "mine@example.org", "password": SQUATTER_PASSWORD,
                                         "confirm": SQUATTER_PASSWORD})
    deliver()
    link = link_in(smtp_server.last_to("mine@example.org"), "/account/confirm/")
    response = client.post(link, data={"password": "not the password at all"})
    assert response.status_code == 200 and "not the password chosen" in main_text(response)
    assert user(session, "mine@example.org").email_confirmed_at is None
    assert client.post(link, data={"password": SQUATTER_PASSWORD}).status_code == 302
    account = user(session, "mine@example.org")
    assert account.email_confirmed_at is not None and account.password_hash is not None
    assert signed_in(client)


def test_an_unconfirmed_account_opens_nothing_even_with_a_session(app, session, make_user):
    squatter = make_user(email="squat@example.org", confirmed=False)
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = squatter.get_id()
        flask_session["_fresh"] = True
    assert client.get("/my/stories").status_code == 302
    assert not signed_in(client)


def test_signing_in_with_an_unconfirmed_address_offers_the_confirmation_and_nothing_else(
        app, session, make_user, smtp_server, deliver):
    make_user(email="slow@example.org", confirmed=False)
    client = app.test_client()
    response = client.post("/account/login", data={"email": "slow@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "Confirm your email address first" in main_text(response)
    assert not signed_in(client)
    response = client.post("/account/confirm", data={})
    assert response.status_code == 200 and "sent the confirmation link again" in main_text(response)
    deliver()
    link = link_in(smtp_server.last_to("slow@example.org"), "/account/confirm/")
    assert client.post(link, data={"password": PASSWORD}).status_code == 302
    assert signed_in(client)


def test_confirming_a_story_never_signs_in_an_account_that_has_a_password(app, session, tree, make_user,
                                                                         smtp_server, deliver):
    make_user(email="haspassword@example.org")
    client = app.test_client()
    tell(client, "haspassword@example.org", "pw-key")
    deliver()
    link = link_in(smtp_server.last_to("haspassword@example.org"), "/stories/confirm/")
    assert press(client, link).status_code == 302
    session.expire_all()
    assert session.scalar(select(Story)).status == PENDING
    assert not signed_in(client)  # the emailed link never stands in for a password that exists


def test_a_story_confirmation_link_is_not_a_sign_in_once_used(app, session, tree, smtp_server, deliver):
    client = app.test_client()
    tell(client, "teller@example.org", "teller-key")
    deliver()
    link = link_in(smtp_server.last_to("teller@example.org"), "/stories/confirm/")
    assert press(client, link).status_code == 302
    later = app.test_client()
    assert later.post(link, data={}).status_code == 200  # the page says it is confirmed already
    assert not signed_in(later)
