"""Plain-words summaries beside each chart ("Replies went out to 84% of stories this year, up from 61%"), in the
visitor's language, with real plurals (ngettext: "1 story", "2 stories"; Welsh has six forms)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from app.insight.funnel import ABOVE_95, ABOVE_998, BELOW_95, BELOW_998, WITHIN
from app.insight.response import describe_wait
from app.insight.services import MIN_STORIES, Figures, Insight, Theme


def percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)}%"


def stories(this: Figures, last: Figures) -> str:
    if not last.stories:
        return ngettext("%(num)d story was published in the last 12 months.",
                        "%(num)d stories were published in the last 12 months.", this.stories)
    if this.stories > last.stories:
        return ngettext("%(num)d story was published in the last 12 months, up from %(before)d in the 12 months "
                        "before.",
                        "%(num)d stories were published in the last 12 months, up from %(before)d in the 12 months "
                        "before.", this.stories, before=last.stories)
    if this.stories < last.stories:
        return ngettext("%(num)d story was published in the last 12 months, down from %(before)d in the 12 months "
                        "before.",
                        "%(num)d stories were published in the last 12 months, down from %(before)d in the 12 "
                        "months before.", this.stories, before=last.stories)
    return ngettext("%(num)d story was published in the last 12 months, the same as the year before.",
                    "%(num)d stories were published in the last 12 months, the same as the year before.",
                    this.stories)


def replies(this: Figures, last: Figures) -> str:
    if not this.stories:
        return _("No stories were published in the last 12 months, so there was nothing to reply to.")
    now = round(this.reply_share * 100)
    values = {"now": now, "replied": this.replied, "stories": this.stories}
    if not last.stories:
        return _("Replies went out to %(now)d%% of stories this year (%(replied)d of %(stories)d).", **values)
    before = round(last.reply_share * 100)
    if now > before:
        return _("Replies went out to %(now)d%% of stories this year (%(replied)d of %(stories)d), up from "
                 "%(before)d%%.", before=before, **values)
    if now < before:
        return _("Replies went out to %(now)d%% of stories this year (%(replied)d of %(stories)d), down from "
                 "%(before)d%%.", before=before, **values)
    return _("Replies went out to %(now)d%% of stories this year (%(replied)d of %(stories)d), the same as the "
             "year before.", **values)


def wait(this: Figures, last: Figures) -> str:
    if this.median_reply is None:
        return _("No story published in the last 12 months has had a reply yet.")
    if last.median_reply is not None:
        return _("Half the replies this year went out within %(now)s of the story being published; the year "
                 "before, within %(before)s.", now=describe_wait(this.median_reply),
                 before=describe_wait(last.median_reply))
    return _("Half the replies this year went out within %(now)s of the story being published.",
             now=describe_wait(this.median_reply))


def criticality(this: Figures) -> str:
    if not this.stories:
        return _("No stories were published in the last 12 months.")
    return ngettext("%(critical)d of %(num)d story this year (%(share)s) was rated moderately critical or worse "
                    "(3 or more of 5).",
                    "%(critical)d of %(num)d stories this year (%(share)s) were rated moderately critical or worse "
                    "(3 or more of 5).", this.stories, critical=this.critical, share=percent(this.critical_share))


def changes(this: Figures, last: Figures) -> str:
    return ngettext("%(num)d change planned and %(made)d made this year, against %(planned_before)d planned and "
                    "%(made_before)d made the year before.",
                    "%(num)d changes planned and %(made)d made this year, against %(planned_before)d planned and "
                    "%(made_before)d made the year before.", this.changes_planned, made=this.changes_made,
                    planned_before=last.changes_planned, made_before=last.changes_made)


def themes(insight: Insight, kind: str) -> str:
    listed: list[Theme] = insight.themes[kind]
    good = kind == "good"
    if not listed or not listed[0].count:
        return _("No stories this year tagged anything as good.") if good else \
            _("No stories this year tagged anything as needing improvement.")
    top = listed[0]
    values = {"tag": _(top.tag.name), "share": percent(top.share)}
    text = _("Most often mentioned as good: %(tag)s (%(share)s of stories this year).", **values) if good else \
        _("Most often mentioned as needing improvement: %(tag)s (%(share)s of stories this year).", **values)
    rising, falling = insight.rising(kind), insight.falling(kind)
    if rising:
        r = rising[0]
        text += " " + _("Rising most: %(tag)s, %(recent)s of stories in the last 3 months against %(before)s in "
                        "the 12 before.", tag=_(r.tag.name), recent=percent(r.recent_share),
                        before=percent(r.before_share))
    if falling:
        f = falling[0]
        text += " " + _("Falling most: %(tag)s, %(recent)s against %(before)s.", tag=_(f.tag.name),
                        recent=percent(f.recent_share), before=percent(f.before_share))
    return text


def working_days(value: float) -> str:
    """3 working days, 1 working day, 2.5 working days."""
    if value != int(value):
        return _("%(days)s working days", days=format(value, "g"))
    return ngettext("%(num)d working day", "%(num)d working days", int(value))


def within(replied: int, counted: int, waiting: int, min_stories: int = MIN_STORIES) -> str:
    """A share replied to within some working days, with the stories behind it: "67% (8 of 12)"; below
    min_stories only the counts ("2 of 3"), since a percentage of so few would mislead."""
    if not counted:
        return _("Not known yet") if waiting else "–"
    if counted < min_stories:
        return _("%(replied)d of %(counted)d", replied=replied, counted=counted)
    return _("%(share)s (%(replied)d of %(counted)d)", share=percent(replied / counted), replied=replied,
             counted=counted)


def _stories(n: int) -> str:
    return ngettext("%(num)d story", "%(num)d stories", n)


def waiting(soon: int, late: int) -> str:
    """Says how many stories are still inside their working days, so not counted yet (or nothing)."""
    if not late:
        return ""
    if soon:
        return _("Not counted yet, as they are still within their time: %(late)s for “within 20 working days” and "
                 "%(soon)s for “within 5”.", late=_stories(late), soon=_stories(soon))
    return _("Not counted yet, as they are still within their time: %(late)s for “within 20 working days”.",
             late=_stories(late))


def median_workdays(value: float | None, replies: int, min_stories: int = MIN_STORIES) -> str:
    """The median in words, and a warning when it rests on too few replies to rely on."""
    if value is None:
        return _("No replies yet")
    if replies < min_stories:
        return _("%(days)s (too few replies to rely on)", days=working_days(value))
    return working_days(value)


def _names(points) -> str:
    names = [p.name for p in points]
    if len(names) == 1:
        return names[0]
    return _("%(names)s and %(last)s", names=", ".join(names[:-1]), last=names[-1])


def funnel(plot, too_few: int, min_stories: int, days: int = 20) -> str:
    """What a funnel plot shows, in words: the overall share, and which services fall outside its limits."""
    if plot.overall is None or not plot.points:
        return _("No service here has %(min)d or more stories that have had %(days)d working days, so none is "
                 "compared yet.", min=min_stories, days=days)
    text = ngettext(
        "Each point is a service: the share of its stories replied to within %(days)d working days against how "
        "many stories it had. Across the %(num)d story here the share was %(share)s. The lines either side show "
        "how far a service's share is expected to stray from it by chance alone: 95%% limits (dashed) and 99.8%% "
        "limits (dotted), closer together the more stories a service has.",
        "Each point is a service: the share of its stories replied to within %(days)d working days against how "
        "many stories it had. Across all %(num)d stories here the share was %(share)s. The lines either side show "
        "how far a service's share is expected to stray from it by chance alone: 95%% limits (dashed) and 99.8%% "
        "limits (dotted), closer together the more stories a service has.",
        plot.stories, days=days, share=percent(plot.overall))
    groups = [(ABOVE_998, lambda names: _("Above the 99.8%% limit, replying in time far more often than the rest: "
                                          "%(names)s.", names=names)),
              (ABOVE_95, lambda names: _("Above the 95%% limit: %(names)s.", names=names)),
              (BELOW_998, lambda names: _("Below the 99.8%% limit, replying in time far less often than the rest: "
                                          "%(names)s.", names=names)),
              (BELOW_95, lambda names: _("Below the 95%% limit: %(names)s.", names=names))]
    for where, sentence in groups:
        if found := plot.outside(where):
            text += " " + sentence(_names(found))
    within = len(plot.outside(WITHIN))
    text += " " + ngettext("%(num)d service is within the limits.", "%(num)d services are within the limits.",
                           within)
    if too_few:
        text += " " + ngettext("%(num)d service has fewer than %(min)d stories and is not plotted.",
                               "%(num)d services have fewer than %(min)d stories and are not plotted.",
                               too_few, min=min_stories)
    return text
