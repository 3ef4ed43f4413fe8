"""Black-box helpers for the trust tests: they drive the site only through its pages, forms and emails.

Settings per test: @pytest.mark.settings(NAME=value, ...) (tests/conftest.py's app_overrides)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, link_in, login, text_of  # noqa: F401

BODY = ("The nurses on the ward were kind and explained everything about my operation. "
        "The food was cold most days and I waited a long time for pain relief at night.")


def main_text(response) -> str:
    html = response.get_data(as_text=True)
    found = re.search(r"<main.*?</main>", html, re.S)
    import html as _html
    return _html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0) if found else html)).strip())


def signed_in_as(client) -> str | None:
    """The address the account page says this client is logged in as, or None."""
    response = client.get("/account/")
    if response.status_code != 200:
        return None
    found = re.search(r"Logged in as (\S+@\S+?) ", main_text(response))
    return found.group(1) if found else "?"


def tell(client, email: str = "teller@example.org", key: str = "k" * 32, provider: str = "W1",
         title: str = "Kind nurses, cold food", body: str = BODY, **extra):
    data = {"provider_code": provider, "title": title, "body": body, "month": "3", "year": "2025",
            "author_role": "patient", "public_name": "Sam", "email": email, "consent": "y",
            "submission_key": key, "action": "tell", **extra}
    return client.post("/tell", data=data)


def press(client, link: str, **data):
    """Open an emailed link (GET), then press the one button on its page (POST)."""
    page = client.get(link)
    return page, client.post(link, data=data)


def links_in(message) -> list[str]:
    return [re.sub(r"^https?://[^/]+", "", u) for u in re.findall(r"https?://\S+", text_of(message))]


def moderate(client, story, action: str = "publish", **fields):
    """A moderator's action on a story through its moderation page's form (with the version it shows)."""
    page = client.get(f"/moderation/stories/{story.id}").get_data(as_text=True)
    version = re.search(rf'name="{action}-version"[^>]*value="(\d+)"', page)
    version = version.group(1) if version else "1"
    data = {f"{action}-csrf_token": client.csrf_token(), f"{action}-version": version}
    if action == "publish":
        title = re.search(r'id="publish-title"[^>]*value="([^"]*)"', page)
        body = re.search(r'<textarea[^>]*id="publish-body"[^>]*>\n?(.*?)</textarea>', page, re.S)
        import html as _html
        data.update({"publish-criticality": "2", "publish-title": _html.unescape(title.group(1)),
                     "publish-body": _html.unescape(body.group(1)), "publish-edit_reason": ""})
    data.update({f"{action}-{k}": v for k, v in fields.items()})
    return client.post(f"/moderation/stories/{story.id}/{action}", data=data)


def reply_form_action(client, path: str, **fields):
    """Post a moderation form for a reply/answer/change page (unprefixed fields, version from the page)."""
    page = client.get(path.rsplit("/", 1)[0]).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page)
    return client.post(path, data={"version": version.group(1) if version else "1", **fields})


# ---------------------------------------------------------------- shared by test_bb_trust_accounts_*.py (issue 16)

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


# ---------------------------------------------------------------- shared by test_bb_trust_content_*.py (issue 17)

@pytest.fixture
def people(make_user, tree):
    return {
        "author": make_user(email="author@example.org"),
        "staff": make_user(email="staff@example.org", provider=tree["hospital"], display_name="Sam Staff"),
        "mod": make_user(email="mod@example.org", moderator=True),
        "admin": make_user(email="admin@example.org", admin=True),
    }


def signed(app, email):
    client = app.test_client()
    login(client, email)
    return client


def public_story(app, story) -> str:
    return app.test_client().get(f"/stories/{story.id}").get_data(as_text=True)


def api_story(app, story) -> dict:
    response = app.test_client().get(f"/api/v1/stories/{story.id}")
    payload = response.get_json() or {}
    return payload.get("data", payload)


def published(make_story, tree, people, **fields):
    return make_story(tree["ward"], author=people["author"], status="published", **fields)


def report(app, story, address, reply=None, client=None):
    client = client or app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    path = f"/stories/{story.id}/report" + (f"?reply={reply}" if reply else "")
    return client.post(path, data={"reason": "offensive", "note": "please look"})


def is_public(app, story) -> bool:
    return app.test_client().get(f"/stories/{story.id}").status_code == 200
