"""A session opened by an emailed link is for the author's own stories: a site role granted later ends it."""
from __future__ import annotations

from app.admin import people
from tests.accounts.conftest import press, sign_in_link, signed_in


def test_granting_a_role_ends_the_sessions_an_emailed_link_opened(app, session, make_author, make_user,
                                                                  smtp_server, deliver):
    author = make_author("linked@example.org")
    admin = make_user(email="admin@example.org", admin=True)
    client = app.test_client()
    client.post("/account/login/link", data={"link_email": "linked@example.org"})
    deliver()
    press(client, sign_in_link(smtp_server.last_to("linked@example.org")))
    assert signed_in(client)
    people.set_role(session, admin, author, "moderator", True, "joins the moderation team")
    # The link's session would otherwise open the moderation queue.
    assert client.get("/moderation/").status_code in (302, 401, 403)
    assert not signed_in(client)
