"""Black-box attack tests for issue 16: authors stay anonymous and in control.

Written from the issue text and README only; every step goes through the site's pages and the mail it sends.
"""
from __future__ import annotations

import base64
import re
import statistics
import threading
import time

import pytest

from tests.blackbox.conftest import BODY, main_text, moderate, press, signed_in_as, tell
from tests.conftest import PASSWORD, link_in, login, text_of

VICTIM = "victim@example.org"


@pytest.fixture
def make_author(session, make_user):
    """A confirmed author who never chose a password."""

    def make(email: str):
        user = make_user(email=email, display_name="")
        user.password_hash = None
        session.commit()
        return user

    return make


def story_count(session) -> int:
    from sqlalchemy import func, select

    from app.stories.models import Story
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Story))


def confirm_link(smtp_server, address=VICTIM) -> str:
    return link_in(smtp_server.last_to(address), "/stories/confirm/")


def published_sign_in_link(app, session, make_story, make_user, tree, smtp_server, deliver, author):
    """Publish a story of `author` through the moderation page; return the sign-in link in the mail they get."""
    moderator = make_user(email="mod@example.org", moderator=True)
    story = make_story(tree["ward"], author=author, status="pending", title="Letters were confusing")
    mod = app.test_client()
    login(mod, moderator.email)
    assert moderate(mod, story).status_code == 302
    deliver()
    return story, link_in(smtp_server.last_to(author.email), "/account/link/")


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


# ---------------------------------------------------------------- proven addresses

def test_a_story_told_under_a_known_authors_address_is_not_theirs_until_they_confirm(app, session, tree, make_story,
                                                                                      make_author, smtp_server,
                                                                                      deliver):
    victim = make_author(VICTIM)
    make_story(tree["ward"], author=victim, status="published", title="My private operation story")
    attacker = app.test_client()
    assert tell(attacker, VICTIM, title="Written by the attacker").status_code == 302
    # The attacker gained nothing: no sign-in, no view of the victim's stories.
    assert signed_in_as(attacker) is None
    assert attacker.get("/my/stories").status_code != 200
    page = attacker.get(attacker.get("/tell").request.path)
    assert "My private operation story" not in page.get_data(as_text=True)


def test_signup_over_an_unconfirmed_address_then_log_in_shows_nothing_but_resend(app, session, tree, make_story,
                                                                               smtp_server, deliver):
    squatter = app.test_client()
    squatter.post("/account/signup", data={"email": VICTIM, "password": "squatter password 1",
                                           "confirm": "squatter password 1"})
    response = squatter.post("/account/login", data={"email": VICTIM, "password": "squatter password 1"})
    assert signed_in_as(squatter) is None
    assert "confirm" in main_text(response).lower()
    # The real owner tells a story and confirms it with the button; the squatter never sees it.
    owner = app.test_client()
    tell(owner, VICTIM, key="o" * 32)
    deliver()
    press(owner, confirm_link(smtp_server))
    again = app.test_client()
    again.post("/account/login", data={"email": VICTIM, "password": "squatter password 1"})
    assert signed_in_as(again) is None
    assert signed_in_as(squatter) is None
    assert "Kind nurses" in main_text(owner.get("/my/stories"))


def test_differently_cased_address_is_the_same_proven_owner(app, session, tree, make_story, make_author,
                                                            smtp_server, deliver):
    """Signing up as VICTIM@Example.org must not create a second account beside victim@example.org."""
    victim = make_author(VICTIM)
    make_story(tree["ward"], author=victim, status="published", title="The owner's story")
    squatter = app.test_client()
    squatter.post("/account/signup", data={"email": "Victim@Example.ORG", "password": "squatter password 1",
                                           "confirm": "squatter password 1"})
    deliver()
    squatter.post("/account/login", data={"email": "Victim@Example.ORG", "password": "squatter password 1"})
    assert signed_in_as(squatter) is None
    from sqlalchemy import func, select

    from app.accounts.models import User
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User).where(
        func.lower(User.email) == VICTIM)) == 1


# ---------------------------------------------------------------- no enumeration

def _normalise(text: str, address: str) -> str:
    text = text.replace(address, "ADDRESS")
    return re.sub(r'value="[^"]*"', 'value=""', text)


FORMS = {
    "signup": ("/account/signup",
               lambda a: {"email": a, "password": "a new pass phrase", "confirm": "a new pass phrase"}),
    "login": ("/account/login", lambda a: {"email": a, "password": "not the password at all"}),
    "forgot": ("/account/password/forgot", lambda a: {"email": a}),
    "link": ("/account/login/link", lambda a: {"link_email": a}),
}


@pytest.mark.settings(RATELIMIT_LOGIN="1000 per minute", RATELIMIT_SIGNUP="1000 per minute",
                      RATELIMIT_RESET="1000 per minute", RATELIMIT_POSTING="1000 per minute")
@pytest.mark.parametrize("form", sorted(FORMS))
def test_known_and_unknown_addresses_get_the_same_answer(app, session, make_user, make_author, form):
    make_user(email="known@example.org")
    make_author("authorx@example.org")
    unconfirmed = app.test_client()
    unconfirmed.post("/account/signup", data={"email": "pending@example.org", "password": "pending pass 123",
                                              "confirm": "pending pass 123"})
    path, data = FORMS[form]
    answers = {}
    for address in ("known@example.org", "authorx@example.org", "pending@example.org", "nobody1@example.org"):
        client = app.test_client()
        response = client.post(path, data=data(address))
        location = response.headers.get("Location", "")
        assert "@" not in location and "%40" not in location
        if response.status_code == 302:
            response = client.get(location)
        answers[address] = (response.status_code, _normalise(main_text(response), address))
    distinct = set(answers.values())
    assert len(distinct) == 1, answers


@pytest.mark.settings(RATELIMIT_LOGIN="1000 per minute", RATELIMIT_RESET="1000 per minute",
                      RATELIMIT_SIGNUP="1000 per minute")
@pytest.mark.parametrize("form", ["login", "forgot", "link", "signup"])
def test_known_and_unknown_addresses_take_about_the_same_time(app, make_user, make_author, form):
    """The Argon2 hash runs on every path: an unknown address must not answer several times faster."""
    make_user(email="known@example.org")
    make_author("authorx@example.org")
    path, data = FORMS[form]
    client = app.test_client()
    client.post(path, data=data("warmup@example.org"))

    def timed(address):
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            client.post(path, data=data(address))
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    known, passwordless, unknown = (timed("known@example.org"), timed("authorx@example.org"),
                                    timed("nobody@example.org"))
    slowest, fastest = max(known, passwordless, unknown), min(known, passwordless, unknown)
    assert fastest > slowest / 3, (known, passwordless, unknown)


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


# ---------------------------------------------------------------- one story per telling

def test_the_same_form_sent_twice_is_one_story_and_one_mail(app, session, tree, smtp_server, deliver):
    client = app.test_client()
    assert tell(client, VICTIM, key="same-key-" + "x" * 20).status_code == 302
    assert tell(client, VICTIM, key="same-key-" + "x" * 20).status_code in (302, 303)
    deliver()
    assert story_count(session) == 1
    assert len(smtp_server.to(VICTIM)) == 1


def test_back_and_resubmit_with_a_fresh_form_is_one_story(app, session, tree, smtp_server, deliver):
    """Back after the thanks page, the browser reloads /tell (a new form key) and the author sends it again."""
    client = app.test_client()
    assert tell(client, VICTIM, key="a" * 32).status_code == 302
    again = tell(client, VICTIM, key="b" * 32)
    assert again.status_code in (200, 302, 303), main_text(again)[:300]
    deliver()
    assert story_count(session) == 1
    assert len(smtp_server.to(VICTIM)) == 1


def test_back_and_resubmit_from_another_browser_with_a_trailing_space_is_one_story(app, session, tree, smtp_server,
                                                                                  deliver):
    tell(app.test_client(), VICTIM, key="a" * 32)
    tell(app.test_client(), VICTIM.upper(), key="c" * 32, body=BODY + "  \n", title="Kind nurses, cold food ")
    deliver()
    assert story_count(session) == 1


def test_resubmit_after_confirming_is_still_one_story(app, session, tree, smtp_server, deliver):
    client = app.test_client()
    tell(client, VICTIM, key="a" * 32)
    deliver()
    press(client, confirm_link(smtp_server))
    tell(client, VICTIM, key="d" * 32)
    deliver()
    assert story_count(session) == 1
    assert len(smtp_server.to(VICTIM)) == 1


def _race(app, address, key):
    client = app.test_client()
    token = client.csrf_token()
    results = []
    barrier = threading.Barrier(2)

    def send():
        barrier.wait()
        results.append(tell(client, address, key=key, csrf_token=token).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_double_click_racing_two_requests_is_one_story_and_no_error(app, session, tree, smtp_server, deliver):
    results = _race(app, VICTIM, "r" * 32)
    deliver()
    assert story_count(session) == 1
    assert len(smtp_server.to(VICTIM)) == 1
    assert all(code < 500 for code in results), results


def test_a_double_click_from_a_known_address_is_one_story_and_no_error(app, session, tree, make_author, smtp_server,
                                                                       deliver):
    make_author(VICTIM)
    results = _race(app, VICTIM, "q" * 32)
    deliver()
    assert story_count(session) == 1
    assert len(smtp_server.to(VICTIM)) == 1
    assert all(code < 500 for code in results), results


@pytest.mark.settings(RATELIMIT_POSTING="3 per minute")
def test_find_the_service_never_counts_toward_the_posting_limit(app, session, tree):
    client = app.test_client()
    for _ in range(6):
        response = client.post("/tell", data={"provider_query": "Ward", "action": "find"})
        assert response.status_code == 200
    assert tell(client, VICTIM).status_code == 302


@pytest.mark.settings(RATELIMIT_POSTING="3 per minute")
def test_telling_is_rate_limited(app, session, tree):
    client = app.test_client()
    codes = [tell(client, f"t{n}@example.org", key=f"{n:032d}", title=f"Story {n}",
                  body=BODY + f" Visit {n}.").status_code for n in range(6)]
    assert 429 in codes, codes


@pytest.mark.settings(RATELIMIT_LOGIN="5 per minute", RATELIMIT_RESET="5 per minute")
def test_changing_the_password_is_rate_limited(app, make_user):
    make_user(email="author@example.org")
    client = app.test_client()
    login(client, "author@example.org")
    codes = [client.post("/account/password", data={"password": "brand new pass 1", "confirm": "brand new pass 1",
                                                    "current_password": f"guess number {n}"}).status_code
             for n in range(12)]
    assert 429 in codes, codes


@pytest.mark.settings(RATELIMIT_LOGIN="5 per minute", RATELIMIT_RESET="5 per minute")
def test_deleting_the_account_checks_the_password_under_a_rate_limit(app, make_user):
    make_user(email="author@example.org")
    client = app.test_client()
    login(client, "author@example.org")
    codes = [client.post("/account/delete", data={"stories": "withdraw", "password": f"guess {n}"}).status_code
             for n in range(12)]
    assert 429 in codes, codes
    assert signed_in_as(client) == "author@example.org"


# ---------------------------------------------------------------- correction requests

def test_an_author_asks_for_a_correction_and_the_moderator_makes_it(app, session, tree, make_user, make_story,
                                                                    make_author, smtp_server, deliver):
    author = make_author("author@example.org")
    story, link = published_sign_in_link(app, session, make_story, make_user, tree, smtp_server, deliver, author)
    client = app.test_client()
    press(client, link)
    response = client.post(f"/my/stories/{story.id}/correction", data={
        "kind": "author_details", "words": "Please remove the words 'waiting room' - it identifies my neighbour."})
    assert response.status_code == 302
    mod = app.test_client()
    login(mod, "mod@example.org")
    queue = main_text(mod.get("/moderation/"))
    assert "identifies my neighbour" in queue or "identifies my neighbour" in main_text(
        mod.get(f"/moderation/stories/{story.id}"))
    smtp_server.clear()
    corrected = moderate(mod, story, "correct", title=story.title,
                         body="Story: the staff were helpful. I would like clearer letters about appointments.",
                         reason="removed a detail at the author's request")
    assert corrected.status_code == 302
    history = main_text(mod.get(f"/moderation/stories/{story.id}/history"))
    assert "removed a detail at the author's request" in history
    public = main_text(app.test_client().get(f"/stories/{story.id}"))
    assert "waiting room" not in public and "clearer letters" in public
    deliver()
    assert smtp_server.to("author@example.org")


def test_nobody_else_can_ask_for_a_correction_to_your_story(app, session, tree, make_user, make_story):
    owner = make_user(email="owner@example.org")
    make_user(email="other@example.org")
    story = make_story(tree["ward"], author=owner, status="published")
    client = app.test_client()
    login(client, "other@example.org")
    assert client.get(f"/my/stories/{story.id}/correction").status_code in (403, 404)
    response = client.post(f"/my/stories/{story.id}/correction", data={"kind": "author_correction",
                                                                       "words": "Delete it all"})
    assert response.status_code in (403, 404)
