"""The "You said, we did" page: only public changes made, at the provider and below it, newest first, a page at a
time, each with its story, due date, evidence and the author's verdict where the public may see it."""
from __future__ import annotations

import re

import pytest

from app.insight import changes as listing
from tests.insight.conftest import build_accountability, install_clock


@pytest.fixture
def clock(app, monkeypatch):
    return install_clock(monkeypatch)


@pytest.fixture
def accountability(session, tree, make_user, make_story, clock):
    return build_accountability(session, tree, make_user, make_story, clock)


def _listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="change change-made" id="changes-(\d+)"', page)]


def test_lists_only_public_changes_made_at_the_provider_and_below(client, accountability):
    c = accountability["changes"]
    page = client.get("/providers/T1/changes").get_data(as_text=True)
    # Newest first by the day made: 10 June (ward), 1 June (ward), 20 May (hospital), 2 January (the trust).
    assert _listed(page) == [c["confirmed"].id, c["dispute_unchecked"].id, c["disputed"].id, c["not_yet"].id]
    for hidden in ("Made on a withdrawn story", "Waiting for a moderator", "Hidden by a moderator",
                   "Made somewhere else", "A planned change"):
        assert hidden not in page
    ward = client.get("/providers/W1/changes").get_data(as_text=True)
    assert _listed(ward) == [c["confirmed"].id, c["dispute_unchecked"].id]
    assert _listed(client.get("/providers/G1/changes").get_data(as_text=True)) == [c["elsewhere"].id]


def test_each_change_shows_its_story_due_date_evidence_and_verdict(client, accountability):
    c, stories = accountability["changes"], accountability["stories"]
    page = client.get("/providers/T1/changes").get_data(as_text=True)
    confirmed = page.split(f'id="changes-{c["confirmed"].id}"', 1)[1].split("</article>", 1)[0]
    assert f'href="/stories/{stories[0].id}#changes-{c["confirmed"].id}"' in confirmed
    assert stories[0].title in confirmed
    assert "To be done by 05 June 2026: made 5 days after that date" in confirmed
    assert "The new rota is on the board." in confirmed
    assert '<a href="https://example.org/rota" rel="nofollow ugc noopener">' in confirmed
    assert "The author confirms it" in confirmed and "at Ward One" in confirmed
    assert "Private thanks" not in page  # a confirmation's note is not checked by anyone: never shown
    disputed = page.split(f'id="changes-{c["disputed"].id}"', 1)[1].split("</article>", 1)[0]
    assert "The author disputes it" in disputed and "The queue is just as long as before." in disputed
    unchecked = page.split(f'id="changes-{c["dispute_unchecked"].id}"', 1)[1].split("</article>", 1)[0]
    assert "disputes" not in unchecked and "Unchecked words" not in page  # not until a moderator checked it
    not_yet = page.split(f'id="changes-{c["not_yet"].id}"', 1)[1].split("</article>", 1)[0]
    assert "To be done by" not in not_yet and "verdict" not in not_yet  # never planned; "not yet" is not shown
    assert "@" not in re.sub(r"https?://\S+", "", page.split('id="main"', 1)[1].split("</main>", 1)[0])


def test_keyset_pages_newest_first(client, session, accountability, monkeypatch):
    c = accountability["changes"]
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    first = client.get("/providers/T1/changes").get_data(as_text=True)
    assert _listed(first) == [c["confirmed"].id, c["dispute_unchecked"].id, c["disputed"].id]
    after = re.search(r'href="/providers/T1/changes\?after=([^"]+)"', first).group(1)
    second = client.get(f"/providers/T1/changes?after={after}").get_data(as_text=True)
    assert _listed(second) == [c["not_yet"].id] and "Older changes" not in second
    # A change made on the same day as another, reported later, comes first among them; no date given: last.
    from app.replies.models import Change

    stories = accountability["stories"]
    same_day = Change(story_id=stories[1].id, provider_id=stories[1].provider_id, kind="made",
                      description="Same day", made_on=c["disputed"].made_on)
    undated = Change(story_id=stories[1].id, provider_id=stories[1].provider_id, kind="made", description="No date")
    session.add_all([same_day, undated])
    session.commit()
    ids = [c["confirmed"].id, c["dispute_unchecked"].id, same_day.id, c["disputed"].id, c["not_yet"].id, undated.id]
    seen, cursor = [], None
    while True:
        page = listing.made_changes(session, [p for p in {s.provider_id for s in stories}], cursor, size=2)
        seen += [x.id for x in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == ids


def test_unknown_code_and_normalised_code(client, accountability):
    assert client.get("/providers/NOPE/changes").status_code == 404
    moved = client.get("/providers/%20w1%20/changes")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/providers/W1/changes")
    assert client.get("/providers/w1/changes?after=whatever").headers["Location"].endswith(
        "/providers/W1/changes?after=whatever")
    for bad in ("x", "WyIyMDI2LTEzLTQwIiwgMV0", "WzEsIDJd", "W1siYSJdLCAxXQ"):  # nonsense, 2026-13-40, [1, 2], ...
        response = client.get(f"/providers/T1/changes?after={bad}")
        assert response.status_code == 200 and len(_listed(response.get_data(as_text=True))) == 4


def test_provider_page_links_to_it(client, tree):
    page = client.get("/providers/H1").get_data(as_text=True)
    assert 'href="/providers/H1/changes"' in page
    empty = client.get("/providers/H1/changes").get_data(as_text=True)
    assert "No changes made have been reported here yet." in empty
