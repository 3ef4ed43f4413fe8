"""Request counts and latency by endpoint, for Prometheus (exposed at /metrics by app/admin/metrics.py).

prometheus-client keeps these in each process, or, when PROMETHEUS_MULTIPROC_DIR is set (gunicorn with several
workers), in files there that /metrics adds up across the processes.
"""
from __future__ import annotations

import time

from flask import Flask, g, request
from prometheus_client import Counter, Histogram

REQUESTS = Counter("storyloop_http_requests", "HTTP requests answered, by endpoint, method and status",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("storyloop_http_request_duration_seconds", "Time to answer a request, by endpoint",
                    ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def _endpoint() -> str:
    # The route's name, never the path: a path per story would be a series per story.
    return request.url_rule.endpoint if request.url_rule is not None else "unmatched"


def _count(response):
    started = g.get("request_started")
    endpoint = _endpoint()
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_count)
