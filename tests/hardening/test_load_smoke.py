"""A tiny run of bench/load.py against the live server, so the load script keeps working."""
from __future__ import annotations

import importlib.util
from pathlib import Path


def _load_module():
    spec = importlib.util.spec_from_file_location("load", Path(__file__).resolve().parents[2] / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_load_script_drives_every_page_type_without_errors(live_server, make_story, tree):
    for _ in range(3):
        make_story(tree["ward"], status="published")
    # Long enough to reach every page type on a busy machine.
    result = _load_module().drive(live_server.url, connections=2, duration=5)
    assert result["errors"] == 0, result["error_kinds"]
    assert set(result["by_page"]) == {"story list", "story", "provider", "search"}
    assert result["requests"] > 0
