"""The test suite's own instruments: the clock fixture (app time and signed links) and the query counter."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from app.accounts.models import User
from app.accounts.tokens import EXPIRED, make_token, read_token
from app.errors import Invalid
from app.extensions import Clock, utcnow


def test_a_clock_is_real_time_until_set_and_again_after_reset():
    clock = Clock()
    assert not clock.frozen
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
    clock.set(datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC))
    assert clock.frozen and clock.now() == datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    clock.advance(timedelta(days=-1))
    assert clock.now() == datetime(2030, 5, 5, 7, 8, 9, tzinfo=UTC)
    clock.reset()
    assert not clock.frozen and abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_a_clock_takes_only_aware_times_and_keeps_them_in_utc():
    clock = Clock()
    with pytest.raises(ValueError):
        clock.set(datetime(2030, 1, 1))
    clock.set(datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2030, 1, 1, 10, tzinfo=UTC) and clock.now().tzinfo is UTC


def test_the_clock_fixture_stops_app_time_and_moves_it_when_told(clock):
    first = utcnow()
    assert utcnow() == first == clock.now()
    assert first.microsecond == 0 and first >= datetime.now(UTC) - timedelta(seconds=1)
    assert clock.advance(minutes=90, seconds=1) == first + timedelta(minutes=90, seconds=1) == utcnow()
    assert clock.set(datetime(2031, 2, 3, tzinfo=UTC)) == utcnow() == datetime(2031, 2, 3, tzinfo=UTC)


def test_model_defaults_read_the_clock(session, clock, make_user):
    clock.set(datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC))
    user = make_user()
    session.expire_all()
    assert session.get(User, user.id).created_at == datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_a_signed_link_ages_with_the_clock_not_the_wall(app, clock):
    token = make_token("probe", {"n": 1})
    clock.advance(days=30)
    assert read_token("probe", token, 30 * 24 * 3600) == {"n": 1}  # its last second
    clock.advance(seconds=1)
    with pytest.raises(Invalid) as caught:
        read_token("probe", token, 30 * 24 * 3600)
    assert caught.value.message == EXPIRED


def test_a_link_signed_before_the_clock_went_back_is_not_trusted(app, clock):
    token = make_token("probe", {"n": 1})
    clock.advance(minutes=-5)  # a token from the future: itsdangerous refuses it as expired
    with pytest.raises(Invalid):
        read_token("probe", token, 3600)


def test_count_queries_counts_each_statement_inside_the_block_only(session, count_queries):
    session.execute(text("SELECT 1"))  # outside: not counted
    with count_queries() as log:
        session.execute(text("SELECT 2"))
        session.scalars(select(User).where(User.email == "nobody@example.org")).all()
    session.execute(text("SELECT 3"))
    assert log.count == 2, log.statements
    assert log.statements[0] == "SELECT 2" and "FROM users" in log.statements[1]
    assert log.executed[1][1]  # the parameters come with each statement


def test_count_queries_sees_what_a_request_sends(client, count_queries):
    client.get("/terms")  # the first request loads what the app caches
    with count_queries() as log:
        assert client.get("/api/v1/providers").status_code == 200
    assert any("providers" in statement for statement in log.statements), log.statements
