"""Load test: 32 connections for 60 s over the story list, a story, a provider page and search, against gunicorn.

    .venv/bin/python bench/load.py                  # builds a demo database, starts gunicorn, drives it, stops it
    .venv/bin/python bench/load.py --url http://127.0.0.1:5000 --duration 30   # an already running site

Reports requests per second, latency percentiles and errors (any non-200 answer or failed connection);
exits 1 when there was any error, since zero errors is the bar.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["nurse", "waiting", "kind", "appointment", "food", "letters", "staff", "pain", "clean", "parking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 (our own site)
        return json.load(response)


def _items(document: dict) -> list[dict]:
    """The list of records in an API page, whatever the envelope's key."""
    for value in document.values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return value
    return []


def targets(base: str) -> dict[str, list[str]]:
    stories = _items(_get_json(base, "/api/v1/stories?limit=100"))
    providers = _items(_get_json(base, "/api/v1/providers?limit=100"))
    if not stories or not providers:
        raise SystemExit("the site has no published stories or providers to load (run `flask demo load`)")
    return {
        "story list": ["/stories"],
        "story": [f"/stories/{s['id']}" for s in stories],
        "provider": [f"/providers/{p['code']}" for p in providers],
        "search": [f"/search?q={w}" for w in WORDS],
    }


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1


def _client(base: str, paths: dict[str, list[str]], stop: threading.Event, stats: Stats, seed: int) -> None:
    """One keep-alive connection, asking for a random page type and page again and again."""
    parts = urlsplit(base)
    rng = random.Random(seed)  # noqa: S311 (choosing pages, not secrets)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    kinds = list(paths)
    while not stop.is_set():
        kind = rng.choice(kinds)
        path = rng.choice(paths[kind])
        started = time.perf_counter()
        error = None
        try:
            conn.request("GET", path, headers={"Accept": "text/html"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                error = f"{response.status} {kind}"
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__} {kind}"
            conn.close()
        stats.add(kind, time.perf_counter() - started, error)
    conn.close()


def _percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


def drive(base: str, connections: int, duration: float) -> dict:
    paths = targets(base)
    stats, stop = Stats(), threading.Event()
    threads = [threading.Thread(target=_client, args=(base, paths, stop, stats, i), daemon=True)
               for i in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    time.sleep(duration)
    stop.set()
    for t in threads:
        t.join(60)
    elapsed = time.perf_counter() - started
    every = [x for values in stats.latencies.values() for x in values]
    return {
        "connections": connections, "seconds": round(elapsed, 1), "requests": len(every),
        "throughput_rps": round(len(every) / elapsed, 1),
        "p50_ms": round(_percentile(every, 0.5) * 1000, 1), "p99_ms": round(_percentile(every, 0.99) * 1000, 1),
        "by_page": {kind: {"requests": len(v), "p99_ms": round(_percentile(v, 0.99) * 1000, 1)}
                    for kind, v in sorted(stats.latencies.items())},
        "errors": sum(stats.errors.values()), "error_kinds": stats.errors,
    }


def _flask(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def serve_demo(stories: int, workers: int, folder: Path) -> tuple[subprocess.Popen, str, dict]:
    """A demo database and search index in a temporary folder, served by gunicorn."""
    env = {**os.environ, "DATABASE_URL": os.environ.get("LOAD_DATABASE_URL") or f"sqlite:///{folder / 'load.db'}",
           "SEARCH_INDEX_DIR": str(folder / "search-index"), "MAIL_FILE_DIR": str(folder / "mail"),
           "SECRET_KEY": "load-test-only", "RATELIMIT_ENABLED": "0"}
    _flask(env, "db", "upgrade")
    _flask(env, "demo", "load", "--stories", str(stories))
    _flask(env, "search", "rebuild")
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers",
                               str(workers), "--threads", "4", "--log-level", "warning", "wsgi:app"],
                              cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()  # noqa: S310
            return server, base, env
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running site; default: start gunicorn on a demo database")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--stories", type=int, default=1000, help="demo stories when starting gunicorn")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1, help="gunicorn workers")
    args = parser.parse_args(argv)
    if args.url:
        result = drive(args.url.rstrip("/"), args.connections, args.duration)
    else:
        with tempfile.TemporaryDirectory(prefix="storyloop-load-") as tmp:
            server, base, _ = serve_demo(args.stories, args.workers, Path(tmp))
            try:
                result = drive(base, args.connections, args.duration)
                result["gunicorn_workers"] = args.workers
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(30)
    print(json.dumps(result, indent=2))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
