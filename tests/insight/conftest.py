"""Helpers for insight tests: dates in months counted back from now, and a snapshot of the aggregates."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import utcnow
from app.insight.aggregates import add_months, month_of, rebuild
from app.insight.models import ProviderMonth, ProviderMonthTag, ProviderMonthWait


def months_ago(k: int, day: int = 10, hour: int = 12) -> datetime:
    month = add_months(month_of(utcnow()), -k)
    return datetime(month.year, month.month, day, hour, tzinfo=UTC)


def snapshot(session) -> tuple[set, set, set]:
    cols = [c for c in ProviderMonth.__table__.c if c.name != "updated_at"]
    return (set(session.execute(select(*cols)).tuples()),
            set(session.execute(select(*ProviderMonthTag.__table__.c)).tuples()),
            set(session.execute(select(*ProviderMonthWait.__table__.c)).tuples()))


def assert_same_as_rebuild(session) -> None:
    """The figures kept up to date event by event equal those recomputed from scratch."""
    session.expire_all()
    kept = snapshot(session)
    rebuild(session)
    assert snapshot(session) == kept


@pytest.fixture
def people(make_user, tree):
    return {
        "moderator": make_user(email="mod@example.org", moderator=True),
        "ward_manager": make_user(email="wardmanager@nhs.example", provider=tree["ward"], role="manager"),
        "trust_manager": make_user(email="trustlead@nhs.example", provider=tree["trust"], role="manager"),
        "responder": make_user(email="responder@nhs.example", provider=tree["ward"]),
    }
