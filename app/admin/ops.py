"""The operators' probes: /readyz (readiness, app/admin/readiness.py) and /metrics (app/admin/metrics.py)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.admin import metrics, readiness
from app.extensions import db, limiter

bp = Blueprint("ops", __name__)


@bp.route("/readyz")
@limiter.exempt
def readyz():
    """200 {"status": "ready"}, or 503 with one line per reason. Open to anyone, like /healthz: the lines name
    settings and folders, never an error's text (that may quote data) — `flask check` and the admin page show it."""
    found = readiness.problems(current_app._get_current_object(), db.session)
    if not found:
        return jsonify(status="ready")
    response = jsonify(status="not ready", problems=[p.line for p in found], checks=sorted({p.check for p in found}))
    response.headers["Retry-After"] = "30"
    response.headers["Cache-Control"] = "no-store"
    return response, 503


@bp.route("/metrics")
@limiter.exempt
def metrics_page():
    return metrics.response()
