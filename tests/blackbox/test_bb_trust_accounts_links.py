"""Black-box attack tests for issue 16, emailed links: a GET signs nobody in, no address in a URL, sign-in
links, and links that die with what they stand for.

Written from the issue text and README only; every step goes through the site's pages and the mail it sends.
"""
from __future__ import annotations

import base64
import re

import pytest

from tests.blackbox.conftest import (
    VICTIM,
    confirm_link,
    main_text,
    moderate,
    press,
    published_sign_in_link,
    signed_in_as,
    tell,
)
from tests.conftest import PASSWORD, link_in, login, text_of

# ---------------------------------------------------------------- a GET never signs anyone in

def test_opening_a_confirmation_link_without_pressing_confirms_and_signs_in_nothing(app, tree, smtp_server, deliver):
    teller = app.test_client()
    assert tell(teller, VICTIM).status_code == 302
    deliver()
    link = confirm_link(smtp_server)
    visitor = app.test_client()  # a link forwarded to someone else, or prefetched by a mail scanner
    assert visitor.get(link).status_code == 200
    assert visitor.get(link).status_code == 200
    assert signed_in_as(visitor) is None
    assert visitor.get("/my/stories").status_code in (302, 401, 403)
    moderator_view = main_text(visitor.get(link))
    assert "Confirm my story" in moderator_view or "Confirm" in moderator_view


def test_a_link_sent_by_someone_else_does_not_switch_a_signed_in_visitor(app, session, tree, make_user, make_story,
                                                                          make_author, smtp_server, deliver):
    sender = make_author("sender@example.org")
    _, link = published_sign_in_link(app, session, make_story, make_user, tree, smtp_server, deliver, sender)
    make_user(email="reader@example.org")
    reader = app.test_client()
    login(reader, "reader@example.org")
    assert reader.get(link).status_code == 200
    assert signed_in_as(reader) == "reader@example.org"


def test_pressing_the_button_without_the_pages_csrf_token_signs_nobody_in(app, session, tree, make_user, make_story,
                                                                           make_author, smtp_server, deliver):
    """A hostile page auto-posting the emailed link's form (cross-site) must not log the visitor in."""
    sender = make_author("sender@example.org")
    _, link = published_sign_in_link(app, session, make_story, make_user, tree, smtp_server, deliver, sender)
    victim = app.test_client()
    response = victim.post(link, data={}, csrf=False)
    assert response.status_code in (400, 403)
    assert signed_in_as(victim) is None


def test_an_author_link_signs_in_to_own_stories_only(app, session, tree, make_user, make_story, make_author,
                                                       smtp_server, deliver):
    author = make_author("author@example.org")
    other = make_user(email="someone@example.org")
    theirs = make_story(tree["ward"], author=other, status="published", title="Someone else's pending words")
    mine, link = published_sign_in_link(app, session, make_story, make_user, tree, smtp_server, deliver, author)
    client = app.test_client()
    _, pressed = press(client, link)
    assert pressed.status_code == 302
    assert signed_in_as(client) == "author@example.org"
    listing = main_text(client.get("/my/stories"))
    assert "Letters were confusing" in listing and "Someone else's" not in listing
    assert client.get(f"/my/stories/{theirs.id}/withdraw").status_code in (403, 404)
    assert client.post(f"/my/stories/{theirs.id}/withdraw").status_code in (403, 404)
    assert client.get("/moderation/").status_code in (302, 403, 404)


def test_an_emailed_link_never_opens_a_staff_account(app, session, tree, make_user, make_story, smtp_server, deliver):
    """README: an emailed link never opens an account that has a password, a site role or a staff place."""
    staff = make_user(email="nurse@example.org", provider=tree["hospital"])
    staff.password_hash = None  # even a staff member without a password (invited, never chose one)
    session.commit()
    moderator = make_user(email="mod@example.org", moderator=True)
    story = make_story(tree["other"], author=staff, status="pending", title="My own GP visit")
    mod = app.test_client()
    login(mod, moderator.email)
    assert moderate(mod, story).status_code == 302
    deliver()
    message = smtp_server.last_to("nurse@example.org")
    client = app.test_client()
    for link in re.findall(r"https?://\S+", text_of(message)):
        path = re.sub(r"^https?://[^/]+", "", link)
        press(client, path)
    assert signed_in_as(client) is None
    assert client.get("/dashboard").status_code != 200


# ---------------------------------------------------------------- no address in a URL

def _decoded_segments(path: str) -> str:
    out = [path]
    for segment in re.split(r"[/.?=&]", path):
        padded = segment + "=" * (-len(segment) % 4)
        try:
            out.append(base64.urlsafe_b64decode(padded).decode("utf-8", "replace"))
        except Exception:  # noqa: BLE001 - not base64
            pass
    return "\n".join(out)


def test_no_emailed_link_carries_the_address(app, tree, smtp_server, deliver):
    """'No address ever appears in a URL': signed tokens are only base64, so an address inside is readable
    by every proxy log, browser history and Referer that sees the link."""
    client = app.test_client()
    assert tell(client, VICTIM).status_code == 302
    client.post("/account/signup", data={"email": "new@example.org", "password": PASSWORD, "confirm": PASSWORD})
    client.post("/account/login/link", data={"link_email": VICTIM})
    client.post("/account/password/forgot", data={"email": VICTIM})
    deliver()
    assert smtp_server.messages
    for message in smtp_server.messages:
        address = str(message["To"]).lower()
        for url in re.findall(r"https?://\S+", text_of(message)):
            assert address not in _decoded_segments(url).lower(), url


def test_thanks_page_url_reveals_no_address_and_no_other_story(app, session, tree, smtp_server, deliver):
    client = app.test_client()
    first = tell(client, VICTIM)
    assert VICTIM not in first.headers["Location"] and "victim" not in first.headers["Location"]
    other = app.test_client()
    # Another visitor guessing the thanks page of someone's story, without its key.
    path = first.headers["Location"].split("?")[0]
    response = other.get(path)
    assert "Kind nurses" not in response.get_data(as_text=True)
    assert VICTIM not in response.get_data(as_text=True)


# ---------------------------------------------------------------- sign-in links

def request_link(app, smtp_server, deliver, address: str) -> str:
    app.test_client().post("/account/login/link", data={"link_email": address})
    deliver()
    return link_in(smtp_server.last_to(address), "/account/link/")


def test_email_me_a_link_is_single_use(app, make_author, smtp_server, deliver):
    make_author("author@example.org")
    link = request_link(app, smtp_server, deliver, "author@example.org")
    first = app.test_client()
    press(first, link)
    assert signed_in_as(first) == "author@example.org"
    replay = app.test_client()
    press(replay, link)
    assert signed_in_as(replay) is None


def test_a_later_link_kills_an_earlier_unused_one(app, make_author, smtp_server, deliver):
    make_author("author@example.org")
    earlier = request_link(app, smtp_server, deliver, "author@example.org")
    later = request_link(app, smtp_server, deliver, "author@example.org")
    assert earlier != later
    client = app.test_client()
    press(client, later)
    assert signed_in_as(client) == "author@example.org"
    stale = app.test_client()
    press(stale, earlier)
    assert signed_in_as(stale) is None


@pytest.mark.settings(SIGN_IN_LINK_DAYS=2)
def test_a_sign_in_link_dies_after_the_setting(app, make_author, smtp_server, deliver, clock):
    make_author("author@example.org")
    link = request_link(app, smtp_server, deliver, "author@example.org")
    clock.advance(days=3)
    client = app.test_client()
    press(client, link)
    assert signed_in_as(client) is None


def test_a_link_for_a_password_account_does_not_sign_in(app, make_user, smtp_server, deliver):
    make_user(email="haspassword@example.org")
    app.test_client().post("/account/login/link", data={"link_email": "haspassword@example.org"})
    deliver()
    for message in smtp_server.to("haspassword@example.org"):
        for path in re.findall(r"https?://[^/\s]+(/account/link/\S+)", text_of(message)):
            client = app.test_client()
            press(client, path)
            assert signed_in_as(client) is None


# ---------------------------------------------------------------- links die with what they stand for

def test_sign_in_links_die_when_the_account_is_deleted(app, session, tree, make_user, make_story, make_author,
                                                       smtp_server, deliver):
    author = make_author("author@example.org")
    story, link = published_sign_in_link(app, session, make_story, make_user, tree, smtp_server, deliver, author)
    client = app.test_client()
    press(client, link)
    assert signed_in_as(client) == "author@example.org"
    response = client.post("/account/delete", data={"stories": "keep", "password": ""})
    assert response.status_code == 302, main_text(response)[:500]
    assert signed_in_as(client) is None
    replay = app.test_client()
    page, pressed = press(replay, link)
    assert signed_in_as(replay) is None
    assert page.status_code in (400, 403, 404, 410) or "no longer" in main_text(page).lower()


def test_sign_in_links_die_when_an_admin_disables_the_account(app, session, tree, make_user, make_story, make_author,
                                                              smtp_server, deliver):
    author = make_author("author@example.org")
    _, link = published_sign_in_link(app, session, make_story, make_user, tree, smtp_server, deliver, author)
    make_user(email="admin@example.org", admin=True)
    admin = app.test_client()
    login(admin, "admin@example.org")
    response = admin.post(f"/admin/people/{author.id}/disable", data={
        "disable-csrf_token": admin.csrf_token(), "disabled": "1", "disable-reason": "abuse"})
    assert response.status_code in (302, 303)
    client = app.test_client()
    press(client, link)
    assert signed_in_as(client) is None


def test_a_story_confirmation_dies_when_the_story_is_withdrawn(app, session, tree, make_author, smtp_server, deliver):
    """A visitor tells a story, confirms it, withdraws it, then the confirmation link is replayed."""
    teller = app.test_client()
    tell(teller, VICTIM)
    deliver()
    link = confirm_link(smtp_server)
    press(teller, link)
    listing = teller.get("/my/stories").get_data(as_text=True)
    withdraw = re.search(r'href="(/my/stories/\d+/withdraw)"', listing).group(1)
    assert teller.post(withdraw).status_code == 302
    teller.post("/account/logout")
    replay = app.test_client()
    page, pressed = press(replay, link)
    from sqlalchemy import select

    from app.stories.models import Story
    session.expire_all()
    assert session.scalar(select(Story)).status == "withdrawn"
    assert signed_in_as(replay) is None


def test_an_answer_back_link_dies_when_the_story_is_withdrawn(app, session, tree, make_user, make_story, smtp_server,
                                                              deliver):
    app.config["RESPONDER_MODERATED_REPLIES"] = 0
    author = make_user(email="author@example.org")
    make_user(email="staff@example.org", provider=tree["hospital"])
    story = make_story(tree["ward"], author=author, status="published", title="Cold food")
    staff = app.test_client()
    login(staff, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": "Thank you for telling us about the food."})
    deliver()
    answer = link_in(smtp_server.last_to("author@example.org"), "/answer/")
    client = app.test_client()
    assert client.get(answer).status_code == 200
    me = app.test_client()
    login(me, "author@example.org")
    assert me.post(f"/my/stories/{story.id}/withdraw").status_code == 302
    response = client.get(answer)
    assert response.status_code in (400, 403, 404, 410)
    posted = client.post(answer, data={"body": "Thanks, but this is a replayed answer."})
    assert posted.status_code in (400, 403, 404, 410)
    from sqlalchemy import func, select

    from app.replies.models import Reply
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Reply)) == 1


def test_an_unsubscribe_link_never_acts_on_a_membership_that_reuses_the_id(app, session, tree, make_user, make_story,
                                                                           smtp_server, deliver):
    from sqlalchemy import select

    from app.accounts.models import Membership
    leaver = make_user(email="leaver@example.org", provider=tree["ward"])
    moderator = make_user(email="mod@example.org", moderator=True)
    mod = app.test_client()
    login(mod, moderator.email)
    first = make_story(tree["ward"], status="pending", title="First story")
    moderate(mod, first)
    deliver()
    unsubscribe = link_in(smtp_server.last_to("leaver@example.org"), "/alerts/unsubscribe/")
    # The leaver's membership is removed; a newcomer's membership is created (SQLite may reuse the id).
    old_id = session.scalar(select(Membership.id).where(Membership.user_id == leaver.id))
    session.delete(session.get(Membership, old_id))
    session.commit()
    newcomer = make_user(email="newcomer@example.org", provider=tree["ward"])
    new_id = session.scalar(select(Membership.id).where(Membership.user_id == newcomer.id))
    client = app.test_client()
    client.get(unsubscribe)
    client.post(unsubscribe)
    smtp_server.clear()
    second = make_story(tree["ward"], status="pending", title="Second story")
    moderate(mod, second)
    deliver()
    assert smtp_server.to("newcomer@example.org"), f"newcomer (membership {new_id}, old {old_id}) lost alerts"
    assert not smtp_server.to("leaver@example.org")
