"""The moderator the moderation tests act as, and a browser of their own (apart from the `client` fixture)."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, login


@pytest.fixture
def moderator(make_user):
    return make_user(email="mod@example.org", moderator=True, display_name="Mo Derator")


@pytest.fixture
def mod_client(app, moderator):
    client = app.test_client()
    login(client, "mod@example.org", PASSWORD)
    return client
