"""List pages load what they show in a fixed number of SQL queries, however many rows they show."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import utcnow
from app.replies.models import Change, Reply
from app.stories.models import PUBLISHED, Tag


@pytest.fixture
def add_stories(session, tree, make_provider, make_story):
    """Published stories spread over the trust's subtree, each with tags, a reply and a change."""
    tags = list(session.scalars(select(Tag).order_by(Tag.id).limit(3)))
    # Many providers, so that a provider loaded story by story shows as more queries for more rows.
    places = [tree["trust"], tree["hospital"], tree["ward"]] + [
        make_provider(code=f"W{i}", name=f"Ward {i}", kind="department", parent=tree["hospital"])
        for i in range(2, 9)]
    made = {"n": 0}

    def add(count: int) -> None:
        now = utcnow()
        for _ in range(count):
            made["n"] += 1
            story = make_story(places[made["n"] % len(places)], status=PUBLISHED, title=f"Listed story {made['n']}")
            story.published_at = now - timedelta(minutes=made["n"])
            story.tags = tags[: 1 + made["n"] % 3]
            story.response_status = "change_planned"
            story.first_reply_at = now
            session.add(Reply(story_id=story.id, kind="staff", provider_id=story.provider_id,
                              responder_name="Sam Staff", body="Thank you for telling us.", status="visible",
                              published_at=now))
            session.add(Change(story_id=story.id, provider_id=story.provider_id, reporter_name="Sam Staff",
                               kind="planned", description="We will call back within a day.", status="visible"))
        session.commit()

    return add


@pytest.fixture
def app_overrides() -> dict:
    return {"PAGE_CACHE_MB": 0, "FRAGMENT_CACHE_MB": 0}  # the queries of rendering a page, not of serving a kept one


@pytest.fixture
def queries_for(client, count_queries):
    def count(url: str) -> int:
        with count_queries() as log:
            response = client.get(url)
        assert response.status_code == 200
        return log.count

    return count


@pytest.mark.parametrize("url", ["/stories", "/providers/T1", "/api/v1/stories", "/api/v1/stories?provider=T1"])
def test_list_page_queries_do_not_grow_with_its_rows(client, add_stories, queries_for, url):
    add_stories(2)
    queries_for(url)  # the first request also loads what the app caches
    few = queries_for(url)
    add_stories(30)  # more than a page: a full page of rows, each with its own provider, tags and reply
    many = queries_for(url)
    body = client.get(url).get_data(as_text=True)
    assert body.count("Listed story") >= 20  # the page really shows a full page of rows
    assert many == few
