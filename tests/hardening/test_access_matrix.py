"""The access matrix: every route and method in the URL map, tried as every kind of visitor, against one table.

A route added to the app without a line in ACCESS fails `test_every_route_is_declared`: declare who may use it.
Outcomes: OK (the request was served: any answer but the four below), LOGIN (sent to log in), DENIED (403),
MISSING (404: the thing is not shown to this visitor at all).
"""
from __future__ import annotations

import pytest

from tests.hardening.conftest import ROLES

OK, LOGIN, DENIED, MISSING = "ok", "login", "403", "404"


def everyone() -> dict[str, str]:
    return dict.fromkeys(ROLES, OK)


def signed_in() -> dict[str, str]:
    return {**dict.fromkeys(ROLES, OK), "anonymous": LOGIN}


def only(*allowed: str, others: str = DENIED) -> dict[str, str]:
    """Only these roles; anonymous visitors are sent to log in; everyone else gets `others`."""
    return {role: OK if role in allowed else LOGIN if role == "anonymous" else others for role in ROLES}


MODERATORS = ("moderator", "admin")
# Token routes: the signed token in the URL is the authority, so every visitor gets the same answer to a bad one.
BAD_TOKEN = "not-a-valid-token"

# (endpoint, method, case) -> (URL values, expected outcome per role). URL values name world objects by attribute.
ACCESS: dict[tuple[str, str, str], tuple[dict, dict[str, str]]] = {
    ("accounts.accept_invitation", "GET", ""): ({"token": BAD_TOKEN}, everyone()),
    ("accounts.accept_invitation", "POST", ""): ({"token": BAD_TOKEN}, everyone()),
    ("accounts.account", "GET", ""): ({}, signed_in()),
    ("accounts.change_password", "GET", ""): ({}, signed_in()),
    ("accounts.change_password", "POST", ""): ({}, signed_in()),
    ("accounts.confirm", "GET", ""): ({"token": BAD_TOKEN}, everyone()),
    ("accounts.confirm", "POST", ""): ({"token": BAD_TOKEN}, everyone()),
    # Emailed sign-in links and "email me a sign-in link": the token (or the address typed) is the authority.
    ("accounts.link_sign_in", "GET", ""): ({"token": BAD_TOKEN}, everyone()),
    ("accounts.link_sign_in", "POST", ""): ({"token": BAD_TOKEN}, everyone()),
    ("accounts.request_link", "POST", ""): ({}, everyone()),
    ("pages.delete_account", "GET", ""): ({}, signed_in()),
    ("pages.delete_account", "POST", ""): ({}, signed_in()),
    ("pages.download_data", "GET", ""): ({}, signed_in()),
    ("accounts.forgot_password", "GET", ""): ({}, everyone()),
    ("accounts.forgot_password", "POST", ""): ({}, everyone()),
    ("accounts.login", "GET", ""): ({}, everyone()),
    ("accounts.login", "POST", ""): ({}, everyone()),
    ("accounts.logout", "POST", ""): ({}, everyone()),
    # Managers of the provider (none in the world: the staff member is a responder) and site admins.
    ("accounts.provider_staff", "GET", ""): ({"code": "H1"}, only("admin")),
    ("accounts.provider_staff", "POST", ""): ({"code": "H1"}, only("admin")),
    ("accounts.remove_staff", "POST", ""): ({"code": "H1", "membership_id": "membership.id"}, only("admin")),
    ("accounts.resend_confirmation", "POST", ""): ({}, signed_in()),
    ("accounts.reset_password", "GET", ""): ({"token": BAD_TOKEN}, everyone()),
    ("accounts.reset_password", "POST", ""): ({"token": BAD_TOKEN}, everyone()),
    ("accounts.signup", "GET", ""): ({}, everyone()),
    ("accounts.signup", "POST", ""): ({}, everyone()),
    # The operators' console: site admins only (moderators too are refused).
    ("admin.home", "GET", ""): ({}, only("admin")),
    ("admin.audit", "GET", ""): ({}, only("admin")),
    ("admin.outbox", "GET", ""): ({}, only("admin")),
    ("admin.outbox_resend", "POST", ""): ({"message_id": "message.id"}, only("admin")),
    ("admin.outbox_resend", "POST", "all"): ({}, only("admin")),
    ("admin.people_list", "GET", ""): ({}, only("admin")),
    ("admin.person", "GET", ""): ({"user_id": 1}, only("admin")),
    ("admin.person_role", "POST", ""): ({"user_id": 1}, only("admin")),
    ("admin.person_disable", "POST", ""): ({"user_id": 1}, only("admin")),
    ("admin.provider_list", "GET", ""): ({}, only("admin")),
    ("admin.provider", "GET", ""): ({"code": "H1"}, only("admin")),
    ("admin.provider_edit", "POST", ""): ({"code": "H1"}, only("admin")),
    ("admin.provider_move", "POST", ""): ({"code": "H1"}, only("admin")),
    ("admin.provider_active", "POST", ""): ({"code": "H1"}, only("admin")),
    ("admin.provider_merge", "POST", ""): ({"code": "H1"}, only("admin")),
    ("admin.provider_code", "POST", ""): ({"code": "H1"}, only("admin")),
    ("api.tags", "GET", ""): ({}, everyone()),
    ("api.redirects", "GET", ""): ({}, everyone()),
    ("api.events", "GET", ""): ({}, everyone()),
    ("api.openapi", "GET", ""): ({}, everyone()),
    ("api.provider", "GET", ""): ({"code": "H1"}, everyone()),
    ("api.provider_insight", "GET", ""): ({"code": "H1"}, everyone()),
    ("api.providers", "GET", ""): ({}, everyone()),
    ("api.stories", "GET", ""): ({}, everyone()),
    ("api.story", "GET", "published"): ({"story_id": "published.id"}, everyone()),
    ("api.story", "GET", "pending"): ({"story_id": "pending.id"}, dict.fromkeys(ROLES, MISSING)),
    ("directory.index", "GET", ""): ({}, everyone()),
    ("directory.find_json", "GET", ""): ({}, everyone()),
    # Insight and comparison are public, like the stories they count.
    ("insight.provider", "GET", ""): ({"code": "H1"}, everyone()),
    ("insight.provider_csv", "GET", ""): ({"code": "H1"}, everyone()),
    ("insight.compare", "GET", ""): ({}, everyone()),
    ("insight.compare_csv", "GET", ""): ({}, everyone()),
    ("pages.provider", "GET", ""): ({"code": "H1"}, everyone()),
    ("feeds.provider", "GET", ""): ({"code": "H1"}, everyone()),
    ("feeds.stories", "GET", ""): ({}, everyone()),
    ("moderation.act", "POST", ""): ({"story_id": "pending.id", "action": "publish"}, only(*MODERATORS)),
    ("moderation.claim", "POST", ""): ({"story_id": "pending.id"}, only(*MODERATORS)),
    ("moderation.dismiss_report", "POST", ""): ({"report_id": "report.id"}, only(*MODERATORS)),
    ("moderation.history", "GET", ""): ({"story_id": "published.id"}, only(*MODERATORS)),
    ("moderation.queue", "GET", ""): ({}, only(*MODERATORS)),
    ("moderation.story", "GET", ""): ({"story_id": "pending.id"}, only(*MODERATORS)),
    ("moderation.safeguarding", "POST", ""): ({"story_id": "pending.id"}, only(*MODERATORS)),
    ("moderation.item", "GET", ""): ({"kind": "replies", "item_id": "reply.id"}, only(*MODERATORS)),
    ("moderation.moderate_item", "POST", ""): (
        {"kind": "replies", "item_id": "reply.id", "action": "hide"}, only(*MODERATORS)),
    ("opendata.download", "GET", ""): ({}, everyone()),
    ("opendata.release", "GET", ""): ({"version": "release.version"}, everyone()),
    ("opendata.index", "GET", ""): ({}, everyone()),
    # Someone else's alert settings are not there at all for them.
    ("replies.alert_settings", "POST", ""): ({"membership_id": "membership.id"}, only("staff", others=MISSING)),
    ("pages.answer", "POST", ""): ({"story_id": "published.id"}, only("author")),
    ("replies.answer_by_link", "GET", ""): ({"story_id": "published.id", "token": BAD_TOKEN}, everyone()),
    ("replies.answer_by_link", "POST", ""): ({"story_id": "published.id", "token": BAD_TOKEN}, everyone()),
    ("pages.change", "POST", ""): ({"story_id": "published.id"}, only("staff")),
    ("pages.dashboard", "GET", ""): ({}, signed_in()),
    ("replies.edit_reply", "GET", ""): ({"reply_id": "reply.id"}, only("staff")),
    ("replies.edit_reply", "POST", ""): ({"reply_id": "reply.id"}, only("staff")),
    ("pages.reply", "POST", ""): ({"story_id": "published.id"}, only("staff")),
    ("replies.unsubscribe", "GET", ""): ({"token": BAD_TOKEN}, everyone()),
    ("replies.unsubscribe", "POST", ""): ({"token": BAD_TOKEN}, everyone()),
    ("following.follow", "GET", ""): ({"code": "H1"}, everyone()),
    ("following.follow", "POST", ""): ({"code": "H1"}, everyone()),
    ("following.confirm", "GET", ""): ({"token": BAD_TOKEN}, everyone()),
    ("following.unsubscribe", "GET", ""): ({"token": BAD_TOKEN}, everyone()),
    ("following.unsubscribe", "POST", ""): ({"token": BAD_TOKEN}, everyone()),
    ("feeds.provider_replies", "GET", ""): ({"code": "H1"}, everyone()),
    ("pages.changes", "GET", ""): ({"code": "H1"}, everyone()),
    ("pages.mark_made", "POST", ""): ({"story_id": "published.id", "change_id": "change.id"}, only("staff")),
    ("pages.not_about_us", "POST", ""): ({"story_id": "published.id"}, only("staff")),
    ("pages.me_too", "GET", ""): ({"story_id": "published.id"}, everyone()),
    ("pages.me_too", "POST", ""): ({"story_id": "published.id"}, everyone()),
    ("replies.check_change", "GET", ""): ({"change_id": "change.id", "token": BAD_TOKEN}, everyone()),
    ("replies.check_change", "POST", ""): ({"change_id": "change.id", "token": BAD_TOKEN}, everyone()),
    ("moderation.dispute", "POST", ""): ({"change_id": "change.id", "action": "publish"}, only(*MODERATORS)),
    ("moderation.reroute", "POST", ""): ({"request_id": "reroute.id", "action": "decline"}, only(*MODERATORS)),
    ("search.index", "GET", ""): ({}, everyone()),
    ("static", "GET", ""): ({"filename": "css/site.css"}, everyone()),
    ("stories.confirm", "GET", ""): ({"token": BAD_TOKEN}, everyone()),
    ("stories.confirm", "POST", ""): ({"token": BAD_TOKEN}, everyone()),
    # The author of a published story asks for a correction: nobody else is told the story is theirs.
    ("reports.request_correction", "GET", ""): ({"story_id": "published.id"}, only("author", others=MISSING)),
    ("reports.request_correction", "POST", ""): ({"story_id": "published.id"}, only("author", others=MISSING)),
    # An author's own pages: another visitor is not told the story exists.
    ("stories.edit", "GET", ""): ({"story_id": "pending.id"}, only("author", others=MISSING)),
    ("stories.edit", "POST", ""): ({"story_id": "pending.id"}, only("author", others=MISSING)),
    ("stories.index", "GET", ""): ({}, everyone()),
    ("stories.mine", "GET", ""): ({}, signed_in()),
    ("reports.report", "GET", ""): ({"story_id": "published.id"}, everyone()),
    ("reports.report", "POST", ""): ({"story_id": "published.id"}, everyone()),
    ("reports.report", "GET", "pending"): ({"story_id": "pending.id"}, dict.fromkeys(ROLES, MISSING)),
    ("pages.story", "GET", "published"): ({"story_id": "published.id"}, everyone()),
    ("pages.story", "GET", "pending"): (
        {"story_id": "pending.id"}, {**dict.fromkeys(ROLES, MISSING), "author": OK, "moderator": OK, "admin": OK}),
    ("stories.tell", "GET", ""): ({}, everyone()),
    ("stories.tell", "POST", ""): ({}, everyone()),
    # The key from the telling form proves the thanks page is the teller's.
    ("stories.told", "GET", "with key"): ({"story_id": "published.id", "key": "k" * 32}, everyone()),
    ("stories.told", "GET", "without key"): ({"story_id": "published.id"}, dict.fromkeys(ROLES, MISSING)),
    # The easy-read way to tell: for everyone; its thanks page, like /tell's, only with the key.
    # Entering a story for someone: story takers, and moderators (paper and phone); the form for everyone.
    ("stories.assisted_tell", "GET", ""): ({}, only("story_taker", *MODERATORS)),
    ("stories.assisted_tell", "POST", ""): ({}, only("story_taker", *MODERATORS)),
    ("stories.assisted_entered", "GET", ""): ({}, only("story_taker", *MODERATORS)),
    ("stories.paper_form", "GET", ""): ({}, everyone()),
    ("stories.easy_tell", "GET", ""): ({}, everyone()),
    ("stories.easy_tell", "POST", ""): ({}, everyone()),
    ("stories.easy_told", "GET", "with key"): ({"story_id": "published.id", "key": "k" * 32}, everyone()),
    ("stories.easy_told", "GET", "without key"): ({"story_id": "published.id"}, dict.fromkeys(ROLES, MISSING)),
    ("stories.easy_what_happens", "GET", ""): ({}, everyone()),
    ("stories.easy_privacy", "GET", ""): ({}, everyone()),
    ("stories.withdraw", "GET", ""): ({"story_id": "published.id"}, only("author", others=MISSING)),
    ("stories.withdraw", "POST", ""): ({"story_id": "published.id"}, only("author", others=MISSING)),
    ("web.favicon", "GET", ""): ({}, everyone()),
    ("web.healthz", "GET", ""): ({}, everyone()),
    ("ops.metrics_page", "GET", ""): ({}, dict.fromkeys(ROLES, MISSING)),  # closed: METRICS_TOKEN is unset
    ("ops.readyz", "GET", ""): ({}, everyone()),  # 503 in the test world (no migrations stamped): still served
    ("pages.home", "GET", ""): ({}, everyone()),
    ("web.terms", "GET", ""): ({}, everyone()),
    # The pages that earn trust, and the transparency figures as CSV: for everyone.
    ("pages.about", "GET", ""): ({}, everyone()),
    ("pages.how_moderation_works", "GET", ""): ({}, everyone()),
    ("pages.privacy", "GET", ""): ({}, everyone()),
    ("pages.accessibility", "GET", ""): ({}, everyone()),
    ("pages.contact", "GET", ""): ({}, everyone()),
    ("pages.transparency_page", "GET", ""): ({}, everyone()),
    ("pages.transparency_csv", "GET", ""): ({}, everyone()),
}


def test_every_route_is_declared(app):
    """Each (endpoint, method) in the URL map has a line in ACCESS, and ACCESS names no route that is gone."""
    in_map = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    declared = {(endpoint, method) for endpoint, method, _ in ACCESS}
    assert sorted(in_map - declared) == [], "routes with no line in the access table: declare who may use them"
    assert sorted(declared - in_map) == [], "the access table names routes the app no longer has"


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code == 401 or (response.status_code in (302, 303) and "/account/login" in location
                                       and "/account/login" not in response.request.path):
        return LOGIN
    if response.status_code in (403, 404):
        return str(response.status_code)
    return OK


def _url(app, world, endpoint: str, values: dict) -> str:
    from flask import url_for

    resolved = {}
    for name, value in values.items():
        if isinstance(value, str) and "." in value and value.split(".")[0] in vars(world):
            obj_name, attr = value.split(".")
            value = getattr(getattr(world, obj_name), attr)
        resolved[name] = value
    with app.test_request_context():
        return url_for(endpoint, **resolved)


@pytest.mark.parametrize("key", list(ACCESS), ids=lambda k: f"{k[1]} {k[0]}{' ' + k[2] if k[2] else ''}")
def test_access(app, world, client_as, key):
    endpoint, method, _ = key
    values, expected = ACCESS[key]
    url = _url(app, world, endpoint, values)
    # One world per route: the refused visitors go first, so an allowed POST cannot change what they see.
    roles = sorted(ROLES, key=lambda role: expected[role] == OK)
    wrong = []
    for role in roles:
        client = client_as(role)
        # POSTs carry a valid CSRF token and no fields, so the permission check is what answers, not the form.
        response = client.post(url, data={}) if method == "POST" else client.get(url)
        # Readiness answers 503 by design in this world (no migration stamped, no worker): tests/ops covers it.
        assert response.status_code < 500 or endpoint == "ops.readyz", \
            f"{method} {url} as {role}: " + response.get_data(as_text=True)[:500]
        if outcome(response) != expected[role]:
            wrong.append(f"{role}: expected {expected[role]}, got {response.status_code} {outcome(response)}")
    assert wrong == [], f"{method} {url}: " + "; ".join(wrong)
