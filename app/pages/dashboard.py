"""The staff dashboard: stories waiting for a reply, colleagues' recent replies, red flags and alert settings."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from app.directory.models import Provider
from app.directory.services import subtree_ids
from app.extensions import db
from app.insight.flags import open_flags
from app.pages.blueprint import bp
from app.replies.forms import AlertSettingsForm
from app.replies.queries import awaiting_reply, recent_colleague_replies
from app.web.cache import kept_template


@bp.route("/dashboard")
@login_required
def dashboard():
    # The memberships came with the user (load_user); their providers are read in one query.
    memberships = sorted(current_user.memberships, key=lambda m: (m.created_at, m.id))
    if memberships:
        providers = {p.id: p for p in db.session.scalars(
            select(Provider).where(Provider.id.in_([m.provider_id for m in memberships])))}
        for m in memberships:
            set_committed_value(m, "provider", providers[m.provider_id])
    forms = {m.id: AlertSettingsForm(prefix=f"m{m.id}", data={"frequency": m.alert_frequency,
                                                              "min_criticality": str(m.alert_min_criticality)})
             for m in memberships}
    # The two lists show published stories and public replies only, so they are kept per content version and
    # language like a kept page: "awaiting a reply" per set of services, colleagues' replies per person too.
    services = tuple(sorted(m.provider_id for m in memberships))
    cover = list(subtree_ids(db.session, services))  # each service and everything below it, kept per version

    waiting = kept_template("pages.dashboard.waiting", services, "pages/_dashboard_waiting.html",
                            lambda: {"waiting": awaiting_reply(db.session, cover)})
    recent = kept_template("pages.dashboard.recent", (current_user.id, *services), "pages/_dashboard_recent.html",
                           lambda: {"recent": recent_colleague_replies(db.session, cover, current_user)})
    # Red flags move the content version too (opened with a story, closed by the worker): kept like the lists.
    red_flags = kept_template("pages.dashboard.flags", services, "pages/_dashboard_flags.html",
                              lambda: {"red_flags": open_flags(db.session, services)})
    return render_template("pages/dashboard.html", memberships=memberships, forms=forms, red_flags=red_flags,
                           waiting=waiting, recent=recent)
