"""Directory pages: search and browse providers. One provider's page is a composite page (app/pages/provider.py)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from app.directory import finder
from app.directory.models import KINDS, Provider
from app.directory.services import search_query
from app.extensions import db
from app.web.pagination import keyset_page
from app.web.params import whole_number

bp = Blueprint("directory", __name__)
PAGE_SIZE = 25
FOUND_MAX = 200  # a search shows at most this many matches, best first: beyond, a more precise search helps


@bp.route("/providers")
def index():
    q = request.args.get("q", "")[:200]
    kind = request.args.get("kind") or None
    if kind not in KINDS:
        kind = None
    if q.strip():
        # A search goes through the service finder: best match first, each with its chain, page by page.
        found = [m for m in finder.find(db.session, q, limit=FOUND_MAX) if kind is None or m.kind == kind]
        start = min(whole_number(request.args.get("after"), "after", 0) or 0, FOUND_MAX)
        shown = found[start:start + PAGE_SIZE]
        more = start + PAGE_SIZE if len(found) > start + PAGE_SIZE else None
        return render_template("directory/index.html", q=q, kind=kind, kinds=KINDS, found=shown, more=more,
                               page=None)
    page = keyset_page(db.session, search_query("", kind), [Provider.name, Provider.id],
                       lambda p: (p.name, p.id), request.args.get("after"), size=PAGE_SIZE)
    return render_template("directory/index.html", q=q, kind=kind, kinds=KINDS, page=page, found=None)


@bp.route("/providers/find.json")
def find_json():
    """The finder's best matches for the tell page's typeahead (static/js/finder.js): active services only,
    with what a person needs to tell them apart. Public: names, kinds, postcodes and chains are public."""
    found = finder.find(db.session, request.args.get("q", "")[:finder.QUERY_MAX], limit=10)
    response = jsonify({"matches": [{"code": m.code, "name": m.name, "kind": m.kind_label, "above": m.above,
                                     "postcode": m.postcode or ""} for m in found]})
    response.headers["Cache-Control"] = "no-store"
    return response
