"""Starts a several-node Storyloop on this machine: real gunicorn and outbox processes on one PostgreSQL."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def scratch_database(base_url: str, suffix: str) -> str:
    """A fresh database named after TEST_DATABASE_URL's (never that database itself)."""
    url = make_url(base_url)
    name = f"{url.database}_{suffix}"
    assert name != url.database
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def flask(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, input=stdin,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result


@dataclass
class Topology:
    env: dict
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def start(self, name: str, args: list[str], **extra_env: str) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115  (closed with the process)
        process = subprocess.Popen(args, cwd=ROOT, env={**self.env, **extra_env}, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        process.log = log
        self.processes.append(process)
        return process

    def web(self, port: int) -> None:
        self.start(f"web-{port}", [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                   "wsgi:app"])
        self.urls.append(f"http://127.0.0.1:{port}")

    def worker(self, n: int) -> None:
        self.start(f"worker-{n}", [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "work"])

    def wait_until_up(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        for url in self.urls:
            while True:
                try:
                    if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, f"{url} did not start: {self.log_tail()}"
                time.sleep(0.2)  # real time: a separate server process is starting (the clock fixture is ours only)

    def log_tail(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(self.logs.glob("*.log")))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
            process.log.close()


def environment(database_url: str, tmp_path: Path, smtp_port: int, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SMTP_", "RATELIMIT_", "SEARCH_", "DATABASE_", "MAIL_", "FLASK_"))}
    env.update({
        "DATABASE_URL": database_url, "SECRET_KEY": "topology-test-secret-" + uuid.uuid4().hex,
        "SITE_URL": "http://127.0.0.1", "STORYLOOP_INSTANCE_DIR": str(tmp_path / "instance"),
        "SEARCH_BACKEND": "postgres", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
        # Each run its own keys in the shared Redis: parallel runs never count each other's requests.
        "RATELIMIT_KEY_PREFIX": f"storyloop-test-{uuid.uuid4().hex}",
        "MAIL_POLL_SECONDS": "1", "MAIL_RETRY_BASE_SECONDS": "1", "DATASET_MIN_INTERVAL_SECONDS": "100000",
        "WEB_CONCURRENCY": "2", "OUTBOX_WORKERS": "2",
    })
    env.update(extra)
    return env


class Browser(requests.Session):
    """A visitor: cookies kept, each form POST carrying the page's CSRF token."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base + path

    def get(self, path: str, **kwargs):  # type: ignore[override]
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        return super().get(self.url(path), **kwargs)

    def csrf(self) -> str:
        from tests.conftest import csrf_token_in

        return csrf_token_in(self.get("/terms").text, lambda: self.get("/account/login").text)

    def post(self, path: str, data=None, token_field: str = "csrf_token", **kwargs):  # type: ignore[override]
        data = dict(data or {})
        data.setdefault(token_field, self.csrf())
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        return super().post(self.url(path), data=data, **kwargs)

    def login(self, email: str, password: str = PASSWORD):
        response = self.post("/account/login", {"email": email, "password": password})
        assert response.status_code == 302, response.text[:1000]
        return response


def wait_for(condition, timeout: float = 60, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.25)  # real time: what we wait for happens in other processes, which no test clock reaches
