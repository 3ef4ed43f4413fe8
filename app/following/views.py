"""The follow pages: ask to follow a service, confirm by the emailed link, unsubscribe in one click."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_wtf import FlaskForm
from wtforms import StringField

from app.directory.services import find_by_code
from app.errors import Invalid
from app.extensions import csrf, db, limiter
from app.following import services
from app.web.helpers import link_problem, show_error
from app.web.i18n import lazy_gettext as _l

bp = Blueprint("following", __name__)


class FollowForm(FlaskForm):
    email = StringField(_l("Your email address"), description=_l("We use it only to send you this digest. "
                        "It is never shown to anyone."), render_kw={"autocomplete": "email", "type": "email"})


@bp.route("/providers/<code>/follow", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_POSTING"], methods=["POST"])
def follow(code: str):
    provider = find_by_code(db.session, code)
    if provider is None:
        abort(404)
    form = FollowForm()
    if form.validate_on_submit():
        try:
            services.ask_to_follow(db.session, provider, form.email.data or "")
        except Invalid as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            # The same words whether or not the address already follows: nothing tells who follows what.
            return render_template("following/check_email.html", provider=provider)
    return render_template("following/follow.html", form=form, provider=provider), 400 if form.errors else 200


@bp.route("/follow/confirm/<token>")
def confirm(token: str):
    try:
        follow = services.confirm(db.session, token)
    except Invalid as exc:
        return link_problem(exc.message)
    db.session.commit()
    return render_template("following/confirmed.html", provider=follow.provider)


@bp.route("/follow/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients POST here without a form; the signed token is the authority
def unsubscribe(token: str):
    if request.method == "POST":
        try:
            name = services.unsubscribe(db.session, token)
        except Invalid as exc:
            return link_problem(exc.message)
        db.session.commit()
        return render_template("following/unsubscribed.html", name=name)
    try:
        follow = services.read_unsubscribe(db.session, token)
    except Invalid as exc:
        return link_problem(exc.message)
    return render_template("following/unsubscribe.html", token=token, provider=follow.provider)
