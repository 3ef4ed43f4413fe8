"""Several nodes: two gunicorn instances and two outbox workers on one PostgreSQL and one Redis.

A story goes through the whole loop across both instances; every email arrives exactly once; a rate limit
counts across both; each instance sees the other's writes. PostgreSQL only (CI's second pass).
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from tests.admin.topology import Browser, Topology, drop_database, environment, flask, scratch_database, wait_for
from tests.conftest import TEST_DATABASE_URL, _free_port, make_app

pytestmark = pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                                reason="the several-node topology needs TEST_DATABASE_URL on PostgreSQL")

BODY = ("The nurses on the ward were kind and explained everything about my operation. "
        "The food was cold every evening and nobody could tell me why.")


def seed(database_url: str, tmp_path) -> None:
    """The directory and the people, written as an operator's import would."""
    from app.accounts.models import Membership, User
    from app.accounts.passwords import hash_password
    from app.directory.models import Provider
    from app.extensions import db, utcnow
    from app.stories.tags import ensure_tags
    from tests.admin.topology import PASSWORD

    app = make_app(database_url, tmp_path, SEARCH_BACKEND="postgres")
    with app.app_context():
        ensure_tags(db.session)
        trust = Provider(code="T1", name="Riverside Trust", kind="trust")
        hospital = Provider(code="H1", name="Riverside Hospital", kind="hospital", parent=trust)
        ward = Provider(code="W1", name="Ward Seven", kind="department", parent=hospital)
        hashed = hash_password(PASSWORD)
        moderator = User(email="mod@example.org", password_hash=hashed, email_confirmed_at=utcnow(),
                         is_moderator=True, display_name="Mo")
        staff = User(email="ward@nhs.example", password_hash=hashed, email_confirmed_at=utcnow(),
                     display_name="Wendy Ward")
        admin = User(email="admin@example.org", password_hash=hashed, email_confirmed_at=utcnow(), is_admin=True)
        db.session.add_all([trust, hospital, ward, moderator, staff, admin])
        db.session.flush()
        db.session.add(Membership(user_id=staff.id, provider_id=ward.id, role="responder", job_title="Ward manager"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def topology(tmp_path, smtp_server, worker_id):
    url = scratch_database(TEST_DATABASE_URL, f"admin_topology_{worker_id}")
    env = environment(url, tmp_path, smtp_server.port, RATELIMIT_LOGIN="8 per hour")
    topo = Topology(env, tmp_path)
    try:
        flask(env, "db", "upgrade")
        seed(url, tmp_path)
        topo.web(_free_port())
        topo.web(_free_port())
        topo.worker(1)
        topo.worker(2)
        topo.wait_until_up()
        topo.database_url = url
        yield topo
    finally:
        topo.stop()
        drop_database(url)


def link(message, fragment: str) -> str:
    from tests.conftest import text_of

    for url in re.findall(r"https?://\S+", text_of(message)):
        if fragment in url:
            return re.sub(r"^https?://[^/]+", "", url)
    raise AssertionError(f"no {fragment} link in {text_of(message)}")


def test_two_instances_share_one_database_one_redis_and_deliver_each_email_once(topology, smtp_server):
    a_url, b_url = topology.urls
    mails = lambda who: smtp_server.to(who)  # noqa: E731

    # The author tells the story on A and confirms it through B.
    author = Browser(a_url)
    told = author.post("/tell", {
        "provider_code": "W1", "title": "Kind nurses, cold food", "body": BODY, "month": "3", "year": "2025",
        "author_role": "patient", "good_tags": ["good-kindness"], "improve_tags": ["improve-food"],
        "public_name": "Sam", "email": "author@example.org", "consent": "y", "submission_key": "key-1",
        "action": "tell"})
    assert told.status_code == 302, told.text[:500] + topology.log_tail()
    wait_for(lambda: mails("author@example.org"), message="no confirmation email: " + topology.log_tail())
    author.base = b_url
    confirm = link(mails("author@example.org")[0], "/stories/confirm/")
    assert author.get(confirm).status_code == 200  # the link opens a page; its button confirms
    assert author.post(confirm, {}).status_code == 302

    # A moderator on B sees it in the queue and publishes it.
    moderator = Browser(b_url)
    moderator.login("mod@example.org")
    queue = moderator.get("/moderation/").text
    story_id = int(re.search(r'/moderation/stories/(\d+)">Kind nurses, cold food', queue).group(1))
    page = moderator.get(f"/moderation/stories/{story_id}").text
    version = re.search(r'id="publish-version"[^>]*value="(\d+)"', page).group(1)
    published = moderator.post(f"/moderation/stories/{story_id}/publish", {
        "publish-version": version, "publish-criticality": "3", "publish-tags": ["good-kindness"],
        "publish-title": "Kind nurses, cold food", "publish-body": BODY}, token_field="publish-csrf_token")
    assert published.status_code == 302, published.text[:500] + topology.log_tail()

    # A sees B's write: the public page and PostgreSQL search on the other instance.
    visitor = Browser(a_url)
    assert "Kind nurses, cold food" in visitor.get(f"/stories/{story_id}").text
    assert f"/stories/{story_id}" in visitor.get("/search", params={"q": "nurses"}).text

    # The ward is alerted; its manager replies on A; once it is let through the author hears of it; B shows it.
    wait_for(lambda: mails("ward@nhs.example"), message="no alert: " + topology.log_tail())
    staff = Browser(a_url)
    staff.login("ward@nhs.example")
    replied = staff.post(f"/stories/{story_id}/replies", {"body": "Thank you, Sam: we are fixing the food trolley."})
    assert replied.status_code == 302, replied.text[:500] + topology.log_tail()
    # A new responder's first reply waits for a moderator: the moderator on B lets it through.
    reply_id = int(re.search(r"#replies-(\d+)$", replied.headers["Location"]).group(1))
    let_through = moderator.post(f"/moderation/replies/{reply_id}/publish")
    assert let_through.status_code == 302, let_through.text[:500] + topology.log_tail()
    wait_for(lambda: len(mails("author@example.org")) >= 2, message="no reply email: " + topology.log_tail())
    assert "fixing the food trolley" in Browser(b_url).get(f"/stories/{story_id}").text

    # Every email exactly once, whichever worker sent it.
    engine = create_engine(topology.database_url)
    try:
        def settled() -> bool:
            with engine.connect() as conn:
                return not conn.scalar(text("SELECT count(*) FROM outbox WHERE status <> 'sent'"))
        wait_for(settled, message="outbox not drained: " + topology.log_tail())
        with engine.connect() as conn:
            sent = set(conn.scalars(text("SELECT message_id FROM outbox")))
            workers = set(conn.scalars(text("SELECT name FROM worker_heartbeats")))
            claimed_by = set(conn.scalars(text("SELECT claimed_by FROM outbox")))
    finally:
        engine.dispose()
    received = [str(m["Message-ID"]) for m in smtp_server.messages]
    assert len(received) == len(set(received)) == len(sent) >= 3
    assert set(received) == sent
    assert len(workers) == 2  # both workers ran passes against the same queue
    assert claimed_by  # and the messages record which worker claimed them

    # An admin on B disables the ward manager: their session on A ends at once.
    admin = Browser(b_url)
    admin.login("admin@example.org")
    staff_id = int(re.search(r'/admin/people/(\d+)">ward@nhs.example', admin.get("/admin/people",
                                                                             params={"q": "ward@"}).text).group(1))
    assert staff.get("/account/").status_code == 200
    disabled = admin.post(f"/admin/people/{staff_id}/disable", {"disabled": "1", "disable-reason": "Left"},
                          token_field="disable-csrf_token")
    assert disabled.status_code == 302, disabled.text[:500] + topology.log_tail()
    assert staff.get("/account/").status_code == 302

    # A rate limit counts across both instances: 3 logins so far, 5 more allowed, then refused on both.
    attempts = [Browser(url) for url in (a_url, b_url)]
    for n in range(5):
        response = attempts[n % 2].post("/account/login", {"email": "ward@nhs.example", "password": "wrong"})
        assert response.status_code != 429, n
    for browser in attempts:
        assert browser.post("/account/login", {"email": "ward@nhs.example", "password": "wrong"}).status_code == 429

