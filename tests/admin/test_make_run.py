"""`make run`: the web process and the mail worker get a SITE_URL on the port served, unless one is set already."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {"worker": ("outbox", "work"), "web": ("gunicorn",)}

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _environments(*args: str, **env: str) -> dict[str, dict[str, str]]:
    """The variables `make run` would set for each of its two processes, read from its dry run (-n prints the
    commands and runs none of them)."""
    base = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "MAKEFLAGS", "MFLAGS")}
    out = subprocess.run(["make", "--no-print-directory", "-n", "run", *args], cwd=ROOT, env={**base, **env},
                         capture_output=True, text=True, timeout=60, check=True).stdout
    found: dict[str, dict[str, str]] = {}
    for line in out.splitlines():
        words = shlex.split(line.strip().rstrip("\\").strip().rstrip("&"))
        assignments = {}
        while words and "=" in words[0] and words[0].split("=", 1)[0].isidentifier():
            name, value = words.pop(0).split("=", 1)
            assignments[name] = value
        if not words:
            continue
        for process, needles in COMMANDS.items():
            if all(any(needle in word for word in words) for needle in needles) and not line.lstrip().startswith(
                    "echo"):
                assert process not in found, f"two {process} commands in:\n{out}"
                found[process] = assignments
    assert set(found) == set(COMMANDS), out
    return found


def test_the_port_given_is_the_site_url_of_both_processes():
    for process, env in _environments("PORT=8080").items():
        assert env.get("SITE_URL") == "http://127.0.0.1:8080", process


def test_without_a_port_the_default_port_is_the_site_url():
    for process, env in _environments().items():
        assert env.get("SITE_URL") == "http://127.0.0.1:5000", process


def test_an_operators_own_site_url_wins():
    for process, env in _environments("PORT=8080", SITE_URL="https://x.example").items():
        assert env.get("SITE_URL") == "https://x.example", process
    for process, env in _environments("PORT=8080", "SITE_URL=https://y.example").items():
        assert env.get("SITE_URL") == "https://y.example", process
