"""Pages of the response loop of their own: editing a reply, answering by an emailed link, the author's verdict
on a change made (by an emailed link), alert settings and unsubscribing. The story page and its forms are in
app/pages/story.py; the dashboard in app/pages/dashboard.py."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.models import Membership
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import csrf, db
from app.replies import alerts, services
from app.replies.forms import AlertSettingsForm, AnswerForm, ReplyForm, VerdictForm
from app.replies.models import DISPUTED, STAFF_REPLY, VISIBLE, Change, Reply
from app.replies.verdicts import change_from_link, record_verdict
from app.stories.models import Story
from app.web.helpers import link_problem, show_error
from app.web.params import whole_number

bp = Blueprint("replies", __name__)


def _story(story_id: int) -> Story:
    story = db.session.get(Story, story_id)
    if story is None:
        abort(404)
    return story


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
            flash(_("Your reply is updated.") if item.status == VISIBLE else
                  _("Your reply is updated. It is waiting for a moderator before it appears."), "success")
            return redirect(url_for("pages.story", story_id=item.story_id, _anchor=f"replies-{item.id}"))
    return render_template("replies/edit.html", form=form, reply=item)


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
            flash(_("Thank you. Your answer will appear once a moderator has read it."), "success")
            return redirect(url_for("pages.story", story_id=story.id))
    return render_template("replies/answer.html", form=form, story=story)


@bp.route("/changes/<int:change_id>/check/<token>", methods=["GET", "POST"])
def check_change(change_id: int, token: str):
    """The author says, through the signed link in the "change made" email and without a password, whether the
    change matches what they see now: it matches, not yet, or it does not (with their words)."""
    change = db.session.get(Change, change_id)
    try:
        author = change_from_link(db.session, change, token)
    except Invalid as exc:
        return link_problem(exc.message)
    form = VerdictForm(data={"verdict": change.verdict} if request.method == "GET" and change.verdict else None)
    if form.validate_on_submit():
        try:
            record_verdict(db.session, author, change, form.verdict.data or "", form.note.data or "")
        except (Invalid, Conflict, NotAllowed) as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you. A moderator reads your words before they appear beside the change.")
                  if change.verdict == DISPUTED else _("Thank you. Your answer is shown beside the change."), "success")
            return redirect(url_for("pages.story", story_id=change.story_id, _anchor=f"changes-{change.id}"))
    return render_template("replies/check.html", form=form, change=change, story=change.story), \
        400 if form.errors or form.form_errors else 200


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
            flash(_("Alert settings for %(name)s saved.", name=membership.provider.name), "success")
    return redirect(url_for("pages.dashboard", _anchor="alerts"))



