"""Plain-words summaries beside each chart ("Replies went out to 84% of stories this year, up from 61%")."""
from __future__ import annotations

from app.insight.response import describe_wait
from app.insight.services import Figures, Insight, Theme


def percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)}%"


def _trend(now: float, before: float, unit: str = "") -> str:
    if now > before:
        return f"up from {before:g}{unit}"
    if now < before:
        return f"down from {before:g}{unit}"
    return "the same as the year before"


def stories(this: Figures, last: Figures) -> str:
    s = "story was" if this.stories == 1 else "stories were"
    if not last.stories:
        return f"{this.stories} {s} published in the last 12 months."
    return f"{this.stories} {s} published in the last 12 months, {_trend(this.stories, last.stories)} " \
           f"in the 12 months before."


def replies(this: Figures, last: Figures) -> str:
    if not this.stories:
        return "No stories were published in the last 12 months, so there was nothing to reply to."
    now = round(this.reply_share * 100)
    text = f"Replies went out to {now}% of stories this year ({this.replied} of {this.stories})"
    if last.stories:
        text += f", {_trend(now, round(last.reply_share * 100), '%')}"
    return text + "."


def wait(this: Figures, last: Figures) -> str:
    if this.median_reply is None:
        return "No story published in the last 12 months has had a reply yet."
    text = f"Half the replies this year went out within {describe_wait(this.median_reply)} of the story " \
           f"being published"
    if last.median_reply is not None:
        text += f"; the year before, within {describe_wait(last.median_reply)}"
    return text + "."


def criticality(this: Figures) -> str:
    if not this.stories:
        return "No stories were published in the last 12 months."
    return f"{this.critical} of {this.stories} stories this year ({percent(this.critical_share)}) were rated " \
           f"moderately critical or worse (3 or more of 5)."


def changes(this: Figures, last: Figures) -> str:
    return f"{this.changes_planned} change{'s' if this.changes_planned != 1 else ''} planned and " \
           f"{this.changes_made} made this year, against {last.changes_planned} planned and " \
           f"{last.changes_made} made the year before."


def themes(insight: Insight, kind: str) -> str:
    listed: list[Theme] = insight.themes[kind]
    what = "as good" if kind == "good" else "as needing improvement"
    if not listed or not listed[0].count:
        return f"No stories this year tagged anything {what}."
    top = listed[0]
    text = f"Most often mentioned {what}: {top.tag.name} ({percent(top.share)} of stories this year)."
    rising, falling = insight.rising(kind), insight.falling(kind)
    if rising:
        r = rising[0]
        text += f" Rising most: {r.tag.name}, {percent(r.recent_share)} of stories in the last 3 months " \
                f"against {percent(r.before_share)} in the 12 before."
    if falling:
        f = falling[0]
        text += f" Falling most: {f.tag.name}, {percent(f.recent_share)} against {percent(f.before_share)}."
    return text
