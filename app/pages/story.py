"""The story page with its conversation and timeline: the story, replies, changes and answers, and the forms that
add to it (reply, change planned, made or none, marking a change made, "not about us", "this happened to me too").

A form posted from the page that has a problem shows the page again with the form's errors (no JavaScript needed),
so the posts live beside the page they come from.
"""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.forms import ConfirmForm
from app.accounts.permissions import can, require
from app.accounts.tokens import make_token, read_token
from app.directory.services import ancestors, find_by_code
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import db, limiter, utcnow
from app.moderation import reroutes
from app.opendata.events import visible_event
from app.pages.blueprint import bp
from app.replies import changes
from app.replies import services as replies
from app.replies.forms import AnswerForm, ChangeForm, HideReplyForm, MarkMadeForm, NotAboutUsForm, ReplyForm
from app.replies.links import verdict_link
from app.replies.models import AUTHOR_ANSWER, AWAITING_MODERATION, CHANGE_PLANNED, VISIBLE, Change
from app.stories import queries, readcounts
from app.stories import timeline as tl
from app.stories.models import PUBLISHED, Story
from app.stories.timeline import StoryEvent
from app.web.cache import ON_HIT, kept_template
from app.web.helpers import show_error
from app.web.i18n import lazy_gettext as _l

# "This happened to me too": the story ids this browser has counted, in a signed cookie (no account, no address).
ME_TOO_COOKIE = "storyloop_me_too"
ME_TOO_KEEP = 200  # the most recent ids kept: the cookie stays well under 4 KB
ME_TOO_MAX_AGE = 5 * 365 * 24 * 3600


def _count_read(story_id: int) -> None:
    # Counted in memory or Redis and written in batches: a view writes nothing to the database.
    readcounts.count_view(story_id)


# A visitor served the kept page still counts (only published stories' pages are kept, and only for visitors).
ON_HIT["pages.story"] = _count_read


@bp.route("/stories/<int:story_id>")
def story(story_id: int):
    story = queries.story_for_viewer(db.session, story_id, current_user, can("moderation.view"))
    if current_user.is_authenticated and replies.note_first_read(db.session, current_user, story):
        db.session.commit()  # once per story: the timeline's "read by staff" shows on this very page
    response = render_story(story)
    if story.status == PUBLISHED and not (current_user.is_authenticated and current_user.id == story.author_id):
        _count_read(story.id)
    return response


def render_story(story: Story, status: int = 200, **forms):
    """The story page with its conversation and timeline; the forms shown depend on who is looking.

    A form that failed elsewhere (a reply with no text, say) is passed in by its class name to show its errors;
    a failed "mark as made" form also carries the change it was for (made_for).

    A published story's top (the story, its licence, its timeline) is the same for every viewer, and so is the
    whole page for someone with nothing to do on it (a visitor, or someone signed in who is not its author, its
    provider's staff or a moderator): those are kept per story, language and content version, with their
    queries (the page cache keeps whole pages for visitors only).
    """
    is_author = current_user.is_authenticated and current_user.id == story.author_id
    # A visitor is none of these: asking would load the story's provider for nothing.
    signed_in = current_user.is_authenticated
    staff = signed_in and story.status == PUBLISHED and can("provider.respond", story.provider)
    moderator = signed_in and can("moderation.view")
    if story.status != PUBLISHED:
        context = {**_conversation(story, is_author, staff, moderator, **forms), **_top(story, is_author)}
        return render_template("pages/story.html", **context), status
    if not (is_author or staff or moderator or forms):
        body = kept_template("pages.story", (story.id,), "pages/_story_body.html",
                             lambda: {**_conversation(story, False, False, False), **_top(story, False)})
        return render_template("pages/story.html", story=story, body=body), status
    top = kept_template("pages.story.top", (story.id,), "pages/_story_top.html", lambda: _top(story, False))
    return render_template("pages/story.html", top=top,
                           **_conversation(story, is_author, staff, moderator, **forms)), status


def _top(story: Story, is_author: bool) -> dict:
    """What pages/_story_top.html shows: the same for every viewer of a published story."""
    return {"story": story, "trail": ancestors(db.session, story.provider), "is_author": is_author,
            "events": [(e, timeline_words(e)) for e in _timeline(story)],
            "reroute_waiting": reroutes.open_request(db.session, story)}


def _conversation(story: Story, is_author: bool, staff: bool, moderator: bool, **forms) -> dict:
    """What pages/_story_conversation.html shows, for a viewer who is (or is not) the author, staff or a
    moderator."""
    conversation = replies.conversation(db.session, story)
    made_forms = {}
    if staff:
        failed = forms.get("MarkMadeForm")
        for item in conversation:
            if isinstance(item, Change) and item.kind == CHANGE_PLANNED:
                made_forms[item.id] = failed if failed is not None and forms.get("made_for") == item.id \
                    else MarkMadeForm(prefix=f"made-{item.id}", formdata=None)
    return {
        "story": story, "is_author": is_author, "conversation": conversation, "can_respond": staff,
        # "Edit your reply" for the reply's writer: only ever on a page rendered for its viewer.
        "viewer_id": current_user.id if (staff or moderator) and current_user.is_authenticated else None,
        "today": utcnow().date(),
        "reply_form": forms.get("ReplyForm") or (ReplyForm() if staff else None),
        "change_form": forms.get("ChangeForm") or (ChangeForm() if staff else None),
        "made_forms": made_forms,
        "reroute_form": forms.get("NotAboutUsForm") or (NotAboutUsForm() if staff else None),
        "reroute_waiting": reroutes.open_request(db.session, story) if staff else None,
        "answer_form": forms.get("AnswerForm") or (AnswerForm() if is_author and story.status == PUBLISHED
                                                   else None),
        "hide_form": HideReplyForm() if moderator else None,
        "answer_waiting": is_author and replies.has_pending_answer(db.session, story),
        # The staff member's own replies and changes not (yet) public: "waiting for a moderator".
        "waiting_items": replies.waiting_for_writer(db.session, story, current_user) if staff else [],
        "edit_minutes": replies.REPLY_EDIT_MINUTES,
        # The author, signed in, answers about a change made through the same page as the emailed link.
        "verdict_link": verdict_link if is_author and story.status == PUBLISHED else None,
    }


def _people(n: int | None) -> str:
    return "" if n is None else ngettext("%(num)d person", "%(num)d people", n)


def _on(value: object) -> str:
    try:
        return format_date(date.fromisoformat(str(value)), "dd MMMM y")
    except ValueError:
        return _("a date not given")


def _timeline(story: Story) -> list[StoryEvent]:
    """The story's steps, oldest first, as the open data publishes them: a step about a change a moderator hid
    goes with it."""
    return list(db.session.scalars(select(StoryEvent).where(StoryEvent.story_id == story.id, visible_event())
                                   .options(selectinload(StoryEvent.provider))
                                   .order_by(StoryEvent.at, StoryEvent.id)))


def timeline_words(event: StoryEvent) -> str:
    """One step of the timeline in plain words (no names, no addresses: events hold none)."""
    who = event.provider.name if event.provider is not None else _("The service")
    detail = event.detail or {}
    n = event.count
    due = _on(detail.get("due_on"))
    words = {
        tl.PUBLISHED: _("Published"),
        tl.ALERTED: (_("%(who)s alerted: %(people)s told", who=who, people=_people(n)) if n else
                     _("%(who)s alerted: nobody could be told (no one there takes alerts)", who=who)),
        tl.INVITED: _("%(who)s told at its contact address and invited to register and reply", who=who),
        tl.FIRST_READ: _("Read by staff of %(who)s", who=who),
        tl.REPLIED: _("%(who)s replied", who=who),
        tl.REMINDED: (_("Staff of %(who)s reminded (%(people)s)", who=who, people=_people(n)) if n else
                      _("Staff of %(who)s reminded", who=who)),
        tl.ESCALATED: (_("Escalated to %(who)s: %(people)s told", who=who, people=_people(n)) if n else
                       _("Escalated to %(who)s", who=who)),
        tl.NOT_ABOUT_US: _("%(who)s said the story is not about them", who=who),
        tl.REROUTED: _("Moved to %(who)s", who=who),
        tl.CHANGE_PLANNED: _("Change planned, due %(due)s", due=due),
        tl.CHANGE_DUE_REMINDED: _("Staff reminded that a planned change is due %(due)s", due=due),
        tl.CHANGE_OVERDUE: _("A planned change is overdue: it was due %(due)s", due=due),
        tl.CHANGE_MADE: _("%(who)s made a change", who=who),
        tl.NO_CHANGE_PLANNED: _("%(who)s plans no change, and said why", who=who),
        tl.CONFIRMED: _("The author confirmed the change matches what they see"),
        tl.NOT_YET: _("The author does not see the change yet"),
        tl.DISPUTED: _("The author disputed the change"),
        tl.REOPENED: _("Reopened by the author's answer"),
    }
    return words.get(event.kind, event.label)


def _story(story_id: int) -> Story:
    story = db.session.get(Story, story_id)
    if story is None:
        abort(404)
    return story


def _respond(story: Story, form, action, **extra) -> object:
    """Run a staff or author action from the story page; on a problem, show the page with the form's errors."""
    if form.validate_on_submit():
        try:
            item = action()
        except (Invalid, Conflict) as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            if item.status == AWAITING_MODERATION and item.kind != AUTHOR_ANSWER:
                flash(_("Thank you. Your change is waiting for a moderator: it appears on the story, and the author "
                        "is told, once they have read it.") if isinstance(item, Change) else
                      _("Thank you. Your reply is waiting for a moderator: it appears on the story, and the author "
                        "is told, once they have read it."), "info")
            return redirect(url_for("pages.story", story_id=story.id, _anchor=f"{item.__tablename__}-{item.id}"))
    return render_story(story, status=400, **{form.__class__.__name__: form}, **extra)


@bp.route("/stories/<int:story_id>/replies", methods=["POST"])
def reply(story_id: int):
    story = _story(story_id)
    require("provider.respond", story.provider)
    form = ReplyForm()
    return _respond(story, form, lambda: replies.add_reply(db.session, current_user, story, form.body.data or ""))


@bp.route("/stories/<int:story_id>/changes", methods=["POST"])
def change(story_id: int):
    story = _story(story_id)
    require("provider.respond", story.provider)
    form = ChangeForm()
    return _respond(story, form, lambda: changes.add_change(
        db.session, current_user, story, form.kind.data or "", form.description.data or "", form.made_on.data,
        due_on=form.due_on.data, owner=form.owner.data or "", evidence=form.evidence.data or "",
        evidence_url=form.evidence_url.data or ""))


@bp.route("/stories/<int:story_id>/changes/<int:change_id>/made", methods=["POST"])
def mark_made(story_id: int, change_id: int):
    """A planned change is done: staff give the date it was made and, if they like, evidence."""
    story = _story(story_id)
    require("provider.respond", story.provider)
    item = db.session.get(Change, change_id)
    if item is None or item.story_id != story.id or item.status != VISIBLE:
        abort(404)
    form = MarkMadeForm(prefix=f"made-{item.id}")
    return _respond(story, form, lambda: changes.mark_made(
        db.session, current_user, item, form.made_on.data, form.evidence.data or "", form.evidence_url.data or ""),
        made_for=item.id)


@bp.route("/stories/<int:story_id>/not-about-us", methods=["POST"])
def not_about_us(story_id: int):
    """Staff say the story is about another service and name it: a moderator decides."""
    story = _story(story_id)
    require("provider.respond", story.provider)
    form = NotAboutUsForm()
    if form.validate_on_submit():
        try:
            reroutes.request_reroute(db.session, current_user, story, find_by_code(db.session, form.provider.data),
                                     form.note.data or "")
        except (Invalid, Conflict) as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you. A moderator will check and move the story; until then it is not reminded."), "success")
            return redirect(url_for("pages.story", story_id=story.id, _anchor="not-about-us"))
    return render_story(story, status=400, NotAboutUsForm=form)


@bp.route("/stories/<int:story_id>/answers", methods=["POST"])
@login_required
def answer(story_id: int):
    story = _story(story_id)
    if story.author_id != current_user.id:
        raise NotAllowed(_l("Only the author of the story can answer here."))
    form = AnswerForm()
    result = _respond(story, form, lambda: replies.add_answer(db.session, current_user, story,
                                                               form.body.data or ""))
    if getattr(result, "status_code", None) == 302:
        flash(_("Thank you. Your answer will appear once a moderator has read it."), "success")
    return result


# ---------------------------------------------------------------- "this happened to me too"

def _me_too_ids() -> list[int]:
    """The story ids this browser has said "me too" to: read from the signed cookie (nothing if tampered)."""
    raw = request.cookies.get(ME_TOO_COOKIE)
    if not raw:
        return []
    try:
        ids = read_token("me-too", raw, ME_TOO_MAX_AGE).get("ids")
    except Invalid:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def _me_too_limit():
    return limiter.limit(lambda: current_app.config["RATELIMIT_POSTING"], methods=["POST"])


@bp.route("/stories/<int:story_id>/me-too", methods=["GET", "POST"])
@_me_too_limit()
def me_too(story_id: int):
    """The story page's "This happened to me too" opens this page, whose button counts it: once per browser,
    no account. (A form on the story page itself would carry a visitor's CSRF token, and the page could no longer
    be kept for every visitor: app/web/cache.py.)"""
    story = queries.story_for_viewer(db.session, story_id, current_user, False)
    if story.status != PUBLISHED:
        abort(404)
    ids = _me_too_ids()
    already = story.id in ids
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        if already:
            flash(_("You have already said this happened to you too, from this browser. Thank you."), "info")
            return redirect(url_for("pages.story", story_id=story.id, _anchor="me-too"))
        if not queries.count_me_too(db.session, story.id):
            abort(404)
        db.session.commit()
        flash(_("Thank you. You have said this happened to you too."), "success")
        response = redirect(url_for("pages.story", story_id=story.id, _anchor="me-too"))
        token = make_token("me-too", {"ids": [*ids, story.id][-ME_TOO_KEEP:]})
        response.set_cookie(ME_TOO_COOKIE, token, max_age=ME_TOO_MAX_AGE, httponly=True, samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), path="/stories/")
        return response
    return render_template("pages/me_too.html", story=story, form=form, already=already), \
        400 if request.method == "POST" else 200

