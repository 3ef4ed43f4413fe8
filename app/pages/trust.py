"""The pages that earn trust: about, how moderation works, privacy, accessibility, contact and transparency.

They are written for patients and read who runs the site from settings (SITE_OPERATOR, SITE_CONTACT_EMAIL,
DATA_CONTROLLER, SITE_FUNDING). The transparency figures come from the table the insight job keeps
(app/insight/transparency.py): a request never counts stories.
"""
from __future__ import annotations

import csv
import io

from flask import Response, current_app, render_template
from flask_babel import gettext, ngettext

from app.extensions import db
from app.insight import transparency
from app.moderation.signposting import signposting
from app.pages.blueprint import bp
from app.stories.models import CRITICALITY


def _site() -> dict:
    config = current_app.config
    return {"operator": config["SITE_OPERATOR"], "contact_email": config["SITE_CONTACT_EMAIL"],
            "controller": config["DATA_CONTROLLER"], "funding": config.get("SITE_FUNDING") or "",
            "safeguarding_email": bool(config.get("SAFEGUARDING_EMAIL")),
            "reports_to_hide": config["REPORTS_TO_HIDE"], "urgent": signposting(None).urgent}


@bp.route("/about")
def about():
    return render_template("pages/trust/about.html", site=_site())


@bp.route("/how-moderation-works")
def how_moderation_works():
    return render_template("pages/trust/moderation.html", site=_site(), criticality=CRITICALITY)


@bp.route("/privacy")
def privacy():
    return render_template("pages/trust/privacy.html", site=_site())


@bp.route("/accessibility")
def accessibility():
    return render_template("pages/trust/accessibility.html", site=_site())


@bp.route("/contact")
def contact():
    return render_template("pages/trust/contact.html", site=_site())


def wait_words(seconds: int | None) -> str:
    """A median wait as people say it, in the visitor's language: "40 minutes", "5 hours", "2 days"."""
    if seconds is None:
        return gettext("no decisions")
    if seconds >= 2 * 86400:
        return ngettext("%(num)d day", "%(num)d days", round(seconds / 86400))
    if seconds >= 2 * 3600:
        return ngettext("%(num)d hour", "%(num)d hours", round(seconds / 3600))
    if seconds >= 60:
        return ngettext("%(num)d minute", "%(num)d minutes", round(seconds / 60))
    return gettext("under a minute")


@bp.route("/transparency")
def transparency_page():
    months = transparency.by_month(db.session)
    return render_template("pages/trust/transparency.html", site=_site(), months=months, wait_words=wait_words)


CSV_HEADER = ["month", "received", "published", "rejected", "withdrawn", "decided", "median_wait_seconds", "replies"]


@bp.route("/transparency.csv")
def transparency_csv():
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for m in transparency.by_month(db.session):
        # Numbers and a month only: no cell can start a spreadsheet formula.
        writer.writerow([m.month.strftime("%Y-%m"), m.received, m.published, m.rejected, m.withdrawn, m.decided,
                         "" if m.median_wait_seconds is None else m.median_wait_seconds, m.replies])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=storyloop-transparency.csv"})
