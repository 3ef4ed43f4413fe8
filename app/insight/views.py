"""Insight pages (all public): a provider's trends, the comparison as a funnel plot, never a league table; CSVs."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.directory.models import KINDS
from app.directory.services import ancestors, get_by_code, normalise_code, resolve_code
from app.errors import NotFound
from app.extensions import db
from app.insight import services, words
from app.insight.charts import funnel_chart, insight_charts
from app.insight.flags import open_flags, thresholds
from app.insight.response import describe_wait
from app.stories.models import CRITICALITY
from app.text import spreadsheet_safe_row
from app.web.cache import kept_fragment

bp = Blueprint("insight", __name__)


def _csv(rows: list[list], filename: str) -> Response:
    out = io.StringIO()
    # Provider names are text someone typed: a spreadsheet must show "=..." or "-..." rather than run it. Figures
    # are numbers here, never text, so a negative one is left as it is.
    csv.writer(out, lineterminator="\r\n").writerows(spreadsheet_safe_row(row) for row in rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _hours(f: services.Figures):
    return round(f.median_reply.total_seconds() / 3600, 2) if f.median_reply is not None else ""


def _share(value: float | None):
    return round(value, 4) if value is not None else ""


@bp.route("/providers/<code>/insight")
def provider(code: str):
    if code != normalise_code(code):
        return redirect(url_for("insight.provider", code=normalise_code(code)), 301)
    item = get_by_code(db.session, code)

    def render_body() -> str:
        ins = services.insight(db.session, item)
        return render_template("insight/_provider_body.html", provider=item, ins=ins,
                               trail=ancestors(db.session, item), charts=insight_charts(ins),
                               children=services.child_figures(db.session, item),
                               flags=open_flags(db.session, [item.id]), thresholds=thresholds(),
                               describe_wait=describe_wait, percent=words.percent, criticality=CRITICALITY,
                               min_stories=services.MIN_STORIES)

    # The same for every viewer: kept per content version, so signed-in staff do not recompute it each view.
    return render_template("insight/provider.html", provider=item,
                           body=kept_fragment("insight.provider", (item.id,), render_body))


@bp.route("/providers/<code>/insight.csv")
def provider_csv(code: str):
    item = get_by_code(db.session, code)
    ins = services.insight(db.session, item)
    rows: list[list] = [["month", "stories", "replied", "reply_share", "median_hours_to_first_reply",
                         *[f"criticality_{i}" for i in range(6)], "changes_planned", "changes_made"]]
    for m in ins.months:
        f = ins.by_month[m]
        rows.append([m.strftime("%Y-%m"), f.stories, f.replied, _share(f.reply_share), _hours(f),
                     *f.criticality, f.changes_planned, f.changes_made])
    return _csv(rows, f"storyloop-insight-{item.code}.csv")


def _comparison():
    parent_code = request.args.get("parent", "").strip()[:40]
    parent = None
    if parent_code:
        # An old code, merged or changed, compares the services below the provider it leads to now.
        parent = resolve_code(db.session, parent_code)
        if parent is None:
            raise NotFound("No provider has that code.")
    return services.compare(db.session, kind=request.args.get("kind") or None, parent=parent,
                            sort=request.args.get("sort") or None, order=request.args.get("order") or None)


@bp.route("/compare")
def compare():
    if not request.args.get("kind") and not request.args.get("parent"):
        return render_template("insight/compare.html", comparison=None, kinds=KINDS)
    comparison = _comparison()
    summary = words.funnel(comparison.funnel, len(comparison.too_few), services.MIN_STORIES)
    chart = funnel_chart("chart-funnel", _("Funnel plot: %(title)s, share of stories replied to within 20 working "
                                           "days against the number of stories", title=comparison.title), summary,
                         comparison.funnel, services.MIN_STORIES)
    return render_template("insight/compare.html", comparison=comparison, kinds=KINDS, sorts=services.SORTS,
                           describe_wait=describe_wait, percent=words.percent, min_stories=services.MIN_STORIES,
                           chart=chart, summary=summary, working_days=words.working_days,
                           args={k: v for k, v in request.args.items() if k in ("kind", "parent")})


def _limit(value: float | None):
    return round(value, 4) if value is not None else ""


@bp.route("/compare.csv")
def compare_csv():
    comparison = _comparison()
    rows: list[list] = [["funnel_position", "code", "name", "kind", "stories", "comparable", "replied", "reply_share",
                         "median_hours_to_first_reply", "changes_made", "critical_stories", "critical_share",
                         "stories_with_20_working_days", "replied_within_20_working_days", "share_within_20",
                         "overall_share_within_20", "lower_95", "upper_95", "lower_99_8", "upper_99_8",
                         "stories_with_5_working_days", "replied_within_5_working_days", "share_within_5",
                         "median_working_days_to_first_reply", "changes_confirmed", "changes_disputed"]]
    overall = _limit(comparison.funnel.overall)
    for r in [*comparison.rows, *comparison.too_few]:
        f, point = r.figures, r.point
        bounds = [_limit(point.bounds.lower_95), _limit(point.bounds.upper_95), _limit(point.bounds.lower_998),
                  _limit(point.bounds.upper_998)] if point else ["", "", "", ""]
        median = f.median_workdays
        rows.append([point.position if point else "too_few", r.provider.code, r.provider.name, r.provider.kind,
                     f.stories, "true" if r.comparable else "false", f.replied, _share(f.reply_share), _hours(f),
                     f.changes_made, f.critical, _share(f.critical_share), f.counted_20, f.replied_20,
                     _share(f.share_20), overall, *bounds, f.counted_5, f.replied_5, _share(f.share_5),
                     median if median is not None else "", f.changes_confirmed, f.changes_disputed])
    what = comparison.parent.code if comparison.parent else comparison.kind
    return _csv(rows, f"storyloop-compare-{what}.csv")
