"""An author's own data, from their account page: download it all, or delete the account."""
from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from app.accounts.forms import DeleteAccountForm
from app.errors import Invalid
from app.extensions import db, limiter
from app.pages import privacy
from app.pages.blueprint import bp
from app.web.helpers import show_error


@bp.route("/account/data")
@login_required
def download_data():
    response = jsonify(privacy.export_user_data(db.session, current_user))
    response.headers["Content-Disposition"] = 'attachment; filename="storyloop-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(db.session, current_user, form.password.data or "", form.stories.data)
        except Invalid as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account is deleted."), "info")
            return redirect(url_for("pages.home"))
    return render_template("accounts/delete_account.html", form=form,
                           has_password=current_user.password_hash is not None)
