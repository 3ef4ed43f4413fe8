"""Plain-words summaries beside each chart ("Replies went out to 84% of stories this year, up from 61%")."""
from __future__ import annotations

from app.insight.funnel import ABOVE_95, ABOVE_998, BELOW_95, BELOW_998, WITHIN
from app.insight.response import describe_wait
from app.insight.services import MIN_STORIES, Figures, Insight, Theme


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


def working_days(value: float) -> str:
    """3 working days, 1 working day, 2.5 working days."""
    text = f"{value:g}" if value != int(value) else str(int(value))
    return f"{text} working day{'' if value == 1 else 's'}"


def within(replied: int, counted: int, waiting: int, min_stories: int = MIN_STORIES) -> str:
    """A share replied to within some working days, with the stories behind it: "67% (8 of 12)"; below
    min_stories only the counts ("2 of 3"), since a percentage of so few would mislead."""
    if not counted:
        return "Not known yet" if waiting else "–"
    if counted < min_stories:
        return f"{replied} of {counted}"
    return f"{percent(replied / counted)} ({replied} of {counted})"


def _stories(n: int) -> str:
    return f"{n} {'story' if n == 1 else 'stories'}"


def waiting(soon: int, late: int) -> str:
    """Says how many stories are still inside their working days, so not counted yet (or nothing)."""
    if not late:
        return ""
    text = f"Not counted yet, as they are still within their time: {_stories(late)} for “within 20 working days”"
    return text + (f" and {_stories(soon)} for “within 5”." if soon else ".")


def median_workdays(value: float | None, replies: int, min_stories: int = MIN_STORIES) -> str:
    """The median in words, and a warning when it rests on too few replies to rely on."""
    if value is None:
        return "No replies yet"
    return working_days(value) + (" (too few replies to rely on)" if replies < min_stories else "")


def _names(points) -> str:
    names = [p.name for p in points]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def funnel(plot, too_few: int, min_stories: int, days: int = 20) -> str:
    """What a funnel plot shows, in words: the overall share, and which services fall outside its limits."""
    if plot.overall is None or not plot.points:
        return f"No service here has {min_stories} or more stories that have had {days} working days, so none " \
               f"is compared yet."
    text = f"Each point is a service: the share of its stories replied to within {days} working days against " \
           f"how many stories it had. Across all {plot.stories} stories here the share was " \
           f"{percent(plot.overall)}. The lines either side show how far a service's share is expected to stray " \
           f"from it by chance alone: 95% limits (dashed) and 99.8% limits (dotted), closer together the more " \
           f"stories a service has."
    groups = [(ABOVE_998, "Above the 99.8% limit, replying in time far more often than the rest"),
              (ABOVE_95, "Above the 95% limit"),
              (BELOW_998, "Below the 99.8% limit, replying in time far less often than the rest"),
              (BELOW_95, "Below the 95% limit")]
    for where, label in groups:
        if found := plot.outside(where):
            text += f" {label}: {_names(found)}."
    within = len(plot.outside(WITHIN))
    text += f" {within} service{' is' if within == 1 else 's are'} within the limits."
    if too_few:
        text += f" {too_few} service{' has' if too_few == 1 else 's have'} fewer than {min_stories} stories and " \
                f"{'is' if too_few == 1 else 'are'} not plotted."
    return text
