"""The settings of the tests of kept parts: the page cache off, so every view is a rendered page that reuses only
its kept parts; a test's `@pytest.mark.settings(...)` adds to them. Import `app_overrides` into a test module."""
from __future__ import annotations

import pytest


@pytest.fixture
def app_overrides(request) -> dict:
    marker = request.node.get_closest_marker("settings")
    return {"PAGE_CACHE_MB": 0, **(marker.kwargs if marker else {})}
