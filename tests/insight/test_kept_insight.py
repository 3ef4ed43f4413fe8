"""The insight page's figures are the same for every viewer: signed-in staff get them kept per content version,
never older than the data, never in the other language, and never someone else's page."""
from __future__ import annotations

import pytest

from app.insight.aggregates import rebuild

from ..conftest import login


@pytest.fixture
def manager(session, people, tree, make_story):
    for place in ("ward", "hospital", "trust"):
        make_story(tree[place], status="published", title=f"Insight story at {place}")
    rebuild(session)
    session.commit()
    return people["trust_manager"]


def queries(client, count_queries, url: str) -> tuple[int, str]:
    with count_queries() as log:
        response = client.get(url)
    assert response.status_code == 200
    return log.count, response.get_data(as_text=True)


def test_signed_in_staff_get_the_figures_kept_until_the_data_changes(client, session, tree, manager,
                                                                     count_queries):
    login(client, manager.email)
    first, body = queries(client, count_queries, "/providers/T1/insight")
    kept, kept_body = queries(client, count_queries, "/providers/T1/insight")
    assert kept < first  # the figures' queries ran once
    assert "Insight: Trust One" in kept_body and "Log out" in kept_body  # still this viewer's own layout
    # Any change a public page could show moves the content version: the next view is rendered again.
    tree["trust"].name = "Trust Renamed"
    session.commit()
    again, body = queries(client, count_queries, "/providers/T1/insight")
    assert again == first and "Insight: Trust Renamed" in body and "Trust One" not in body.split("<main")[1]


def test_kept_figures_are_per_language_and_per_provider(client, manager):
    login(client, manager.email)
    assert "Insight: Trust One" in client.get("/providers/T1/insight").get_data(as_text=True)
    welsh = client.get("/providers/T1/insight?lang=cy").get_data(as_text=True)
    assert "Mewnwelediad: Trust One" in welsh and "Insight: Trust One" not in welsh
    english = client.get("/providers/T1/insight?lang=en").get_data(as_text=True)
    assert "Insight: Trust One" in english
    assert "Insight: Hospital One" in client.get("/providers/H1/insight").get_data(as_text=True)


@pytest.mark.settings(PAGE_CACHE_MB=0, FRAGMENT_CACHE_MB=0)
def test_with_keeping_off_the_figures_are_rendered_every_time(client, manager, count_queries):
    login(client, manager.email)
    client.get("/providers/T1/insight")  # the process keeps the trust's subtree (a value, not a fragment)
    first, _ = queries(client, count_queries, "/providers/T1/insight")
    again, _ = queries(client, count_queries, "/providers/T1/insight")
    assert again == first
