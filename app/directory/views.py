"""Directory pages: search and browse providers. One provider's page is a composite page (app/pages/provider.py)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from app.directory.models import KINDS, Provider
from app.directory.services import search_query
from app.extensions import db
from app.web.pagination import keyset_page

bp = Blueprint("directory", __name__)


@bp.route("/providers")
def index():
    q = request.args.get("q", "")[:200]
    kind = request.args.get("kind") or None
    if kind not in KINDS:
        kind = None
    page = keyset_page(db.session, search_query(q, kind), [Provider.name, Provider.id],
                       lambda p: (p.name, p.id), request.args.get("after"), size=25)
    return render_template("directory/index.html", q=q, kind=kind, kinds=KINDS, page=page)
