"""The demo never shows one text twice on a page of /stories: its units are drawn as a deck (each once before any
again), and stories are dated in draw order, so a unit's repeats lie far apart in time."""
from __future__ import annotations

import random
import re
from collections import Counter

from sqlalchemy import select

from app.demo.corpus import UNITS
from app.demo.stories import Deck
from app.stories.models import Story

PAGES = 5  # the first pages of /stories, as the public reads them
RUN = 30  # draws that make one page of /stories (20 published stories, with the other states among them)


def _pages(client, pages: int) -> list[list[int]]:
    """The story ids on each of the first `pages` pages of /stories, following its "Older stories" link."""
    found, url = [], "/stories"
    for _ in range(pages):
        html = client.get(url).get_data(as_text=True)
        found.append([int(i) for i in re.findall(r'<h[23][^>]*><a href="/stories/(\d+)">', html)])
        older = re.search(r'href="(/stories\?after=[^"]+)"', html)
        if not older:
            break
        url = older.group(1).replace("&amp;", "&")
    return found


def test_no_page_of_stories_shows_one_text_twice_after_the_default_demo_load(app, session, client):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    bodies = dict(session.execute(select(Story.id, Story.body)).tuples().all())
    pages = _pages(client, PAGES)
    assert len(pages) == PAGES and all(len(page) == 20 for page in pages)
    for number, page in enumerate(pages, 1):
        repeated = [body[:60] for body, n in Counter(bodies[i] for i in page).items() if n > 1]
        assert not repeated, f"page {number} shows the same text twice: {repeated}"
    # The default load's own stories (the loop's are told first) use as many texts as they can.
    made = int(re.search(r"(\d+) stories added", result.output).group(1))
    loaded = list(session.scalars(select(Story.body).order_by(Story.id.desc()).limit(made)))
    assert len(set(loaded)) >= min(len(UNITS), made)


def test_the_deck_draws_every_unit_once_before_any_again_and_the_same_for_a_seed():
    units = list(UNITS)
    deck = Deck(random.Random(7), units)
    draws = [deck.draw() for _ in range(6 * len(units))]
    for start in range(0, len(draws), len(units)):
        assert len({id(u) for u in draws[start:start + len(units)]}) == len(units)
    # Across the seam of two passes too, no unit comes back within a page's run of draws.
    for i in range(len(draws)):
        window = draws[i:i + RUN]
        assert len({id(u) for u in window}) == len(window), i
    again = Deck(random.Random(7), units)
    assert [again.draw() for _ in range(len(draws))] == draws
    other = Deck(random.Random(8), units)
    assert [other.draw() for _ in range(len(units))] != draws[:len(units)]
