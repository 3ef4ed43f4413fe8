"""Every emailed link dies with what it stands for, and never acts on a row that later reuses its id."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import Invitation, Membership, User
from app.stories.models import PUBLISHED
from tests.accounts.conftest import main_text, sign_in_link, signed_in
from tests.conftest import PASSWORD, link_in, login


def ask_for_link(app, email: str):
    return app.test_client().post("/account/login/link", data={"link_email": email})


@pytest.fixture
def author_links(app, session, tree, make_author, make_story, make_user, smtp_server, deliver):
    """A passwordless author with a published story that has a reply: a sign-in link, an answer-back link
    and a story-page link, as emailed."""
    from app.replies import services as replies

    author = make_author("links@example.org")
    story = make_story(tree["ward"], author=author, status=PUBLISHED, title="Linked story")
    staff = make_user(email="staff@example.org", provider=tree["ward"])
    replies.add_reply(session, staff, story, "Thank you for telling us.")
    session.commit()
    ask_for_link(app, "links@example.org")
    deliver()
    update = next(m for m in smtp_server.to("links@example.org") if "replied" in str(m["Subject"]))
    requested = next(m for m in smtp_server.to("links@example.org") if "sign in" in str(m["Subject"]))
    return {"author": author, "story": story, "sign_in": sign_in_link(requested), "notice": sign_in_link(update),
            "answer": link_in(update, "/answer/")}


def refused(app, links: dict) -> None:
    for name in ("sign_in", "notice", "answer"):
        client = app.test_client()
        response = client.get(links[name])
        assert response.status_code == 400, name
        response = client.post(links[name], data={"body": "An answer that must not be kept."})
        assert response.status_code == 400, name
        assert not signed_in(client), name


def test_links_work_before_anything_happens(app, author_links):
    for name in ("sign_in", "notice", "answer"):
        assert app.test_client().get(author_links[name]).status_code == 200, name


def test_links_die_when_the_account_is_deleted(app, session, author_links, smtp_server, deliver):
    client = app.test_client()
    client.post(author_links["notice"], data={})
    assert client.post("/account/delete", data={"stories": "keep"}).status_code == 302
    refused(app, author_links)


def test_links_die_when_the_account_is_disabled(app, session, author_links):
    author = session.get(User, author_links["author"].id)
    author.disabled_at = author.created_at
    session.commit()
    refused(app, author_links)


def test_links_die_when_the_sessions_are_ended(app, session, author_links):
    author = session.get(User, author_links["author"].id)
    author.session_version += 1  # a password chosen or reset, an address taken over, every session ended
    session.commit()
    refused(app, author_links)


def test_answer_and_confirmation_links_die_when_the_story_is_withdrawn(app, session, tree, author_links,
                                                                       smtp_server, deliver):
    from app.stories import services as stories

    author = session.get(User, author_links["author"].id)
    stories.withdraw(session, author, author_links["story"])
    session.commit()
    response = app.test_client().post(author_links["answer"], data={"body": "Still here?"})
    assert response.status_code == 400 and "no longer published" in main_text(response)

    client = app.test_client()
    client.post("/tell", data={
        "provider_code": "G1", "title": "Told then withdrawn", "author_role": "patient", "month": "3",
        "year": "2025", "body": "The nurses on the ward were kind and explained everything about my operation.",
        "email": "withdrawer@example.org", "consent": "y", "submission_key": "w-key", "action": "tell"})
    deliver()
    link = link_in(smtp_server.last_to("withdrawer@example.org"), "/stories/confirm/")
    from app.stories.models import Story

    told = session.scalar(select(Story).where(Story.title == "Told then withdrawn"))
    stories.withdraw(session, told.author, told)
    session.commit()
    response = client.post(link, data={})
    assert response.status_code == 400 and "withdrawn" in main_text(response)
    session.expire_all()
    assert session.get(Story, told.id).status == "withdrawn"


def test_a_reset_link_dies_with_the_account(app, session, make_user, smtp_server, deliver):
    user = make_user(email="reset@example.org")
    app.test_client().post("/account/password/forgot", data={"email": "reset@example.org"})
    deliver()
    link = link_in(smtp_server.last_to("reset@example.org"), "/account/password/reset/")
    user.disabled_at = user.created_at
    session.commit()
    assert app.test_client().get(link).status_code == 400


# ---------------------------------------------------------------- memberships and invitations

def _unsubscribe_link(app, session, make_story, tree, smtp_server, deliver, email: str) -> str:
    from app.moderation import services as moderation

    moderator = session.scalar(select(User).where(User.is_moderator.is_(True)))
    story = make_story(tree["ward"])
    moderation.publish(session, moderator, story, story.version, moderation.Publication(
        criticality=1, tags=[], title=story.title, body=story.body))
    session.commit()
    deliver()
    return link_in(smtp_server.last_to(email), "/alerts/unsubscribe/")


def test_an_unsubscribe_link_dies_with_the_membership_and_never_acts_on_a_reused_id(
        app, session, tree, make_user, make_story, smtp_server, deliver):
    make_user(email="mod@example.org", moderator=True)
    leaver = make_user(email="leaver@example.org", provider=tree["ward"])
    link = _unsubscribe_link(app, session, make_story, tree, smtp_server, deliver, "leaver@example.org")
    old = session.scalar(select(Membership).where(Membership.user_id == leaver.id))
    old_id = old.id
    session.delete(old)
    session.commit()
    newcomer = make_user(email="newcomer@example.org", provider=tree["ward"])
    new = session.scalar(select(Membership).where(Membership.user_id == newcomer.id))
    if session.get_bind().dialect.name == "sqlite":
        assert new.id == old_id, "SQLite gives the next membership the removed one's id"
    response = app.test_client().post(link, data={}, csrf=False)
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Membership, new.id).alert_frequency == "immediate"


def test_an_unsubscribe_link_still_works_while_the_membership_lasts(app, session, tree, make_user, make_story,
                                                                     smtp_server, deliver):
    make_user(email="mod@example.org", moderator=True)
    member = make_user(email="member@example.org", provider=tree["ward"])
    link = _unsubscribe_link(app, session, make_story, tree, smtp_server, deliver, "member@example.org")
    assert app.test_client().post(link, data={}, csrf=False).status_code == 200
    session.expire_all()
    assert session.scalar(select(Membership).where(Membership.user_id == member.id)).alert_frequency == "none"


def test_a_sign_in_link_never_opens_another_account_that_reuses_the_id(app, session, make_author, smtp_server,
                                                                        deliver):
    first = make_author("first@example.org")
    ask_for_link(app, "first@example.org")
    deliver()
    link = sign_in_link(smtp_server.last_to("first@example.org"))
    first_id = first.id
    session.delete(first)
    session.commit()
    second = make_author("second@example.org")
    if session.get_bind().dialect.name == "sqlite":
        assert second.id == first_id
    second.session_version = 1
    session.commit()
    client = app.test_client()
    assert client.post(link, data={}).status_code == 400
    assert not signed_in(client)


def test_an_invitation_never_opens_a_later_one_that_reuses_the_id(app, session, tree, make_user, smtp_server,
                                                                  deliver):
    from app.accounts import staff

    staff.invite(session, tree["ward"], "first-invitee@example.org")
    session.commit()
    deliver()
    link = link_in(smtp_server.last_to("first-invitee@example.org"), "/invitations/")
    old = session.scalar(select(Invitation))
    old_id = old.id
    session.delete(old)
    session.commit()
    staff.invite(session, tree["ward"], "first-invitee@example.org", role="manager")
    session.commit()
    new = session.scalar(select(Invitation))
    if session.get_bind().dialect.name == "sqlite":
        assert new.id == old_id
    assert app.test_client().get(link).status_code == 400


def test_an_invitation_dies_with_the_inviting_managers_membership(app, session, tree, make_user, smtp_server,
                                                                  deliver):
    manager = make_user(email="manager@example.org", provider=tree["ward"], role="manager")
    client = app.test_client()
    login(client, "manager@example.org", PASSWORD)
    client.post("/providers/W1/staff", data={"email": "invitee@example.org", "job_title": "Nurse",
                                             "role": "responder"})
    deliver()
    link = link_in(smtp_server.last_to("invitee@example.org"), "/invitations/")
    assert app.test_client().get(link).status_code == 200
    session.delete(session.scalar(select(Membership).where(Membership.user_id == manager.id)))
    session.commit()
    response = app.test_client().get(link)
    assert response.status_code == 400 and "no longer manages" in main_text(response)


def test_an_accepted_invitation_cannot_bring_back_a_removed_membership(app, session, tree, make_user,
                                                                       smtp_server, deliver):
    from app.accounts import staff

    staff.invite(session, tree["ward"], "removed@example.org")
    session.commit()
    deliver()
    link = link_in(smtp_server.last_to("removed@example.org"), "/invitations/")
    client = app.test_client()
    client.post(link, data={"display_name": "Rea Moved", "password": "a long enough passphrase",
                            "confirm": "a long enough passphrase"})
    user = session.scalar(select(User).where(User.email == "removed@example.org"))
    session.delete(session.scalar(select(Membership).where(Membership.user_id == user.id)))
    session.commit()
    assert client.post(link, data={}).status_code == 400
    assert session.scalar(select(Membership).where(Membership.user_id == user.id)) is None
