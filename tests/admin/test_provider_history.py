"""The directory's history: a code change and a merge each leave a redirect, which pages, the API's filters and the
dataset follow to the provider's code now, through chains and without loops; codes are never reused."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.admin import providers
from app.audit import AuditEvent
from app.directory.models import MERGED, RECODED, Provider, ProviderRedirect
from app.errors import Invalid
from tests.opendata.conftest import export, read_csv


def _redirects(session) -> dict[str, tuple[str, str]]:
    session.expire_all()
    return {r.code: (r.provider.code, r.kind) for r in session.scalars(select(ProviderRedirect))}


def test_a_code_change_leaves_a_redirect_that_pages_and_the_api_follow(admin_client, session, tree, make_story):
    story = make_story(tree["ward"], status="published", title="A story on the ward")
    response = admin_client.post("/admin/providers/H1/code", data={"code-code": "h1-2027", "code-reason": "Register"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/providers/H1-2027")
    assert _redirects(session) == {"H1": ("H1-2027", RECODED)}
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "admin.provider.code")).all()
    assert (event.before["code"], event.after["code"], event.reason) == ("H1", "H1-2027", "Register")
    for old, new in (("/providers/H1", "/providers/H1-2027"), ("/providers/H1/changes", "/providers/H1-2027/changes"),
                     ("/api/v1/providers/H1", "/api/v1/providers/H1-2027"),
                     ("/api/v1/providers/H1/insight", "/api/v1/providers/H1-2027/insight"),
                     ("/feeds/providers/H1/replies.atom", "/feeds/providers/H1-2027/replies.atom")):
        answer = admin_client.get(old)
        assert answer.status_code == 301 and answer.headers["Location"].endswith(new), old
    listed = admin_client.get("/api/v1/stories?provider=h1").get_json()["data"]
    assert [s["id"] for s in listed] == [story.id]
    below = admin_client.get("/api/v1/providers?parent=H1").get_json()["data"]
    assert [p["code"] for p in below] == ["W1"] and below[0]["parent_code"] == "H1-2027"


def test_a_chain_of_merge_and_code_change_is_followed_to_its_end(admin_client, session, tree, make_provider,
                                                                make_story, admin, app, tmp_path):
    dup = make_provider(code="H1DUP", name="Hospital One again", parent=tree["trust"])
    story = make_story(dup, status="published", title="Told about the duplicate")
    session.commit()
    providers.merge(session, admin, dup, "H1")
    providers.change_code(session, admin, session.scalar(select(Provider).where(Provider.code == "H1")), "H2")
    assert _redirects(session) == {"H1DUP": ("H2", MERGED), "H1": ("H2", RECODED)}
    answer = admin_client.get("/providers/H1DUP")
    assert answer.status_code == 301 and answer.headers["Location"].endswith("/providers/H2")
    assert [s["id"] for s in admin_client.get("/api/v1/stories?provider=H1DUP").get_json()["data"]] == [story.id]
    listed = admin_client.get("/api/v1/redirects").get_json()["data"]
    assert {(r["old_code"], r["new_code"], r["kind"]) for r in listed} == {("H1DUP", "H2", "merged"),
                                                                           ("H1", "H2", "recoded")}
    rows = read_csv(export(app, tmp_path / "ds") / "provider_redirects.csv")
    assert {(r["old_code"], r["new_code"], r["kind"]) for r in rows} == {("H1DUP", "H2", "merged"),
                                                                         ("H1", "H2", "recoded")}
    assert all(r["redirected_at"].endswith("Z") for r in rows)


def test_taking_back_an_old_code_makes_no_loop(admin_client, session, tree, admin):
    hospital = tree["hospital"]
    providers.change_code(session, admin, hospital, "H2")
    providers.change_code(session, admin, hospital, "H1")
    assert _redirects(session) == {"H2": ("H1", RECODED)}
    assert admin_client.get("/providers/H1").status_code == 200
    answer = admin_client.get("/providers/H2")
    assert answer.status_code == 301 and answer.headers["Location"].endswith("/providers/H1")


def test_a_code_is_never_reused_nor_taken_from_another(session, tree, admin, make_provider):
    dup = make_provider(code="G1DUP", name="Other Practice again", kind="gp_practice")
    session.commit()
    providers.merge(session, admin, dup, "G1")
    for code, message in (("W1", "is the code of Ward One"), ("g1dup", "was a code of G1"), ("", "Enter the new code"),
                          ("H 1", "only letters, digits"), ("X" * 41, "longer than 40"),
                          ("W1\u200b", "is the code of Ward One"), ("\u202eG1DUP", "was a code of G1")):
        try:
            providers.change_code(session, admin, tree["hospital"], code)
        except Invalid as exc:
            assert message in str(exc.errors or exc.message), (code, exc.errors, exc.message)
        else:
            raise AssertionError(f"{code!r} was taken")
        session.rollback()
    assert _redirects(session) == {"G1DUP": ("G1", MERGED)}
    assert session.get(Provider, tree["hospital"].id).code == "H1"


def test_the_form_shows_a_refused_code_again(admin_client, session, tree):
    response = admin_client.post("/admin/providers/H1/code", data={"code-code": "W1"})
    assert response.status_code == 400 and "is the code of Ward One" in response.get_data(as_text=True)
    assert session.scalars(select(ProviderRedirect)).all() == []


def test_renaming_or_moving_marks_the_services_below_changed(clock, session, tree, admin, client):
    before = {p: session.get(Provider, tree[p].id).updated_at for p in ("hospital", "ward", "other")}
    clock.advance(hours=1)
    providers.change_code(session, admin, tree["trust"], "T2")
    session.expire_all()
    for name in ("hospital", "ward"):  # their parent_code or top_level_code changed
        assert session.get(Provider, tree[name].id).updated_at > before[name], name
    assert session.get(Provider, tree["other"].id).updated_at == before["other"]
    since = (before["hospital"] + timedelta(minutes=30)).isoformat()
    synced = client.get("/api/v1/providers", query_string={"updated_since": since}).get_json()["data"]
    assert {p["code"] for p in synced} == {"T2", "H1", "W1"}
    assert {p["code"]: p["top_level_code"] for p in synced} == {"T2": "T2", "H1": "T2", "W1": "T2"}

    clock.advance(hours=1)
    mark = clock.now()
    providers.move(session, admin, tree["other"], "H1")
    synced = client.get("/api/v1/providers", query_string={"updated_since": mark.isoformat()}).get_json()["data"]
    assert [(p["code"], p["ancestors"]) for p in synced] == [("G1", ["T2", "H1"])]


def test_an_admin_sets_the_service_type_and_a_wrong_one_is_refused(admin_client, session, tree):
    data = {"edit-name": "Ward One", "edit-kind": "department", "edit-service_type": "maternity"}
    assert admin_client.post("/admin/providers/W1/edit", data=data).status_code == 302
    session.expire_all()
    assert session.get(Provider, tree["ward"].id).service_type == "maternity"
    response = admin_client.post("/admin/providers/W1/edit", data={**data, "edit-service_type": "spa"})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Provider, tree["ward"].id).service_type == "maternity"
    assert admin_client.post("/admin/providers/W1/edit", data={**data, "edit-service_type": ""}).status_code == 302
    session.expire_all()
    assert session.get(Provider, tree["ward"].id).service_type is None


def test_an_old_code_is_followed_by_every_page_and_filter_that_takes_a_code(admin_client, client, session, tree,
                                                                          make_story):
    """Found by a black-box check: the follow page and the comparison were 404s for an old code, the story list's
    filter said no service matched it, and the tell page did not choose its service."""
    story = make_story(tree["ward"], status="published", title="A story on the ward")
    assert admin_client.post("/admin/providers/H1/code",
                             data={"code-code": "H1-2027", "code-reason": "Register"}).status_code == 302
    follow = client.get("/providers/H1/follow")
    assert follow.status_code == 301 and follow.headers["Location"].endswith("/providers/H1-2027/follow")
    assert client.get("/providers/NOPE/follow").status_code == 404
    compared = client.get("/compare?parent=h1")
    assert compared.status_code == 200 and "Ward One" in compared.get_data(as_text=True)
    assert client.get("/compare?parent=NOPE").status_code == 404
    listed = client.get("/stories?provider=H1").get_data(as_text=True)
    assert "A story on the ward" in listed and "No service matches" not in listed
    for path in ("/search?q=ward&provider=H1", "/stories?provider=h1"):
        assert "No service matches" not in client.get(path).get_data(as_text=True), path
    tell = client.get("/tell?provider=W1").get_data(as_text=True)
    assert 'value="W1"' in tell
    # The ward keeps its code; a link to the hospital's old one chooses the hospital.
    tell = client.get("/tell?provider=h1").get_data(as_text=True)
    assert 'value="H1-2027"' in tell and 'value="H1"' not in tell
    assert story.id
