"""Directory pages: search and browse providers. One provider's page is a composite page (app/pages/provider.py)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from app.directory import finder
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


@bp.route("/providers/find.json")
def find_json():
    """The finder's best matches for the tell page's typeahead (static/js/finder.js): active services only,
    with what a person needs to tell them apart. Public: names, kinds, postcodes and chains are public."""
    found = finder.find(db.session, request.args.get("q", "")[:finder.QUERY_MAX], limit=10)
    response = jsonify({"matches": [{"code": m.code, "name": m.name, "kind": m.kind_label, "above": m.above,
                                     "postcode": m.postcode or ""} for m in found]})
    response.headers["Cache-Control"] = "no-store"
    return response
