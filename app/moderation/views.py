"""The moderation queue and a moderator's view of one story, with every action."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.forms import ConfirmForm
from app.accounts.permissions import require
from app.audit import AuditEvent
from app.directory import finder
from app.directory.models import Provider
from app.directory.services import ancestors
from app.errors import STALE, Conflict, Invalid, NotFound, commit_or_conflict, stale_is_conflict
from app.extensions import db, utcnow
from app.flags import FLAG_KINDS, SAFEGUARDING, highlight
from app.moderation import conversation, disputes, fixing, reroutes, services
from app.moderation.forms import (
    CorrectForm,
    ItemForm,
    MoveForm,
    PublishForm,
    QueueFilterForm,
    ReasonForm,
    RejectForm,
    RerouteConfirmForm,
    RerouteDeclineForm,
    SafeguardingForm,
    SendBackForm,
)
from app.moderation.models import ReplyRevision, Report, RerouteRequest, StoryRevision
from app.moderation.signposting import signposting
from app.replies.models import Change, Reply
from app.replies.verdicts import waiting_verdicts
from app.stories.models import Story, Tag
from app.web.cache import kept_template
from app.web.helpers import show_error
from app.web.pagination import keyset_page
from app.web.params import one_of_numbers, whole_number
from app.web.security import render_error

bp = Blueprint("moderation", __name__, url_prefix="/moderation")


@bp.before_request
def moderators_only():
    require("moderation.view")


@bp.app_errorhandler(StaleDataError)
def stale(exc: StaleDataError):
    """The last net under every action: a version that moved under a flush anywhere is the "it changed" page."""
    db.session.rollback()
    return render_error(409, STALE)


@bp.app_context_processor
def signposting_for_templates():
    # templates/moderation/_signposting.html, included on the tell and thanks pages.
    return {"signposting": signposting}


@bp.route("/")
def queue():
    form = QueueFilterForm(request.args)
    form.flag.choices = [("", "Any")] + list(FLAG_KINDS.items())
    # The service by code or by name through the finder; an unknown one is an error with the close matches.
    resolved = finder.resolve(db.session, form.provider.data or "")
    provider = resolved.provider
    if resolved.unknown:
        form.provider.errors = [f"No service matches “{resolved.typed}”."]
    # Only the offered choices: any other number (say 10**20 hours) is a 400, not an overflow.
    waiting = one_of_numbers(form.waiting.data, "waiting", {int(value) for value, _ in form.waiting.choices if value})
    filters = services.QueueFilters(provider=provider, flag=form.flag.data or None, waiting_hours=waiting)
    # Stories that may speak of a risk of harm come first, all of them, above the pages of the rest. Their ids
    # are kept while nothing the queue counts changes; both lists are read now as plain rows (with claims).
    urgent = services.queue_rows(db.session, services.urgent_ids(db.session, filters))
    stmt = services.queue_query(filters, safeguarding=False).with_only_columns(Story.id, Story.queued_at)
    page = keyset_page(db.session, stmt, [Story.queued_at, Story.id], lambda s: (s.queued_at.isoformat(), s.id),
                       request.args.get("after"), size=25, rows=True)
    page.items = services.queue_rows(db.session, [row.id for row in page.items])
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    now = utcnow()

    def shown(rows: list[services.QueueRow]) -> tuple:
        """What the lists show of each row: a claim only while it stands."""
        return tuple((r.id, r.title, r.queued_at, tuple(r.flags), r.route, r.language, r.provider_name,
                      (r.claimant, r.claimed_until) if r.claimant and r.claimed_until and r.claimed_until > now
                      else None) for r in rows)
    # Rendering up to 125 rows cost more than reading them: the lists are kept under exactly what they show.
    lists = kept_template("moderation.queue.lists",
                          (shown(urgent), shown(page.items), page.next_cursor, tuple(sorted(args.items()))),
                          "moderation/_queue_lists.html",
                          lambda: {"urgent": urgent, "page": page, "args": args, "now": now, "flag_kinds": FLAG_KINDS})
    return render_template("moderation/queue.html", lists=lists, urgent=urgent, form=form, args=args,
                           counts=services.queue_counts(db.session), flag_kinds=FLAG_KINDS,
                           reports=services.open_reports(db.session), now=now, report_form=ConfirmForm(),
                           items=conversation.waiting(db.session), item_form=ItemForm(), highlight=highlight,
                           disputes=waiting_verdicts(db.session), reroutes=reroutes.waiting(db.session),
                           resolved=resolved)


def _story(story_id: int) -> Story:
    story = db.session.get(Story, story_id)
    if story is None:
        raise NotFound("No story has that number.")
    return story


def _forms(story: Story) -> dict:
    tags = list(db.session.scalars(select(Tag).where(Tag.active.is_(True)).order_by(Tag.kind, Tag.name)))
    publish = PublishForm(prefix="publish", data={"version": story.version, "title": story.title, "body": story.body,
                                                  "criticality": None if story.criticality is None
                                                  else str(story.criticality),
                                                  "tags": [t.slug for t in story.tags]})
    publish.tags.choices = [(t.slug, ("Good: " if t.kind == "good" else "Improve: ") + t.name) for t in tags]
    return {
        "publish": publish,
        "reject": RejectForm(prefix="reject", data={"version": story.version}),
        "send_back": SendBackForm(prefix="send_back", data={"version": story.version}),
        "hide": ReasonForm(prefix="hide", data={"version": story.version}),
        "restore": ReasonForm(prefix="restore", data={"version": story.version}),
        "claim": ConfirmForm(prefix="claim"),
        "move": MoveForm(prefix="move", data={"version": story.version}),
        "correct": CorrectForm(prefix="correct", data={"version": story.version, "title": story.title,
                                                       "body": story.body}),
        "safeguarding": SafeguardingForm(prefix="safeguarding"),
        "reroute_confirm": RerouteConfirmForm(prefix="reroute_confirm", data={"version": story.version}),
        "reroute_decline": RerouteDeclineForm(prefix="reroute_decline"),
    }


def _render(story: Story, forms: dict, status: int = 200):
    replies = db.session.scalars(select(Reply).where(Reply.story_id == story.id).order_by(Reply.created_at)).all()
    changes = db.session.scalars(select(Change).where(Change.story_id == story.id)
                                 .order_by(Change.created_at)).all()
    items = sorted([*replies, *changes], key=lambda i: (i.created_at, i.id))
    return render_template(
        "moderation/story.html", story=story, forms=forms, trail=ancestors(db.session, story.provider),
        flag_kinds=FLAG_KINDS,
        title_segments=highlight(story.title), body_segments=highlight(story.body),
        claimant=services.active_claim(story), items=items, hidden_by_reports=services.hidden_by_reports(
            db.session, story), safeguarding=SAFEGUARDING in (story.flags or []) or any(
            SAFEGUARDING in (i.flags or []) for i in items),
        reports=db.session.scalars(select(Report).where(Report.story_id == story.id)
                                   .order_by(Report.created_at.desc())).all(),
        reroute_requests=reroutes.for_story(db.session, story),
    ), status


@bp.route("/stories/<int:story_id>")
def story(story_id: int):
    story = _story(story_id)
    return _render(story, _forms(story))


@bp.route("/stories/<int:story_id>/claim", methods=["POST"])
def claim(story_id: int):
    story = _story(story_id)
    form = ConfirmForm(prefix="claim")
    if form.validate_on_submit():
        try:
            services.claim(db.session, current_user, story)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash("You have claimed this story for 15 minutes.", "success")
    return redirect(url_for("moderation.story", story_id=story.id))


def _service(typed: str | None) -> Provider | None:
    """The service a moderator named by code or by name (through the finder, only when the name clearly means one
    service: a story is never moved on a guess). Unknown: the close matches, with their codes, in the error."""
    resolved = finder.resolve(db.session, typed, active_only=True)
    if resolved.unknown and resolved.matches:
        close = "; ".join(f"{m.chain_text} ({m.code})" for m in resolved.matches[:5])
        raise Invalid(f"No single service matches “{resolved.typed}”. Did you mean: {close}? "
                      "Type its code to be sure.", field="provider")
    return resolved.provider


ACTIONS = {
    "publish": ("Published.", lambda s, f: services.publish(
        db.session, current_user, s, f.version.data, services.Publication(
            criticality=whole_number(f.criticality.data, "criticality", 0, 5),
            tags=list(f.tags.data or []), title=f.title.data or "", body=f.body.data or "",
            edit_reason=f.edit_reason.data or ""))),
    "reject": ("Rejected; the author has been told why.", lambda s, f: services.reject(
        db.session, current_user, s, f.version.data, f.reason_code.data or "", f.note.data or "")),
    "send_back": ("Sent back to the author.", lambda s, f: services.send_back(
        db.session, current_user, s, f.version.data, f.note.data or "")),
    "hide": ("Hidden from the public.", lambda s, f: services.hide(
        db.session, current_user, s, f.version.data, f.reason.data or "")),
    "restore": ("Restored to the public site.", lambda s, f: services.restore(
        db.session, current_user, s, f.version.data, f.reason.data or "")),
    "move": ("Moved. The new service's staff are alerted if the story is published.", lambda s, f: fixing.move(
        db.session, current_user, s, f.version.data,
        _service(f.provider.data),
        f.reason.data or "")),
    "correct": ("Corrected; the story stays published and the author has been told.", lambda s, f: fixing.correct(
        db.session, current_user, s, f.version.data, f.title.data or "", f.body.data or "", f.reason.data or "")),
}


@bp.route("/stories/<int:story_id>/<any(publish, reject, send_back, hide, restore, move, correct):action>",
          methods=["POST"])
def act(story_id: int, action: str):
    story = _story(story_id)
    forms = _forms(story)
    form = forms[action]
    form.process(request.form)
    if not form.validate_on_submit():
        return _render(story, forms, 400)
    done, run = ACTIONS[action]
    try:
        with stale_is_conflict(db.session):  # a clash may surface in the action's own flush too
            run(story, form)
            db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        show_error(form, exc)
        return _render(_story(story_id), forms, 400)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
        story = _story(story_id)
        return _render(story, _forms(story), 409)
    flash(done, "success")
    if action in ("publish", "reject", "send_back"):
        return redirect(url_for("moderation.queue"))
    return redirect(url_for("moderation.story", story_id=story.id))


@bp.route("/stories/<int:story_id>/history")
def history(story_id: int):
    story = _story(story_id)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.story_id == story.id)
                                .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.created_at,
                                                                                 AuditEvent.id)).all()
    revisions = db.session.scalars(select(StoryRevision).where(StoryRevision.story_id == story.id)
                                   .options(selectinload(StoryRevision.editor))
                                   .order_by(StoryRevision.created_at)).all()
    reply_revisions = db.session.scalars(select(ReplyRevision).where(ReplyRevision.story_id == story.id)
                                         .options(selectinload(ReplyRevision.editor))
                                         .order_by(ReplyRevision.created_at, ReplyRevision.id)).all()
    return render_template("moderation/history.html", story=story, events=events, revisions=revisions,
                           reply_revisions=reply_revisions)


@bp.route("/stories/<int:story_id>/safeguarding", methods=["POST"])
def safeguarding(story_id: int):
    """Record "safeguarding concern raised" (and email the safeguarding lead when one is set up)."""
    story = _story(story_id)
    forms = _forms(story)
    form = forms["safeguarding"]
    form.process(request.form)
    if not form.validate_on_submit():
        return _render(story, forms, 400)
    try:
        fixing.raise_safeguarding(db.session, current_user, story, form.note.data or "")
        commit_or_conflict(db.session)
    except Invalid as exc:
        db.session.rollback()
        show_error(form, exc)
        return _render(_story(story_id), forms, 400)
    flash("Safeguarding concern recorded." + (" The safeguarding lead has been emailed."
                                              if current_app.config.get("SAFEGUARDING_EMAIL") else ""), "success")
    return redirect(url_for("moderation.story", story_id=story.id))


# ---------------------------------------------------------------- replies, answers and changes

KINDS = {"replies": Reply, "changes": Change}
ITEM_ACTIONS = {
    "publish": ("Published.", lambda i, f: conversation.publish(db.session, current_user, i, f.version.data)),
    "reject": ("Turned down.", lambda i, f: conversation.reject(db.session, current_user, i, f.reason.data or "",
                                                                 f.version.data)),
    "hide": ("Hidden from the public.", lambda i, f: conversation.hide(db.session, current_user, i,
                                                                        f.reason.data or "", f.version.data)),
    "restore": ("Restored to the conversation.", lambda i, f: conversation.restore(
        db.session, current_user, i, f.reason.data or "", f.version.data)),
    "revise": ("Edited; the revision is on the story's history page.", lambda i, f: conversation.revise(
        db.session, current_user, i, f.body.data or "", f.reason.data or "", f.version.data)),
}


def _item(kind: str, item_id: int) -> Reply | Change:
    item = db.session.get(KINDS[kind], item_id)
    if item is None:
        raise NotFound("There is nothing with that number.")
    return item


def _render_item(kind: str, item: Reply | Change, form: ItemForm | None = None, status: int = 200):
    form = form or ItemForm(data={"version": item.version, "body": item.body})
    return render_template("moderation/item.html", kind=kind, item=item, story=item.story, form=form,
                           flag_kinds=FLAG_KINDS,
                           noun=conversation.noun(item), segments=highlight(item.body),
                           verdict_segments=highlight(item.verdict_note or "") if kind == "changes" else [],
                           highlight=highlight,
                           reports=db.session.scalars(select(Report).where(Report.reply_id == item.id)
                                                      .order_by(Report.created_at.desc())).all()
                           if kind == "replies" else []), status


@bp.route("/<any(replies, changes):kind>/<int:item_id>")
def item(kind: str, item_id: int):
    return _render_item(kind, _item(kind, item_id))


@bp.route("/<any(replies, changes):kind>/<int:item_id>/<any(publish, reject, hide, restore, revise):action>",
          methods=["POST"])
def moderate_item(kind: str, item_id: int, action: str):
    item = _item(kind, item_id)
    form = ItemForm()
    if not form.validate_on_submit():
        return _render_item(kind, item, form, 400)
    done, run = ITEM_ACTIONS[action]
    try:
        with stale_is_conflict(db.session):
            run(item, form)
            db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        show_error(form, exc)
        return _render_item(kind, _item(kind, item_id), form, 400)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_item(kind, _item(kind, item_id), status=409)
    flash(done, "success")
    if request.form.get("next") == "queue":
        return redirect(url_for("moderation.queue", _anchor="conversation"))
    if action == "hide" and request.form.get("next") == "story":
        return redirect(url_for("pages.story", story_id=item.story_id))
    return redirect(url_for("moderation.item", kind=kind, item_id=item.id))


@bp.route("/reports/<int:report_id>/dismiss", methods=["POST"])
def dismiss_report(report_id: int):
    """Nothing to do about a report. (Hiding the story, on its page, resolves its reports.)"""
    item = db.session.get(Report, report_id)
    if item is None:
        raise NotFound("No report has that number.")
    form = ConfirmForm()
    if form.validate_on_submit():
        services.resolve_report(db.session, current_user, item, "dismissed")
        commit_or_conflict(db.session)
        flash("Report dismissed.", "info")
    return redirect(url_for("moderation.queue"))


# ---------------------------------------------------------------- "not about us" and the authors' disputes

@bp.route("/reroutes/<int:request_id>/<any(confirm, decline):action>", methods=["POST"])
def reroute(request_id: int, action: str):
    """Decide a staff member's "not about us": move the story (its new service is alerted) or keep it."""
    item = db.session.get(RerouteRequest, request_id)
    if item is None:
        raise NotFound("No request has that number.")
    story = item.story
    forms = _forms(story)
    form = forms[f"reroute_{action}"]
    form.process(request.form)
    if not form.validate_on_submit():
        return _render(story, forms, 400)
    try:
        with stale_is_conflict(db.session):
            if action == "confirm":
                reroutes.confirm(db.session, current_user, item, form.version.data,
                                 _service(form.provider.data), form.reason.data or "")
            else:
                reroutes.decline(db.session, current_user, item, form.reason.data or "")
            db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        show_error(form, exc)
        return _render(_story(story.id), forms, 400)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
        story = _story(story.id)
        return _render(story, _forms(story), 409)
    flash("Moved. The new service's staff are alerted and the staff member who asked is told."
          if action == "confirm" else "Kept where it is. The staff member who asked is told why.", "success")
    return redirect(url_for("moderation.story", story_id=story.id))


DISPUTE_ACTIONS = {
    "publish": ("The author's dispute is public beside the change.",
                lambda c, f: disputes.publish(db.session, current_user, c, f.version.data)),
    "reject": ("The dispute is turned down; the change stays as reported.",
               lambda c, f: disputes.reject(db.session, current_user, c, f.reason.data or "", f.version.data)),
}


@bp.route("/disputes/<int:change_id>/<any(publish, reject):action>", methods=["POST"])
def dispute(change_id: int, action: str):
    """Check an author's dispute of a change made before it shows beside the change."""
    change = _item("changes", change_id)
    form = ItemForm()
    if not form.validate_on_submit():
        return _render_item("changes", change, form, 400)
    done, run = DISPUTE_ACTIONS[action]
    try:
        with stale_is_conflict(db.session):
            run(change, form)
            db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        show_error(form, exc)
        return _render_item("changes", _item("changes", change_id), form, 400)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _render_item("changes", _item("changes", change_id), status=409)
    flash(done, "success")
    if request.form.get("next") == "queue":
        return redirect(url_for("moderation.queue", _anchor="disputes"))
    return redirect(url_for("moderation.item", kind="changes", item_id=change.id))
