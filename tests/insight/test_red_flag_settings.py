"""Red-flag thresholds come from the settings."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.insight.models import RedFlag
from tests.insight.test_red_flags import _publish


@pytest.fixture
def app_overrides():
    return {"RED_FLAG_STORIES": 2, "RED_FLAG_CRITICALITY": 5}


def test_thresholds_come_from_the_settings(session, tree, people, make_story):
    _publish(session, people, make_story, tree["ward"], 4)
    _publish(session, people, make_story, tree["ward"], 5)
    assert session.scalar(select(RedFlag)) is None
    _publish(session, people, make_story, tree["ward"], 5)
    assert session.scalar(select(RedFlag)) is not None
