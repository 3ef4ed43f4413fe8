"""The search's service filter and the moderation queue's take a service by name through the finder; an
unknown one says so with the close matches, never a silently unfiltered list."""
from __future__ import annotations

from app.demo.cli import load_demo
from tests.conftest import login


def test_search_filter_by_name_and_unknown_service(client, app, session):
    from app.search import services

    load_demo()
    services.rebuild(session, procs=1)
    page = client.get("/search?q=kind&provider=hilside+eye+hospital").get_data(as_text=True)
    assert "about Hillside Eye Hospital and the services within it" in page
    unknown = client.get("/search?q=kind&provider=hillside").get_data(as_text=True)
    assert "No service matches “hillside”" in unknown
    assert "provider=HLT02" in unknown and "stories found" not in unknown


def test_moderation_queue_filter_by_name_and_unknown_service(client, app, make_user):
    load_demo()
    make_user(email="mod@example.org", moderator=True)
    login(client, "mod@example.org")
    page = client.get("/moderation/?provider=zzqx").get_data(as_text=True)
    assert "No service matches “zzqx”" in page and 'aria-invalid="true"' in page
    close = client.get("/moderation/?provider=hillside").get_data(as_text=True)
    assert "Did you mean" in close and "provider=HLT01" in close
    ok = client.get("/moderation/?provider=rivrside+general+hospital").get_data(as_text=True)
    assert "No service matches" not in ok
