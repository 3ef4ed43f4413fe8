"""A provider's "You said, we did" page: the changes made at it and below it, each with the story behind it."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app.directory.services import ancestors, descendant_ids, get_by_code, normalise_code
from app.extensions import db
from app.insight import changes as listing
from app.pages.blueprint import bp
from app.replies.models import VERDICTS


@bp.route("/providers/<code>/changes")
def changes(code: str):
    if code != normalise_code(code):
        return redirect(url_for("pages.changes", code=normalise_code(code), after=request.args.get("after")), 301)
    provider = get_by_code(db.session, code)
    subtree = descendant_ids(db.session, provider.id)
    page = listing.made_changes(db.session, subtree, request.args.get("after"), size=listing.PAGE_SIZE)
    return render_template("pages/changes.html", provider=provider, trail=ancestors(db.session, provider),
                           below=len(subtree) > 1, changes=page, verdict_shown=listing.verdict_shown, verdicts=VERDICTS)
