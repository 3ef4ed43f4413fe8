"""Charts as inline SVG, drawn on the server: a title and description, text on every bar, no colour-only meaning;
and the comparison's funnel plot, whose shapes say where each service falls.

The drawings are 320 units wide so that, shown at a phone's 320 px, text is at its full size; on wider
screens they scale up. Each chart sits beside a table of the same numbers (in the template).
"""
from __future__ import annotations

from collections.abc import Sequence

from flask_babel import format_date
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.insight import funnel, words
from app.insight.response import describe_wait
from app.stories.models import CRITICALITY

WIDTH = 320
INK = "#0b0c0c"  # text: 19:1 on white
BAR = "#1d4f91"  # bars: 8.6:1 on white, so bars stand out without relying on hue
GRID = "#6f777b"  # axis lines: 4.6:1
FONT = 'font-family="Arial, Helvetica, sans-serif"'


def _svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" '
            f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
            f'preserveAspectRatio="xMinYMin meet">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def columns(chart_id: str, title: str, desc: str, labels: Sequence[str], values: Sequence[float],
            label_every: int = 6, value_text=lambda v: f"{v:g}") -> Markup:
    """A column per item (months, oldest first) with a labelled scale; every label_every-th item named."""
    top, bottom, left = 22, 200, 36
    height = bottom + 26
    peak = max(values, default=0) or 1
    step = (WIDTH - left - 4) / max(1, len(values))
    body = [
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" font-size="12" fill="{INK}" {FONT}>'
        f'{escape(value_text(peak))}</text>',
        f'<text x="{left - 4}" y="{bottom}" text-anchor="end" font-size="12" fill="{INK}" {FONT}>0</text>',
        f'<line x1="{left}" y1="{top}" x2="{WIDTH - 4}" y2="{top}" stroke="{GRID}" stroke-width="0.5" '
        f'stroke-dasharray="3 3"/>',
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - 4}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>',
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * step
        h = (bottom - top) * (value / peak) if peak else 0
        body.append(f'<rect x="{x + step * 0.15:.1f}" y="{bottom - h:.1f}" width="{step * 0.7:.1f}" '
                    f'height="{h:.1f}" fill="{BAR}"><title>{escape(label)}: {escape(value_text(value))}</title>'
                    f'</rect>')
        if (len(values) - 1 - i) % label_every == 0:
            # The newest label ends at the right edge, so it is never cut off.
            last = i == len(values) - 1
            anchor, tx = ("end", WIDTH - 2) if last else ("middle", x + step / 2)
            body.append(f'<text x="{tx:.1f}" y="{bottom + 16}" text-anchor="{anchor}" font-size="12" '
                        f'fill="{INK}" {FONT}>{escape(label)}</text>')
    return _svg(chart_id, title, desc, height, body)


def bars(chart_id: str, title: str, desc: str, labels: Sequence[str], values: Sequence[float],
         texts: Sequence[str]) -> Markup:
    """A horizontal bar per item: its name above, the bar, and its value in words at the bar's end."""
    row = 42
    height = max(1, len(values)) * row + 4
    peak = max(values, default=0) or 1
    usable = WIDTH - 90
    body = []
    for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        y = i * row
        w = usable * (value / peak) if peak else 0
        body.append(f'<text x="0" y="{y + 14}" font-size="13" fill="{INK}" {FONT}>{escape(label)}</text>')
        body.append(f'<rect x="0" y="{y + 19}" width="{max(w, 1):.1f}" height="14" fill="{BAR}"/>')
        body.append(f'<text x="{w + 6:.1f}" y="{y + 31}" font-size="13" fill="{INK}" {FONT}>{escape(text)}</text>')
    return _svg(chart_id, title, desc, height, body)


def month_label(month) -> str:
    return format_date(month, "MMM yy")


def insight_charts(ins) -> dict[str, dict]:
    """The charts of an insight page (app.insight.services.Insight): {section: {"svg", "summary"}}."""
    name = ins.provider.name
    this, last = ins.this_year, ins.last_year
    labels = [month_label(m) for m in ins.months]
    per_month = [ins.by_month[m] for m in ins.months]
    summary = {
        "stories": words.stories(this, last), "replies": words.replies(this, last),
        "wait": words.wait(this, last), "criticality": words.criticality(this),
        "changes": words.changes(this, last), "good": words.themes(ins, "good"),
        "improve": words.themes(ins, "improve"),
    }
    svg = {
        "stories": columns("chart-stories", _("Stories published each month about %(name)s", name=name),
                           summary["stories"],
                           labels, [f.stories for f in per_month]),
        "replies": columns("chart-replies", _("Share of each month's stories replied to, %(name)s", name=name),
                           summary["replies"],
                           labels, [round((f.reply_share or 0) * 100) for f in per_month],
                           value_text=lambda v: f"{v:g}%"),
        "wait": columns("chart-wait", _("Median hours to a first reply, by month of publication, %(name)s", name=name),
                        summary["wait"], labels,
                        [round(f.median_reply.total_seconds() / 3600, 1) if f.median_reply is not None else 0
                         for f in per_month],
                        value_text=lambda v: describe_wait(None) if not v else f"{v:g} h"),
        "criticality": bars("chart-criticality",
                            _("How critical the stories of the last 12 months were, %(name)s", name=name),
                            summary["criticality"], [f"{i}: {_(CRITICALITY[i])}" for i in range(6)],
                            this.criticality, [str(n) for n in this.criticality]),
        "changes": bars("chart-changes", _("Changes planned and made in the last 12 months, %(name)s", name=name),
                        summary["changes"], [_("Changes planned"), _("Changes made")],
                        [this.changes_planned, this.changes_made],
                        [str(this.changes_planned), str(this.changes_made)]),
    }
    for kind, what in (("good", _("What was good")), ("improve", _("What could be improved"))):
        top = ins.themes[kind][:8]
        title = _("%(what)s: the most mentioned themes in the last 12 months, %(name)s", what=what, name=name)
        svg[kind] = bars(f"chart-{kind}", title,
                         summary[kind], [_(t.tag.name) for t in top], [t.share or 0 for t in top],
                         [words.percent(t.share) for t in top])
    return {k: {"svg": svg[k], "summary": summary[k]} for k in svg}


# ---------------------------------------------------------------- the funnel plot

def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten at or above value (axis ends people can read)."""
    power = 1.0
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _marker(kind: str, x: float, y: float, tip: str) -> str:
    """A point's shape says where it falls, so colour is never needed: a ring within the limits, a square
    beyond the 95% limits, a larger diamond beyond the 99.8% limits."""
    title = f"<title>{escape(tip)}</title>"
    if kind in (funnel.ABOVE_998, funnel.BELOW_998):
        return (f'<path d="M{x:.1f} {y - 7:.1f} L{x + 7:.1f} {y:.1f} L{x:.1f} {y + 7:.1f} L{x - 7:.1f} {y:.1f} Z" '
                f'fill="{BAR}" stroke="{INK}" stroke-width="1">{title}</path>')
    if kind in (funnel.ABOVE_95, funnel.BELOW_95):
        return f'<rect x="{x - 4.5:.1f}" y="{y - 4.5:.1f}" width="9" height="9" fill="{INK}">{title}</rect>'
    return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#ffffff" stroke="{INK}" stroke-width="1.5">'
            f'{title}</circle>')


def _position(where: str) -> str:
    """Where a point falls, in words, in the visitor's language (funnel.POSITIONS keeps the English)."""
    level = "99.8" if where.endswith("998") else "95"
    if where.startswith("above"):
        return _("above the %(level)s%% limit", level=level)
    if where.startswith("below"):
        return _("below the %(level)s%% limit", level=level)
    return _("within the expected range")


def funnel_chart(chart_id: str, title: str, desc: str, plot: funnel.Funnel, min_stories: int,
                 days: int = 20) -> Markup:
    """Share replied to within `days` working days (y) against stories (x), with the overall share and its
    95% (dashed) and 99.8% (dotted) limits; services outside them are named beside their point."""
    left, right, top, bottom = 40, WIDTH - 8, 30, 212
    if plot.overall is None or not plot.points:
        words_ = escape(_("No service has %(min)d or more stories to plot yet.", min=min_stories))
        body = [f'<text x="0" y="20" font-size="13" fill="{INK}" {FONT}>{words_}</text>']
        return _svg(chart_id, title, desc, 32, body)
    p = plot.overall
    x_max = _nice_ceiling(max(max(pt.n for pt in plot.points), 2 * min_stories))
    narrowest = funnel.limits(p, min_stories)
    low = min([pt.share for pt in plot.points] + [narrowest.lower_998, p])
    high = max([pt.share for pt in plot.points] + [narrowest.upper_998, p])
    y_min = max(0.0, int(low * 10) / 10)
    y_max = min(1.0, -int(-high * 10) / 10)
    if y_max - y_min < 0.2:
        y_min, y_max = max(0.0, y_min - 0.1), min(1.0, y_max + 0.1)

    def sx(n: float) -> float:
        return left + (right - left) * n / x_max

    def sy(share: float) -> float:
        return bottom - (bottom - top) * (share - y_min) / (y_max - y_min)

    text = f'font-size="12" fill="{INK}" {FONT}'
    # Outside the f-strings: pybabel does not look inside one, so a message there never reaches the catalogue.
    y_axis = _("Replied to within %(days)d working days", days=days)
    x_axis = _("Stories that have had %(days)d working days", days=days)
    body = [
        f'<text x="0" y="12" {text}>{escape(y_axis)}</text>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>',
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{GRID}" stroke-width="1"/>',
    ]
    for share in (y_min, (y_min + y_max) / 2, y_max):
        body.append(f'<text x="{left - 4}" y="{sy(share) + 4:.1f}" text-anchor="end" {text}>'
                    f'{round(share * 100)}%</text>')
    for i, n in enumerate((0, x_max / 2, x_max)):
        anchor = ("start", "middle", "end")[i]
        body.append(f'<text x="{sx(n):.1f}" y="{bottom + 15}" text-anchor="{anchor}" {text}>{n:g}</text>')
    body.append(f'<text x="{(left + right) / 2:.1f}" y="{bottom + 31}" text-anchor="middle" {text}>'
                f'{escape(x_axis)}</text>')
    # The limits, drawn from the fewest stories plotted to the axis' end (more points where they curve most).
    steps = 48
    ns = [min_stories * (x_max / min_stories) ** (i / (steps - 1)) for i in range(steps)]
    bands = [funnel.limits(p, n) for n in ns]
    for attribute, dash in (("lower_95", "6 3"), ("upper_95", "6 3"), ("lower_998", "2 3"), ("upper_998", "2 3")):
        line = " ".join(f"{sx(n):.1f},{sy(getattr(b, attribute)):.1f}" for n, b in zip(ns, bands, strict=True))
        body.append(f'<polyline points="{line}" fill="none" stroke="{INK}" stroke-width="1.2" '
                    f'stroke-dasharray="{dash}"/>')
    body.append(f'<line x1="{left}" y1="{sy(p):.1f}" x2="{right}" y2="{sy(p):.1f}" stroke="{INK}" '
                f'stroke-width="1.5"/>')
    for pt in sorted(plot.points, key=lambda q: q.outside):  # the outliers drawn last, on top
        x, y = sx(pt.n), sy(pt.share)
        tip = _("%(name)s: %(share)d%% of %(n)d stories replied to within %(days)d working days; %(where)s",
                name=pt.name, share=round(pt.share * 100), n=pt.n, days=days, where=_position(pt.position))
        body.append(_marker(pt.position, x, y, tip))
        if pt.outside:
            name = pt.name if len(pt.name) <= 18 else pt.name[:17] + "…"
            anchor, tx = ("end", x - 9) if x > (left + right) / 2 else ("start", x + 9)
            # A white halo keeps the name legible where it crosses a line.
            body.append(f'<text x="{tx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}" stroke="#ffffff" stroke-width="3" '
                        f'paint-order="stroke" {text}>{escape(name)}</text>')
    # The legend: lines and shapes with their meaning in words.
    y0 = bottom + 50
    legend = [
        (f'<line x1="0" y1="{{y}}" x2="22" y2="{{y}}" stroke="{INK}" stroke-width="1.5"/>',
         _("Overall: %(share)d%%", share=round(p * 100))),
        (f'<line x1="0" y1="{{y}}" x2="22" y2="{{y}}" stroke="{INK}" stroke-width="1.2" stroke-dasharray="6 3"/>',
         _("%(level)s%% limits", level="95")),
        (f'<line x1="0" y1="{{y}}" x2="22" y2="{{y}}" stroke="{INK}" stroke-width="1.2" stroke-dasharray="2 3"/>',
         _("%(level)s%% limits", level="99.8")),
    ]
    for i, (sample, label) in enumerate(legend):
        y = y0 + i * 18
        body.append(sample.format(y=y))
        body.append(f'<text x="28" y="{y + 4}" {text}>{escape(label)}</text>')
    for i, (kind, label) in enumerate(((funnel.WITHIN, _("Within the limits")),
                                       (funnel.ABOVE_95, _("Beyond %(level)s%%", level="95")),
                                       (funnel.ABOVE_998, _("Beyond %(level)s%%", level="99.8")))):
        y = y0 + i * 18
        body.append(_marker(kind, 172, y, label))
        body.append(f'<text x="186" y="{y + 4}" {text}>{escape(label)}</text>')
    return _svg(chart_id, title, desc, y0 + 3 * 18, body)
