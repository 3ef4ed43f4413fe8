"""The story page with its conversation: the story, replies, changes and answers, and the forms that add to it.

A form posted from the page that has a problem shows the page again with the form's errors (no JavaScript needed),
so the posts live beside the page they come from.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.accounts.permissions import can, require
from app.directory.services import ancestors
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import db
from app.pages.blueprint import bp
from app.replies import services as replies
from app.replies.forms import AnswerForm, ChangeForm, HideReplyForm, ReplyForm
from app.replies.models import AUTHOR_ANSWER, AWAITING_MODERATION, Change
from app.stories import queries
from app.stories.models import PUBLISHED, Story
from app.web.cache import ON_HIT
from app.web.helpers import show_error


def _count_read(story_id: int) -> None:
    queries.count_read(db.session, story_id)
    db.session.commit()


# A visitor served the kept page still counts (only published stories' pages are kept, and only for visitors).
ON_HIT["pages.story"] = _count_read


@bp.route("/stories/<int:story_id>")
def story(story_id: int):
    story = queries.story_for_viewer(db.session, story_id, current_user, can("moderation.view"))
    # Rendered first: the count's commit would expire the story and load it again, and its row lock
    # would last through the rendering.
    response = render_story(story)
    if story.status == PUBLISHED and not (current_user.is_authenticated and current_user.id == story.author_id):
        _count_read(story.id)
    return response


def render_story(story: Story, status: int = 200, **forms):
    """The story page with its conversation; the forms shown depend on who is looking.

    A form that failed elsewhere (a reply with no text, say) is passed in by its class name to show its errors.
    """
    is_author = current_user.is_authenticated and current_user.id == story.author_id
    staff = story.status == PUBLISHED and can("provider.respond", story.provider)
    context = {
        "story": story, "trail": ancestors(db.session, story.provider), "is_author": is_author,
        "conversation": replies.conversation(db.session, story), "can_respond": staff,
        "reply_form": forms.get("ReplyForm") or (ReplyForm() if staff else None),
        "change_form": forms.get("ChangeForm") or (ChangeForm() if staff else None),
        "answer_form": forms.get("AnswerForm") or (AnswerForm() if is_author and story.status == PUBLISHED
                                                   else None),
        "hide_form": HideReplyForm() if can("moderation.view") else None,
        "answer_waiting": is_author and replies.has_pending_answer(db.session, story),
        # The staff member's own replies and changes not (yet) public: "waiting for a moderator".
        "waiting_items": replies.waiting_for_writer(db.session, story, current_user) if staff else [],
        "edit_minutes": replies.REPLY_EDIT_MINUTES,
    }
    return render_template("pages/story.html", **context), status


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
            return redirect(url_for("pages.story", story_id=story.id, _anchor=f"{item.__tablename__}-{item.id}"))
    return render_story(story, status=400, **{form.__class__.__name__: form})


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
    return _respond(story, form, lambda: replies.add_change(
        db.session, current_user, story, form.kind.data or "", form.description.data or "", form.made_on.data))


@bp.route("/stories/<int:story_id>/answers", methods=["POST"])
@login_required
def answer(story_id: int):
    story = _story(story_id)
    if story.author_id != current_user.id:
        raise NotAllowed("Only the author of the story can answer here.")
    form = AnswerForm()
    result = _respond(story, form, lambda: replies.add_answer(db.session, current_user, story,
                                                               form.body.data or ""))
    if getattr(result, "status_code", None) == 302:
        flash("Thank you. Your answer will appear once a moderator has read it.", "success")
    return result
