"""What the public and authors send the moderators: a report on a story or a reply, and an author's request to
correct their published story. Moderators read both in the queue (app/moderation/views.py)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import db, limiter
from app.moderation import corrections, services
from app.moderation.forms import CorrectionRequestForm, ReportForm
from app.moderation.models import REPORT_REASONS
from app.replies.models import Reply
from app.stories import queries
from app.stories import services as stories
from app.stories.models import PUBLISHED
from app.web.helpers import show_error
from app.web.i18n import translated_choices
from app.web.params import whole_number

bp = Blueprint("reports", __name__)


def _posting_limit():
    return limiter.limit(lambda: current_app.config["RATELIMIT_POSTING"], methods=["POST"])


@bp.route("/stories/<int:story_id>/report", methods=["GET", "POST"])
@_posting_limit()
def report(story_id: int):
    story = queries.story_for_viewer(db.session, story_id, current_user, False)
    if story.status != PUBLISHED:
        abort(404)
    reply = None
    if (reply_id := whole_number(request.args.get("reply"), "reply")) is not None:
        reply = db.session.get(Reply, reply_id)
        if reply is None or reply.story_id != story.id or reply.status != "visible":
            abort(404)
    form = ReportForm()
    form.reason.choices = translated_choices(REPORT_REASONS)
    if form.validate_on_submit():
        try:
            # The address only tells reporters apart for REPORTS_TO_HIDE; it is kept as a keyed hash, never as is.
            services.report(db.session, story, form.reason.data or "", form.note.data or "", current_user,
                              reply=reply, address=request.remote_addr)
        except Invalid as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Thank you. A moderator will look at this story.", "success")
            return redirect(url_for("pages.story", story_id=story.id))
    return render_template("moderation/report.html", story=story, form=form, reply=reply)


@bp.route("/my/stories/<int:story_id>/correction", methods=["GET", "POST"])
@login_required
@_posting_limit()
def request_correction(story_id: int):
    """After publication: the author asks for a correction or for identifying details to be removed."""
    try:
        story = stories.author_story(db.session, current_user, story_id)
    except NotAllowed:
        abort(404)
    if story.status not in corrections.CORRECTABLE:
        flash("Only a published story can be corrected this way. You can edit or withdraw it.", "info")
        return redirect(url_for("stories.mine"))
    form = CorrectionRequestForm()
    if form.validate_on_submit():
        try:
            corrections.request_correction(db.session, current_user, story, form.kind.data or "",
                                           form.words.data or "")
        except (Invalid, Conflict) as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash("Thank you. A moderator will read your request and change the story.", "success")
            return redirect(url_for("stories.mine"))
    return render_template("moderation/correction.html", story=story, form=form,
                           waiting=corrections.open_requests(db.session, story))
