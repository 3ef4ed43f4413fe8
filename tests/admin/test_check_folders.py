"""`flask check` tests every folder the site and its worker write: instance, dataset, mail files, the SQLite
database's folder and the search index."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app.admin.cli import find_problems
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
SETPRIV = shutil.which("setpriv")


def _problems(tmp_path, **overrides) -> list[str]:
    app = make_app(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, CONFIG_CHECK=True, **overrides)
    return find_problems(app)[0]


@pytest.fixture
def blocker(tmp_path) -> Path:
    """A file where a folder should be: unusable for any user, root included."""
    path = tmp_path / "a-file"
    path.write_text("x")
    return path


@pytest.mark.parametrize("setting", ["DATASET_DIR", "MAIL_FILE_DIR", "INSTANCE_DIR"])
def test_each_folder_the_worker_writes_is_checked(tmp_path, blocker, setting):
    problems = _problems(tmp_path, SMTP_HOST=None, **{setting: str(blocker / "folder")})
    named = {"INSTANCE_DIR": "STORYLOOP_INSTANCE_DIR"}.get(setting, setting)
    found = [p for p in problems if f"({named}) is not writable" in p]
    assert len(found) == 1, problems
    assert str(blocker / "folder") in found[0] and f"Fix its owner or {named}." in found[0]


def test_the_sqlite_database_folder_is_checked(tmp_path, blocker):
    app = make_app(f"sqlite:///{blocker / 'db' / 'storyloop.db'}", tmp_path, SMTP_HOST=None, CONFIG_CHECK=True)
    problems = find_problems(app)[0]
    assert [p for p in problems if "(DATABASE_URL) is not writable" in p]


def test_the_mail_folder_is_not_needed_with_a_relay(tmp_path, blocker, smtp_server):
    problems = _problems(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port,
                         MAIL_FILE_DIR=str(blocker / "mail"))
    assert not [p for p in problems if "MAIL_FILE_DIR" in p]


def test_writable_folders_pass_even_before_they_exist(tmp_path):
    problems = _problems(tmp_path, SMTP_HOST=None, DATASET_DIR=str(tmp_path / "new" / "dataset"),
                         MAIL_FILE_DIR=str(tmp_path / "new" / "mail"))
    assert not [p for p in problems if "not writable" in p], problems


@pytest.mark.skipif(SETPRIV is None or os.geteuid() != 0, reason="runs the check as nobody, which needs root")
def test_a_folder_this_user_may_not_write_is_reported_by_the_command():
    """As a real deployment fails: the worker's user cannot write where root made the dataset folder."""
    base = Path(tempfile.mkdtemp(prefix="storyloop-check-"))
    try:
        base.chmod(0o755)
        ours = base / "ours"  # the service user's own folder
        ours.mkdir()
        ours.chmod(0o777)
        locked = base / "dataset"  # root's, read-only for others
        locked.mkdir(mode=0o755)
        keep = ("PATH", "LANG", "LC_ALL", "HOME")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update({"STORYLOOP_INSTANCE_DIR": str(ours / "instance"), "SECRET_KEY": "a-real-secret-for-this-test",
                    "DATABASE_URL": f"sqlite:///{ours / 'check.db'}", "FLASK_DEBUG": "0", "HOME": str(ours),
                    "DATASET_DIR": str(locked), "MAIL_FILE_DIR": str(ours / "mail"),
                    "SEARCH_INDEX_DIR": str(ours / "search-index")})
        result = subprocess.run([SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
                                 "flask", "--app", "wsgi", "check"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 1, result.stdout + result.stderr
        lines = result.stderr.splitlines()
        assert [line for line in lines if line.startswith(f"error: The folder {locked} (DATASET_DIR) is not writable")]
        assert lines[-1] == "1 problem found."
    finally:
        shutil.rmtree(base, ignore_errors=True)
