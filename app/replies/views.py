"""Pages of the response loop: replying, changes, answers, hiding replies, alerts and the staff dashboard."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import Membership
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import csrf, db
from app.permissions import require
from app.replies import alerts, services
from app.replies.forms import AlertSettingsForm, AnswerForm, ChangeForm, ReplyForm
from app.replies.models import AUTHOR_ANSWER, AWAITING_MODERATION, STAFF_REPLY, VISIBLE, Change, Reply
from app.replies.queries import awaiting_reply, recent_colleague_replies
from app.stories.models import Story
from app.stories.views import render_story
from app.web.helpers import link_problem, show_error
from app.web.params import whole_number

bp = Blueprint("replies", __name__)


def _story(story_id: int) -> Story:
    story = db.session.get(Story, story_id)
    if story is None:
        abort(404)
    return story


def _respond(story: Story, form, action) -> object:
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
                flash(f"Thank you. Your {'change' if isinstance(item, Change) else 'reply'} is waiting for a "
                      "moderator: it appears on the story, and the author is told, once they have read it.", "info")
            return redirect(url_for("stories.show", story_id=story.id, _anchor=f"{item.__tablename__}-{item.id}"))
    return render_story(story, status=400, **{form.__class__.__name__: form})


@bp.route("/stories/<int:story_id>/replies", methods=["POST"])
def reply(story_id: int):
    story = _story(story_id)
    require("provider.respond", story.provider)
    form = ReplyForm()
    return _respond(story, form, lambda: services.add_reply(db.session, current_user, story, form.body.data or ""))


@bp.route("/stories/<int:story_id>/changes", methods=["POST"])
def change(story_id: int):
    story = _story(story_id)
    require("provider.respond", story.provider)
    form = ChangeForm()
    return _respond(story, form, lambda: services.add_change(
        db.session, current_user, story, form.kind.data or "", form.description.data or "", form.made_on.data))


@bp.route("/replies/<int:reply_id>/edit", methods=["GET", "POST"])
@login_required
def edit_reply(reply_id: int):
    item = db.session.get(Reply, reply_id)
    if item is None or item.kind != STAFF_REPLY:
        abort(404)
    # 403 for someone else's reply, a reply a moderator took down, or a writer no longer on the staff;
    # 409 once the 30 minutes are over.
    services.check_can_edit(db.session, current_user, item)
    form = ReplyForm(data={"body": item.body} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.edit_reply(db.session, current_user, item, form.body.data or "")
        except Invalid as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Your reply is updated." if item.status == VISIBLE else
                  "Your reply is updated. It is waiting for a moderator before it appears.", "success")
            return redirect(url_for("stories.show", story_id=item.story_id, _anchor=f"replies-{item.id}"))
    return render_template("replies/edit.html", form=form, reply=item)


@bp.route("/stories/<int:story_id>/answers", methods=["POST"])
@login_required
def answer(story_id: int):
    story = _story(story_id)
    if story.author_id != current_user.id:
        raise NotAllowed("Only the author of the story can answer here.")
    form = AnswerForm()
    result = _respond(story, form, lambda: services.add_answer(db.session, current_user, story,
                                                               form.body.data or ""))
    if getattr(result, "status_code", None) == 302:
        flash("Thank you. Your answer will appear once a moderator has read it.", "success")
    return result


@bp.route("/stories/<int:story_id>/answer/<token>", methods=["GET", "POST"])
def answer_by_link(story_id: int, token: str):
    """The author answers through the signed link in a reply email, without logging in."""
    story = _story(story_id)
    try:
        author = services.author_from_link(db.session, story, token)
    except Invalid as exc:
        return link_problem(exc.message)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            services.add_answer(db.session, author, story, form.body.data or "")
        except (Invalid, Conflict) as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Thank you. Your answer will appear once a moderator has read it.", "success")
            return redirect(url_for("stories.show", story_id=story.id))
    return render_template("replies/answer.html", form=form, story=story)


@bp.route("/alerts/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients POST here without a form; the signed token is the authority
def unsubscribe(token: str):
    if request.method == "POST":
        try:
            what = alerts.unsubscribe(db.session, token)
        except Invalid as exc:
            return link_problem(exc.message)
        db.session.commit()
        return render_template("replies/unsubscribed.html", what=what)
    try:
        alerts.read_unsubscribe(token)
    except Invalid as exc:
        return link_problem(exc.message)
    return render_template("replies/unsubscribe.html", token=token)


@bp.route("/dashboard")
@login_required
def dashboard():
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == current_user.id)
        .options(selectinload(Membership.provider)).order_by(Membership.created_at)
    ).all()
    forms = {m.id: AlertSettingsForm(prefix=f"m{m.id}", data={"frequency": m.alert_frequency,
                                                              "min_criticality": str(m.alert_min_criticality)})
             for m in memberships}
    from app.insight.flags import open_flags

    return render_template("replies/dashboard.html", memberships=memberships, forms=forms,
                           red_flags=open_flags(db.session, [m.provider_id for m in memberships]),
                           waiting=awaiting_reply(db.session, memberships),
                           recent=recent_colleague_replies(db.session, memberships, current_user))


@bp.route("/dashboard/alerts/<int:membership_id>", methods=["POST"])
@login_required
def alert_settings(membership_id: int):
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.user_id != current_user.id:
        abort(404)
    form = AlertSettingsForm(prefix=f"m{membership.id}")
    if form.validate_on_submit():
        try:
            crit = whole_number(form.min_criticality.data, "min_criticality", 0, 5)  # a BadParameter is Invalid
            crit = -1 if crit is None else crit
            alerts.update_settings(db.session, current_user, membership, form.frequency.data or "", crit)
        except Invalid as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(f"Alert settings for {membership.provider.name} saved.", "success")
    return redirect(url_for("replies.dashboard", _anchor="alerts"))



