"""Every feed is well-formed XML whatever the database holds: rows written before the normaliser may carry
controls and noncharacters that XML 1.0 forbids, and one of them would make the whole feed unreadable."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

ATOM = "{http://www.w3.org/2005/Atom}"
FORBIDDEN_IN_XML = "\x01\x02\x08\x0b\x0c\x0e\x1b\x1f\ufffe\uffff"
# What a database can hold (PostgreSQL refuses NUL and lone surrogates in text; so does UTF-8).
stored = st.text(st.one_of(st.sampled_from(list(FORBIDDEN_IN_XML) + ["\u202e", "\x7f", "\x85", "&", "<", "]", ">"]),
                           st.characters(exclude_categories=("Cs",), exclude_characters="\x00")), max_size=60)


@pytest.fixture
def app_overrides():
    return {"PAGE_CACHE_MB": 0}  # each request reads what the test just wrote straight into the database


def _write_raw(session, story_id: int, provider_id: int, title: str, body: str, name: str) -> None:
    # Plain SQL, as an old row or another program would have written it: no normaliser on the way in.
    session.execute(text("UPDATE stories SET title = :t, body = :b, public_name = :n WHERE id = :id"),
                    {"t": title, "b": body, "n": name, "id": story_id})
    session.execute(text("UPDATE providers SET name = :n WHERE id = :id"), {"n": name, "id": provider_id})
    session.commit()


def _entries(client, path: str) -> list:
    response = client.get(path)
    assert response.status_code == 200
    root = ET.fromstring(response.data)  # expat: strict about every character XML 1.0 forbids
    return root.findall(f"{ATOM}entry")


def test_a_title_holding_controls_and_noncharacters_keeps_the_feeds_readable(client, session, record):
    story = record["published"]
    _write_raw(session, story.id, record["ward"].id, f"Night{FORBIDDEN_IN_XML} shift", "Body\x0bwith\ufffe odd "
               "characters, long enough to be a story body.", "Ann\x1b")
    for path in ("/feeds/stories.atom", "/feeds/providers/T1.atom", "/feeds/providers/W1.atom"):
        titles = {e.find(f"{ATOM}title").text for e in _entries(client, path)}
        assert "Night shift" in titles, path


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=stored, body=stored, name=stored)
def test_the_feeds_parse_whatever_text_is_stored(client, session, record, title, body, name):
    _write_raw(session, record["published"].id, record["ward"].id, title or "x", body or "x", name or "x")
    for path in ("/feeds/stories.atom", "/feeds/providers/W1.atom"):
        assert len(_entries(client, path)) >= 1
