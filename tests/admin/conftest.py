"""Fixtures for the console's tests: an admin and a client logged in as them."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, login


@pytest.fixture
def admin(make_user):
    return make_user(email="root@example.org", admin=True, display_name="Ada Admin")


@pytest.fixture
def admin_client(client, admin):
    login(client, admin.email, PASSWORD)
    return client
