"""Log lines an operator can use: time, level, logger and request id on each (JSON when LOG_FORMAT=json), one line
per request, and the rate limiter's fall-back to memory said loudly."""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What a request id from the proxy may be: nginx's $request_id (32 hex digits), a UUID, a trace id. Anything else
# is replaced: it goes into every log line of the request and back into the response.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
HANDLER_MARK = "storyloop_handler"
request_log = logging.getLogger("storyloop.request")


def request_id() -> str:
    """This request's id ("-" outside a request)."""
    if not has_request_context():
        return "-"
    rid = g.get("request_id")
    if rid is None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        rid = g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    return rid


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", None) or request_id()
        return True


def _time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """2026-11-28T10:00:00.123Z INFO storyloop.request [3f2a…] GET /stories 200 12ms 203.0.113.9"""

    def format(self, record: logging.LogRecord) -> str:
        line = (f"{_time(record)} {record.levelname} {record.name} [{getattr(record, 'request_id', '-')}] "
                f"{record.getMessage()}")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, request_id, message, and the request's fields when logged."""

    FIELDS = ("method", "path", "status", "duration_ms", "remote_addr", "endpoint")

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": _time(record), "level": record.levelname, "logger": record.name,
                 "request_id": getattr(record, "request_id", "-"), "message": record.getMessage()}
        entry.update({name: getattr(record, name) for name in self.FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class LimiterFallbackIsLoud(logging.Filter):
    """Flask-Limiter says "falling back to in-memory storage" as a warning: an operator must see it as an error
    (every limit is now per process), with the setting to look at."""

    def __init__(self, uri: str) -> None:
        super().__init__()
        self.uri = uri

    def filter(self, record: logging.LogRecord) -> bool:
        if "falling back to in-memory storage" in str(record.msg):
            record.levelno, record.levelname = logging.ERROR, "ERROR"
            host = re.sub(r"//[^@/]*@", "//", self.uri)  # never a password in a log line
            record.msg = (f"Rate limit storage unreachable (RATELIMIT_STORAGE_URI {host}): each process now counts "
                          "limits in its own memory until it answers again")
            record.args = ()
        return True


def formatter_for(config) -> logging.Formatter:
    return JsonFormatter() if config.get("LOG_FORMAT") == "json" else TextFormatter()


def configure(config) -> None:
    """Root logging for the web and the worker: one handler on stderr, our format. Replaces the handler an earlier
    app of this process installed (tests build many apps) and leaves others' handlers (pytest's) alone."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, HANDLER_MARK, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, HANDLER_MARK, True)
    handler.setFormatter(formatter_for(config))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(getattr(logging, config.get("LOG_LEVEL", "INFO"), logging.INFO))
    limiter_log = logging.getLogger("flask-limiter")
    for old in [f for f in limiter_log.filters if isinstance(f, LimiterFallbackIsLoud)]:
        limiter_log.removeFilter(old)
    limiter_log.addFilter(LimiterFallbackIsLoud(config.get("RATELIMIT_STORAGE_URI", "")))


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish(response):
    response.headers[REQUEST_ID_HEADER] = request_id()
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    request_log.info("%s %s %s %sms %s", request.method, request.path, response.status_code, duration,
                     request.remote_addr,
                     extra={"method": request.method, "path": request.path, "status": response.status_code,
                            "duration_ms": duration, "remote_addr": request.remote_addr,
                            "endpoint": request.endpoint or "-"})
    return response


def init_app(app: Flask) -> None:
    if not app.config.get("TESTING") or app.config.get("LOG_CONFIGURE"):
        configure(app.config)
    else:
        # Tests: pytest's own capture shows the records; the request id and the loud fall-back still apply.
        limiter_log = logging.getLogger("flask-limiter")
        for old in [f for f in limiter_log.filters if isinstance(f, LimiterFallbackIsLoud)]:
            limiter_log.removeFilter(old)
        limiter_log.addFilter(LimiterFallbackIsLoud(app.config.get("RATELIMIT_STORAGE_URI", "")))
    app.before_request(_start)
    app.after_request(_finish)
