"""`flask --app wsgi check`: each configuration mistake gets one clear line and a non-zero exit."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.admin.cli import find_problems
from tests.conftest import _free_port, make_app

ROOT = Path(__file__).resolve().parents[2]


def run_check(tmp_path, **env) -> subprocess.CompletedProcess:
    ours = ("SMTP_", "RATELIMIT_", "SEARCH_", "DATABASE_", "WEB_CONCURRENCY", "OUTBOX_WORKERS", "MAIL_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    base.update({"STORYLOOP_INSTANCE_DIR": str(tmp_path / "instance"), "SECRET_KEY": "a-real-secret-for-this-test",
                 "DATABASE_URL": f"sqlite:///{tmp_path / 'check.db'}", "FLASK_DEBUG": "0"})
    base.update({k: v for k, v in env.items() if v is not None})
    for k in [k for k, v in env.items() if v is None]:
        base.pop(k, None)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check"], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=120)


def test_a_sound_configuration_passes(tmp_path, smtp_server):
    result = run_check(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port))
    assert result.returncode == 0, result.stderr
    assert "Configuration looks right." in result.stdout


def test_missing_secret_key_in_production_is_reported_not_a_traceback(tmp_path):
    result = run_check(tmp_path, SECRET_KEY=None, DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "error: SECRET_KEY is not set" in result.stderr
    assert "error: The database" in result.stderr and "does not answer" in result.stderr
    assert "Traceback" not in result.stderr


def test_sqlite_with_several_workers_and_memory_rate_limits(tmp_path):
    result = run_check(tmp_path, WEB_CONCURRENCY="4", OUTBOX_WORKERS="2", RATELIMIT_STORAGE_URI="memory://")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("error: SQLite with 4 web processes and 2 outbox workers") for line in lines)
    assert any(line.startswith("error: Rate limits are kept in memory with 4 web processes") for line in lines)
    assert lines[-1] == "2 problems found."


def test_unreachable_smtp_and_redis(tmp_path):
    closed = _free_port()
    result = run_check(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(closed),
                       RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_free_port()}")
    assert result.returncode == 1
    assert f"error: SMTP relay 127.0.0.1:{closed} is unreachable" in result.stderr
    assert "error: RATELIMIT_STORAGE_URI redis://127.0.0.1:" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_unwritable_index_folder(tmp_path, smtp_server):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, SEARCH_INDEX_DIR=str(locked / "index"),
                       SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
        problems, _ = find_problems(app)
        assert [p for p in problems if p.startswith(f"The search index folder {locked} is not writable")]
    finally:
        locked.chmod(stat.S_IRWXU)


def test_unwritable_index_folder_as_any_user(tmp_path, smtp_server):
    """A file where the folder should be can be made unusable even for root."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, SEARCH_INDEX_DIR=str(blocker / "index"),
                   SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    problems, _ = find_problems(app)
    assert [p for p in problems if "search index folder" in p and "not writable" in p]


@pytest.mark.parametrize("address", ["Safeguarding lead <lead@example.org>", "a@example.org, b@example.org",
                                     "not an address"])
def test_a_safeguarding_address_mail_cannot_go_to_is_reported(tmp_path, smtp_server, address):
    result = run_check(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SAFEGUARDING_EMAIL=address)
    assert result.returncode == 1 and "SAFEGUARDING_EMAIL is" in result.stdout + result.stderr


def test_a_plain_safeguarding_address_passes(tmp_path, smtp_server):
    result = run_check(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port),
                       SAFEGUARDING_EMAIL="safeguarding@example.org")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bank_holiday_region_that_is_not_one_is_reported(tmp_path, smtp_server):
    result = run_check(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port),
                       BANK_HOLIDAYS_REGION="Cornwall")
    assert result.returncode == 1 and "BANK_HOLIDAYS_REGION must be" in result.stdout + result.stderr


@pytest.mark.parametrize("region", ["england", "wales", "scotland", "northern-ireland", "Northern Ireland"])
def test_each_uk_region_passes(tmp_path, smtp_server, region):
    result = run_check(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), BANK_HOLIDAYS_REGION=region)
    assert result.returncode == 0, result.stdout + result.stderr
