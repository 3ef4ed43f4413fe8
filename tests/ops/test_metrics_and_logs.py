"""/metrics under two real gunicorn processes adds their counts up; it is closed without its token. Each request's
log line carries the request id the proxy sent (echoed in the response) and the client's address behind the
proxy. Sentry starts only with a DSN."""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from app.admin.models import WorkerHeartbeat
from app.extensions import utcnow
from app.jobs import JobRun
from app.mail.services import queue_email
from app.web.logs import JsonFormatter, RequestIdFilter, TextFormatter
from tests.conftest import _free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-this-test"


def _value(text: str, series: str) -> float:
    found = re.search(r"^" + re.escape(series) + r" ([0-9.e+]+)$", text, re.M)
    assert found, f"no {series} in:\n{text[:3000]}"
    return float(found.group(1))


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    """The site under gunicorn with two worker processes, one proxy in front (PROXY_COUNT=1), on this test's
    database; its log (stderr) in a file."""
    port = _free_port()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SMTP_", "RATELIMIT_", "SEARCH_", "DATABASE_", "MAIL_", "FLASK_", "LOG_"))}
    env.update({"DATABASE_URL": database_url, "SECRET_KEY": "gunicorn-metrics-test", "SITE_URL": "http://127.0.0.1",
                "STORYLOOP_INSTANCE_DIR": str(tmp_path / "instance"), "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                "PROMETHEUS_MULTIPROC_DIR": str(multiproc), "METRICS_TOKEN": TOKEN, "PROXY_COUNT": "1",
                "RATELIMIT_ENABLED": "0", "PAGE_CACHE_MB": "0"})
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                    "wsgi:app"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)  # real time: a separate server process is starting
        yield url, multiproc, log
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_metrics_add_up_across_two_gunicorn_processes(gunicorn, session):
    url, multiproc, _ = gunicorn
    queue_email(session, "reader@example.org", "confirm_email", "Waiting", link="http://localhost/x")
    session.add(JobRun(name="dataset", failures=2, last_seconds=3))
    session.add(WorkerHeartbeat(name="worker-host:1", seen_at=utcnow() - timedelta(seconds=5)))
    session.commit()

    def scrape() -> str:
        response = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
        assert response.status_code == 200, response.text[:500]
        return response.text

    before = scrape()
    served_before = (_value(before, 'storyloop_http_requests_total{endpoint="web.terms",method="GET",status="200"}')
                     if "web.terms" in before else 0)
    # Many at once, so both processes take some; on a busy machine one may take a whole batch, so send more
    # batches (at most ten) until both have served.
    n, pids = 0, set()
    while len(pids) < 2 and n < 400:
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda _: requests.get(f"{url}/terms", timeout=30).status_code, range(40)))
        assert statuses == [200] * 40
        n += 40
        pids = {p.name.split("_")[-1] for p in multiproc.glob("counter_*.db")}
    assert len(pids) >= 2, f"one process served everything: {sorted(pids)}"
    for _ in range(4):  # whichever process answers the scrape, it counts every process's requests
        text = scrape()
        served = _value(text, 'storyloop_http_requests_total{endpoint="web.terms",method="GET",status="200"}')
        assert served - served_before == n
        assert _value(text, 'storyloop_http_request_duration_seconds_count{endpoint="web.terms"}') >= n
    assert _value(text, 'storyloop_outbox_messages{status="queued"}') == 1
    assert _value(text, "storyloop_outbox_oldest_due_age_seconds") >= 0
    assert _value(text, "storyloop_search_queue_length") == 0
    assert _value(text, 'storyloop_job_failures_in_a_row{job="dataset"}') == 2
    assert _value(text, 'storyloop_job_last_duration_seconds{job="dataset"}') == 3
    assert _value(text, 'storyloop_worker_heartbeat_age_seconds{worker="worker-host:1"}') >= 5
    assert _value(text, "storyloop_workers_live") == 1


def test_metrics_are_closed_without_the_token(gunicorn):
    url, _, _ = gunicorn
    assert requests.get(f"{url}/metrics", timeout=10).status_code == 403
    assert requests.get(f"{url}/metrics", headers={"Authorization": "Bearer guess"}, timeout=10).status_code == 403
    assert requests.get(f"{url}/metrics", headers={"Authorization": f"Basic {TOKEN}"}, timeout=10).status_code == 403


def test_metrics_do_not_exist_without_a_token_setting(client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_the_proxys_request_id_and_client_address_are_in_the_log_line_and_the_response(gunicorn):
    url, _, log = gunicorn
    response = requests.get(f"{url}/stories", headers={"X-Request-ID": "proxy-id-4b1d9e",
                                                       "X-Forwarded-For": "203.0.113.9"}, timeout=30)
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "proxy-id-4b1d9e"
    made = requests.get(f"{url}/stories", timeout=30).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    deadline = time.monotonic() + 10
    while "proxy-id-4b1d9e" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)  # real time: another process writes the log
    [line] = [line for line in log.read_text().splitlines() if "proxy-id-4b1d9e" in line]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO storyloop\.request \[proxy-id-4b1d9e\] "
                    r"GET /stories 200 [0-9.]+ms 203\.0\.113\.9$", line), line


@pytest.mark.parametrize("given", ["a b", "x" * 200, "<script>", "id\r\nSet-Cookie: x=1", ""])
def test_a_request_id_that_is_not_one_is_replaced(client, given):
    response = client.get("/healthz", headers={"X-Request-ID": given} if "\n" not in given else {})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def _record(message: str, **extra) -> logging.LogRecord:
    record = logging.LogRecord("storyloop.request", logging.INFO, __file__, 1, message, (), None)
    record.__dict__.update(extra)
    return record


def test_json_log_lines_carry_time_level_logger_and_request_id(app):
    with app.test_request_context("/stories", headers={"X-Request-ID": "abc-123"}):
        record = _record("GET /stories 200", method="GET", status=200)
        RequestIdFilter().filter(record)
        entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "abc-123" and entry["level"] == "INFO" and entry["logger"] == "storyloop.request"
    assert entry["message"] == "GET /stories 200" and entry["status"] == 200 and entry["time"].endswith("Z")
    outside = _record("worker line")
    RequestIdFilter().filter(outside)
    assert " [-] worker line" in TextFormatter().format(outside)


def test_the_worker_logs_each_batch_and_each_job_run(app, session, deliver, caplog):
    queue_email(session, "reader@example.org", "confirm_email", "Hello", link="http://localhost/x")
    session.commit()
    with caplog.at_level(logging.INFO):
        deliver()
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("outbox batch of 1: 1 sent, 0 failed") for m in messages), messages
    assert any(re.match(r"scheduled job digests: done in \d+ s", m) for m in messages), messages


@pytest.mark.parametrize("dsn", [None, "https://key@sentry.example.org/1"])
def test_sentry_starts_only_with_a_dsn(monkeypatch, database_url, tmp_path, dsn):
    import sentry_sdk

    from tests.conftest import make_app

    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    make_app(database_url, tmp_path, SENTRY_DSN=dsn)
    if dsn is None:
        assert calls == []
    else:
        [kwargs] = calls
        assert kwargs["dsn"] == dsn and kwargs["send_default_pii"] is False
        assert kwargs["max_request_body_size"] == "never"
