"""Passwordless authors and the links emailed to them: one press signs in, to their own stories only."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import utcnow
from app.stories.models import PUBLISHED, RETURNED
from tests.accounts.conftest import main_text, press, sign_in_link, signed_in
from tests.conftest import PASSWORD, link_in, login


def ask_for_link(client, email: str):
    return client.post("/account/login/link", data={"link_email": email})


def test_the_login_page_offers_a_sign_in_link_beside_the_password_form(client):
    page = client.get("/account/login").get_data(as_text=True)
    assert 'action="/account/login/link"' in page and "Email me a sign-in link" in page
    assert 'name="password"' in page


def test_an_author_without_a_password_comes_back_from_a_fresh_browser(app, make_author, make_story, tree,
                                                                      smtp_server, deliver):
    author = make_author("nopassword@example.org")
    make_story(tree["ward"], author=author, title="My own story")
    assert ask_for_link(app.test_client(), "nopassword@example.org").status_code == 200
    deliver()
    link = sign_in_link(smtp_server.last_to("nopassword@example.org"))
    fresh = app.test_client()
    response = fresh.get(link)
    assert response.status_code == 200 and "Sign in to my stories" in main_text(response)
    assert not signed_in(fresh)  # a GET signs nobody in
    response = fresh.post(link, data={})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/stories")
    assert "My own story" in fresh.get("/my/stories").get_data(as_text=True)
    # A requested link works once.
    again = app.test_client()
    assert again.post(link, data={}).status_code == 400
    assert not signed_in(again)


def test_the_button_needs_its_csrf_token(app, make_author, smtp_server, deliver):
    make_author("csrf@example.org")
    ask_for_link(app.test_client(), "csrf@example.org")
    deliver()
    link = sign_in_link(smtp_server.last_to("csrf@example.org"))
    client = app.test_client()
    assert client.post(link, data={}, csrf=False).status_code == 400
    assert not signed_in(client)


def test_a_link_sent_by_someone_else_cannot_sign_a_visitor_into_their_account(app, session, tree, smtp_server,
                                                                              deliver):
    """The attacker tells a story under their own address and sends the victim the confirmation link."""
    attacker = app.test_client()
    attacker.post("/tell", data={
        "provider_code": "G1", "title": "A story to lure", "author_role": "patient", "month": "3", "year": "2025",
        "body": "The nurses on the ward were kind and explained everything about my operation to me.",
        "email": "attacker@example.org", "consent": "y", "submission_key": "lure", "action": "tell"})
    deliver()
    link = link_in(smtp_server.last_to("attacker@example.org"), "/stories/confirm/")
    victim = app.test_client()
    victim.get(link)  # e.g. an <img src> on a page, or a link clicked in a message
    assert not signed_in(victim)
    ask_for_link(attacker, "attacker@example.org")
    deliver()
    victim.get(sign_in_link(smtp_server.last_to("attacker@example.org")))
    assert not signed_in(victim)


def test_a_link_never_signs_in_an_account_with_a_password_or_a_role(app, session, tree, make_user, make_author,
                                                                    smtp_server, deliver):
    from app.accounts.links import PURPOSE
    from app.accounts.tokens import make_token, user_claims

    make_user(email="withpassword@example.org")
    moderator = make_author("mod-nopassword@example.org")
    moderator.is_moderator = True
    staff = make_author("staff-nopassword@example.org")
    from app.accounts.models import Membership

    session.add(Membership(user_id=staff.id, provider_id=tree["ward"].id, role="manager"))
    session.commit()
    for address in ("withpassword@example.org", "mod-nopassword@example.org", "staff-nopassword@example.org"):
        ask_for_link(app.test_client(), address)
    deliver()
    for address in ("withpassword@example.org", "mod-nopassword@example.org", "staff-nopassword@example.org"):
        message = smtp_server.last_to(address)
        assert "/account/link/" not in message.get_body(preferencelist=("plain",)).get_content()
        assert "signs in with its password" in message.get_body(preferencelist=("plain",)).get_content()
    # Even a link made for them (say, before they were made staff) does not open them.
    for account in (moderator, staff, session.scalar(select(User).where(User.email == "withpassword@example.org"))):
        with app.test_request_context():
            token = make_token(PURPOSE, {**user_claims(account), "n": "/my/stories"})
        client = app.test_client()
        response = client.post(f"/account/link/{token}", data={})
        assert "signs in with its password" in main_text(response)
        assert not signed_in(client)


def test_every_link_emailed_to_an_author_signs_them_in_from_a_fresh_browser(
        app, session, tree, make_user, make_author, make_story, smtp_server, deliver):
    from app.moderation import services as moderation
    from app.replies import changes
    from app.replies import services as replies

    author = make_author("every@example.org")
    moderator = make_user(email="mod@example.org", moderator=True)
    staff = make_user(email="staff@example.org", provider=tree["ward"])
    returned = make_story(tree["ward"], author=author, title="Sent back to me")
    rejected = make_story(tree["ward"], author=author, title="Not for publishing")
    published = make_story(tree["ward"], author=author, title="Published and replied to")
    moderation.send_back(session, moderator, returned, returned.version, "Please remove the room number.")
    moderation.reject(session, moderator, rejected, rejected.version, "spam", "")
    moderation.publish(session, moderator, published, published.version, moderation.Publication(
        criticality=1, tags=[], title=published.title, body=published.body))
    session.commit()
    replies.add_reply(session, staff, published, "Thank you for telling us.")
    session.commit()
    changes.add_change(session, staff, published, "planned", "We are rewriting the appointment letters.",
                       due_on=utcnow().date() + timedelta(days=30), owner="Outpatients team")
    session.commit()
    deliver()
    mails = smtp_server.to("every@example.org")
    assert len(mails) == 5
    expected = {"Please change your story": f"/my/stories/{returned.id}/edit",
                "We could not publish": "/my/stories", "Your story is published": "/my/stories",
                "replied to your story": f"/stories/{published.id}", "change planned": f"/stories/{published.id}"}
    for mail in mails:
        path = next(v for k, v in expected.items() if k in str(mail["Subject"]))
        fresh = app.test_client()
        response = press(fresh, sign_in_link(mail))
        assert response.status_code == 302, (mail["Subject"], main_text(response))
        assert response.headers["Location"].endswith(path), mail["Subject"]
        assert fresh.get(path).status_code == 200
    # The answer-back link works too, without signing in (it answers on this story only).
    update = next(m for m in mails if "replied to your story" in str(m["Subject"]))
    fresh = app.test_client()
    assert fresh.get(link_in(update, "/answer/")).status_code == 200
    assert fresh.post(link_in(update, "/answer/"), data={"body": "Thank you."}).status_code == 302


@pytest.mark.parametrize("app_overrides", [{"SIGN_IN_LINK_DAYS": 2}])
def test_a_sign_in_link_lives_sign_in_link_days(app, make_author, smtp_server, deliver, clock):
    make_author("old@example.org")
    ask_for_link(app.test_client(), "old@example.org")
    clock.advance(days=2)
    ask_for_link(app.test_client(), "old@example.org")
    clock.advance(days=1)  # the first link is three days old, the second one day
    deliver()
    old, recent = (sign_in_link(m) for m in smtp_server.to("old@example.org"))
    client = app.test_client()
    response = client.get(old)
    assert response.status_code == 400 and "expired" in main_text(response)
    assert press(client, recent).status_code == 302


def test_using_a_requested_link_spends_the_ones_sent_before_it(app, make_author, smtp_server, deliver):
    make_author("twice@example.org")
    ask_for_link(app.test_client(), "twice@example.org")
    ask_for_link(app.test_client(), "twice@example.org")
    deliver()
    first, second = (sign_in_link(m) for m in smtp_server.to("twice@example.org"))
    assert press(app.test_client(), second).status_code == 302
    assert app.test_client().get(first).status_code == 400


def test_a_passwordless_author_may_choose_a_password_and_then_links_stop_signing_in(
        app, session, make_author, make_story, tree, smtp_server, deliver):
    from app.moderation import services as moderation

    author = make_author("chooser@example.org")
    make_story(tree["ward"], author=author, status=PUBLISHED)
    ask_for_link(app.test_client(), "chooser@example.org")
    deliver()
    client = app.test_client()
    press(client, sign_in_link(smtp_server.last_to("chooser@example.org")))
    response = client.post("/account/password", data={"password": "a brand new passphrase",
                                                      "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert login(app.test_client(), "chooser@example.org", "a brand new passphrase")
    story = make_story(tree["ward"], author=author, title="Told later")
    moderation.send_back(session, author, story, story.version, "Please change it.")
    session.commit()
    assert story.status == RETURNED
    deliver()
    # Now a password exists, the emailed link is the page itself: it asks for the password.
    assert "/account/link/" not in str(smtp_server.last_to("chooser@example.org").get_body(("plain",)))


def test_password_forms_are_rate_limited(app, make_user):
    make_user(email="limited@example.org")
    client = app.test_client()
    login(client, "limited@example.org", PASSWORD)
    codes = [client.post("/account/password", data={"current_password": "wrong guess number",
                                                   "password": "x" * 12, "confirm": "x" * 12}).status_code
             for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429
