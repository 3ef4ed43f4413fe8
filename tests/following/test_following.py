"""Following a service: double opt-in, no enumeration, one-click unsubscribe, the daily digest, the replies feed."""
from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest
from sqlalchemy import func, select

from app.extensions import utcnow
from app.following import services
from app.following.models import Follow
from app.replies.models import AUTHOR_ANSWER, HIDDEN, Change, Reply
from tests.conftest import link_in, text_of

READER = "reader@example.net"


def at(monkeypatch, when):
    monkeypatch.setattr(services, "utcnow", lambda: when)


def digest_time(app, after):
    """The first DIGEST_HOUR strictly after `after` (plus a minute)."""
    hour = app.config["DIGEST_HOUR"]
    day = (after + timedelta(days=1)).replace(hour=hour, minute=1, second=0, microsecond=0)
    return day


def ask(client, code, email=READER):
    return client.post(f"/providers/{code}/follow", data={"email": email})


def confirmed_follow(client, smtp_server, deliver, code, email=READER):
    assert ask(client, code, email).status_code == 200
    deliver()
    response = client.get(link_in(smtp_server.last_to(email), "/follow/confirm/"))
    assert response.status_code == 200 and "You follow" in response.get_data(as_text=True)
    smtp_server.clear()


def run_digests(app, session):
    with app.app_context():
        return services.run_digests(session)


def staff_reply(session, story, provider, body="We have changed the signs.", **fields):
    reply = Reply(story_id=story.id, provider_id=provider.id, responder_name="Sam Lee", responder_title="Matron",
                  body=body, status=fields.pop("status", "visible"), published_at=fields.pop("published_at", utcnow()),
                  **fields)
    session.add(reply)
    session.commit()
    return reply


def test_nothing_is_sent_before_the_address_confirms(app, session, client, tree, make_story, smtp_server, deliver,
                                                     monkeypatch):
    page = client.get("/providers/H1/follow")
    assert page.status_code == 200 and 'name="email"' in page.get_data(as_text=True)
    response = ask(client, "H1", "  Reader@Example.NET ")
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    follow = session.scalar(select(Follow))
    assert follow.email == READER and follow.confirmed_at is None  # stored normalised
    deliver()
    confirmation = smtp_server.last_to(READER)
    story = make_story(tree["ward"], status="published", title="Unconfirmed should not hear")
    story.published_at = utcnow() + timedelta(minutes=1)
    session.commit()
    at(monkeypatch, digest_time(app, utcnow()))
    assert run_digests(app, session) == 0
    deliver()
    assert smtp_server.to(READER) == [confirmation]
    # Confirming starts the follow from now: what came before is not sent.
    monkeypatch.undo()
    assert client.get(link_in(confirmation, "/follow/confirm/")).status_code == 200
    assert session.scalar(select(Follow)).confirmed_at is not None


def test_asking_again_reveals_nothing(app, session, client, tree, smtp_server, deliver):
    confirmed_follow(client, smtp_server, deliver, "H1")
    again = ask(client, "H1", "READER@example.net").get_data(as_text=True)
    fresh = ask(client, "H1", "someone.else@example.net").get_data(as_text=True)
    strip = lambda page: page.replace('value="', "")  # noqa: E731
    assert "Check your email" in again
    assert strip(again).split("<main")[-1].split("</main>")[0] == strip(fresh).split("<main")[-1].split("</main>")[0]
    deliver()
    assert smtp_server.to(READER) == []  # no new mail to the address that already follows
    assert len(smtp_server.to("someone.else@example.net")) == 1
    assert session.scalar(select(func.count()).select_from(Follow)) == 2


def test_the_follow_form_refuses_a_post_without_csrf_and_a_bad_address(session, client, tree):
    assert client.post("/providers/H1/follow", data={"email": READER}, csrf=False).status_code == 400
    bad = ask(client, "H1", "not an address")
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Follow)) == 0
    assert client.get("/providers/NOPE/follow").status_code == 404


def test_a_bad_or_tampered_confirmation_link_is_refused(client, tree, smtp_server, deliver):
    ask(client, "H1")
    deliver()
    link = link_in(smtp_server.last_to(READER), "/follow/confirm/")
    assert client.get(link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]).status_code == 400


def test_digest_holds_what_is_new_at_the_service_and_below_and_only_that(app, session, client, tree, make_story,
                                                                         smtp_server, deliver, monkeypatch):
    confirmed_follow(client, smtp_server, deliver, "H1")
    soon = utcnow() + timedelta(minutes=1)
    titles = {}
    for key, provider, status in [("ward", "ward", "published"), ("here", "hospital", "published"),
                                  ("above", "trust", "published"), ("other", "other", "published"),
                                  ("hidden", "ward", "hidden"), ("pending", "ward", "pending")]:
        story = make_story(tree[provider], status=status, title=f"Story {key} title")
        story.published_at = soon if status != "pending" else None
        titles[key] = story
    session.commit()
    staff_reply(session, titles["ward"], tree["ward"], body="Visible reply about the ward.", published_at=soon)
    staff_reply(session, titles["ward"], tree["ward"], body="Hidden reply words.", published_at=soon, status=HIDDEN)
    staff_reply(session, titles["hidden"], tree["ward"], body="Reply on a hidden story.", published_at=soon)
    staff_reply(session, titles["ward"], tree["ward"], body="An author answer.", published_at=soon, kind=AUTHOR_ANSWER)
    session.add(Change(story_id=titles["here"].id, provider_id=tree["hospital"].id, kind="planned",
                       description="New signs at the entrance.", created_at=soon))
    session.commit()

    at(monkeypatch, digest_time(app, soon))
    assert run_digests(app, session) == 1
    deliver()
    digest = smtp_server.last_to(READER)
    body = text_of(digest)
    for wanted in ("Story ward title", "Story here title", "Visible reply about the ward.",
                   "New signs at the entrance.", "Change planned"):
        assert wanted in body
    for unwanted in ("Story above title", "Story other title", "Story hidden title", "Story pending title",
                     "Hidden reply words.", "Reply on a hidden story.", "An author answer."):
        assert unwanted not in body
    assert digest["List-Unsubscribe"].startswith("<http") and "/follow/unsubscribe/" in digest["List-Unsubscribe"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_digest_is_sent_once_and_never_when_nothing_is_new(app, session, client, tree, make_story, smtp_server,
                                                               deliver, monkeypatch):
    confirmed_follow(client, smtp_server, deliver, "W1")
    story = make_story(tree["ward"], status="published", title="Once only")
    story.published_at = utcnow() + timedelta(minutes=1)
    session.commit()
    when = digest_time(app, story.published_at)
    at(monkeypatch, when.replace(hour=app.config["DIGEST_HOUR"] - 1) if app.config["DIGEST_HOUR"] else when)
    if app.config["DIGEST_HOUR"]:
        assert run_digests(app, session) == 0  # before the digest hour: nothing yet
    at(monkeypatch, when)
    assert run_digests(app, session) == 1
    assert run_digests(app, session) == 0  # a second run, or a second worker, sends nothing more
    at(monkeypatch, when + timedelta(hours=3))
    assert run_digests(app, session) == 0
    at(monkeypatch, when + timedelta(days=1))
    assert run_digests(app, session) == 0  # nothing new the next day: no email
    deliver()
    assert len(smtp_server.to(READER)) == 1
    assert session.scalar(select(Follow)).last_sent_at == when + timedelta(days=1)


def test_one_click_unsubscribe_from_a_mail_client(app, session, client, tree, make_story, smtp_server, deliver,
                                                  monkeypatch):
    confirmed_follow(client, smtp_server, deliver, "W1")
    story = make_story(tree["ward"], status="published")
    story.published_at = utcnow() + timedelta(minutes=1)
    session.commit()
    at(monkeypatch, digest_time(app, story.published_at))
    run_digests(app, session)
    deliver()
    url = smtp_server.last_to(READER)["List-Unsubscribe"].strip("<>")
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "<button" in page.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Follow)) == 1  # a GET changes nothing
    # The mail client's POST: no session, no CSRF token, just the RFC 8058 body.
    done = app.test_client().post("/" + path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "Emails stopped" in done.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Follow)) == 0  # the address is forgotten
    assert app.test_client().post("/" + path, data={"List-Unsubscribe": "One-Click"}).status_code == 400
    assert client.get("/" + path).status_code == 400  # the token died with the follow


def test_the_replies_feed_is_valid_and_shows_only_public_replies_and_changes(app, session, client, tree, make_story):
    base = utcnow() - timedelta(days=1)
    ward = make_story(tree["ward"], status="published", title="Ward story")
    hidden = make_story(tree["ward"], status="hidden", title="Hidden story")
    withdrawn = make_story(tree["ward"], status="withdrawn", title="Withdrawn story")
    other = make_story(tree["other"], status="published", title="Other story")
    staff_reply(session, ward, tree["ward"], body="Older visible reply.", published_at=base)
    staff_reply(session, ward, tree["ward"], body="Newer visible reply.", published_at=base + timedelta(hours=2))
    staff_reply(session, ward, tree["ward"], body="Hidden reply text.", published_at=base, status=HIDDEN)
    staff_reply(session, ward, tree["ward"], body="Author answer text.", published_at=base, kind=AUTHOR_ANSWER)
    staff_reply(session, hidden, tree["ward"], body="On a hidden story.", published_at=base)
    staff_reply(session, withdrawn, tree["ward"], body="On a withdrawn story.", published_at=base)
    staff_reply(session, other, tree["other"], body="Elsewhere entirely.", published_at=base)
    session.add(Change(story_id=ward.id, provider_id=tree["ward"].id, kind="made", description="Signs put up.",
                       created_at=base + timedelta(hours=1)))
    session.add(Change(story_id=ward.id, provider_id=tree["ward"].id, kind="planned", description="Hidden change.",
                       created_at=base, status=HIDDEN))
    session.commit()
    response = client.get("/feeds/providers/T1/replies.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    summaries = [e.summary for e in feed.entries]
    assert summaries == ["Newer visible reply.", "Signs put up.", "Older visible reply."]  # newest first
    assert len({e.id for e in feed.entries}) == 3
    assert "Sam Lee" in feed.entries[0].author
    assert "@" not in response.get_data(as_text=True).replace("xmlns", "")
    assert client.get("/feeds/providers/NOPE/replies.atom").status_code == 404
    empty = feedparser.parse(client.get("/feeds/providers/G1/replies.atom").data)
    assert not empty.bozo and [e.summary for e in empty.entries] == ["Elsewhere entirely."]


def test_the_provider_page_links_the_follow_page_and_both_feeds(client, tree):
    page = client.get("/providers/H1").get_data(as_text=True)
    for href in ("/providers/H1/follow", "/feeds/providers/H1.atom", "/feeds/providers/H1/replies.atom"):
        assert f'href="{href}"' in page


@pytest.mark.parametrize("app_overrides", [{"RATELIMIT_POSTING": "2 per minute"}])
def test_asking_to_follow_is_rate_limited(client, tree):
    assert ask(client, "H1", "a@example.net").status_code == 200
    assert ask(client, "H1", "b@example.net").status_code == 200
    assert ask(client, "H1", "c@example.net").status_code == 429


def test_an_address_that_never_confirms_is_forgotten(app, session, client, tree, monkeypatch):
    ask(client, "H1")
    ask(client, "W1", "kept@example.net")
    session.execute(Follow.__table__.update().where(Follow.email == READER)
                    .values(created_at=utcnow() - timedelta(days=8)))
    session.commit()
    at(monkeypatch, utcnow())
    run_digests(app, session)
    assert session.scalars(select(Follow.email)).all() == ["kept@example.net"]
