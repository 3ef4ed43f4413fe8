"""Account pages: sign up, log in and out, confirm, reset and change password, invitations, staff."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import links, services, staff
from app.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ChoosePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    ProveAddressForm,
    ResetPasswordForm,
    SignInLinkForm,
    SignupForm,
)
from app.accounts.models import Membership
from app.accounts.permissions import require
from app.accounts.tokens import user_claims, user_from_claims
from app.directory.services import ancestors, get_by_code
from app.errors import Conflict, Invalid, NotAllowed
from app.extensions import db, limiter
from app.web.helpers import link_problem, redirect_next, show_error

bp = Blueprint("accounts", __name__)


def _limit(setting: str):
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


@bp.route("/account/signup", methods=["GET", "POST"])
@_limit("RATELIMIT_SIGNUP")
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            services.sign_up(db.session, form.email.data, form.password.data, form.display_name.data or "")
        except Invalid as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            return render_template("accounts/check_email.html", email=form.email.data, purpose="signup")
    return render_template("accounts/signup.html", form=form)


@bp.route("/account/confirm/<token>", methods=["GET", "POST"])
@_limit("RATELIMIT_LOGIN")  # the form may check a password
def confirm(token: str):
    """The sign-up confirmation. The GET shows a button; only its POST confirms (and signs in)."""
    try:
        user = services.user_for_confirmation(db.session, token)
    except Invalid as exc:
        return link_problem(exc.message)
    if user.email_confirmed_at is not None:
        return link_problem("This address is already confirmed. Log in, or ask for a sign-in link.")
    form = ProveAddressForm()
    if form.validate_on_submit():
        try:
            services.confirm_email(db.session, token, form.password.data or None)
        except Invalid as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you: your email address is confirmed."), "success")
            return _sign_in_after_proof(user, "accounts.account")
    return render_template("accounts/confirm.html", form=form, user=user, address=links.masked(user.email),
                           has_password=user.password_hash is not None)


def _sign_in_after_proof(user, endpoint: str):
    """After an emailed link's button: sign in whoever proved the address, unless someone else is signed in."""
    if current_user.is_authenticated and current_user.id != user.id:
        flash(_("You are logged in as someone else, so we have not signed you in to this account."), "info")
        return redirect(url_for("accounts.account"))
    if user.password_hash is not None or links.may_sign_in_by_link(user):
        login_user(user)
        return redirect(url_for(endpoint))
    return redirect(url_for("accounts.login"))


@bp.route("/account/confirm", methods=["POST"])
@_limit("RATELIMIT_RESET")
def resend_confirmation():
    """ "Send the link again", offered to someone who gave the right password for an unconfirmed address."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))  # signed in means confirmed already
    pending = session.get("unconfirmed")
    if not isinstance(pending, dict):
        return redirect(url_for("accounts.login"))
    try:
        user = user_from_claims(db.session, pending)
    except Invalid:
        session.pop("unconfirmed", None)
        return redirect(url_for("accounts.login"))
    if not user.email_confirmed:
        services.send_confirmation(db.session, user)
        db.session.commit()
    return render_template("accounts/unconfirmed.html", form=ConfirmForm(), sent=True)


@bp.route("/account/login", methods=["GET", "POST"])
@_limit("RATELIMIT_LOGIN")
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated:
        return redirect_next(form.next.data, "accounts.account")
    if form.validate_on_submit():
        try:
            user = services.authenticate(db.session, form.email.data, form.password.data)
        except services.AddressNotConfirmed as exc:
            db.session.rollback()
            # The password was right: offer the confirmation again, and nothing else.
            session["unconfirmed"] = user_claims(exc.user)
            return render_template("accounts/unconfirmed.html", form=ConfirmForm(), sent=False)
        if user is None:
            # One message whether or not the address has an account.
            form.form_errors.append("The email address or password is not right.")
        else:
            db.session.commit()
            session.pop("unconfirmed", None)
            login_user(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect_next(form.next.data, "accounts.account")
    return render_template("accounts/login.html", form=form, link_form=SignInLinkForm())


@bp.route("/account/login/link", methods=["POST"])
@_limit("RATELIMIT_RESET")
def request_link():
    """ "Email me a sign-in link": the same page whether or not the address is known."""
    link_form = SignInLinkForm()
    if link_form.validate_on_submit():
        links.request_link(db.session, link_form.link_email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=link_form.link_email.data, purpose="link")
    return render_template("accounts/login.html", form=LoginForm(formdata=None), link_form=link_form), 400


@bp.route("/account/link/<token>", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def link_sign_in(token: str):
    """Where every link emailed to an author lands. The GET signs nobody in; the button's POST does."""
    try:
        link = links.read_link(db.session, token)
    except Invalid as exc:
        return link_problem(exc.message)
    user = link.user
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(link.next_path)
    needs_password = user.email_confirmed_at is not None and not links.may_sign_in_by_link(user)
    form = ConfirmForm()
    if not needs_password and not current_user.is_authenticated and form.validate_on_submit():
        try:
            user = links.sign_in_with_link(db.session, link)
        except NotAllowed:
            db.session.rollback()
            needs_password = True
        else:
            db.session.commit()
            login_user(user)
            flash(_("You are signed in to your stories."), "success")
            return redirect(link.next_path)
    return render_template("accounts/link_sign_in.html", form=form, address=links.masked(user.email),
                           needs_password=needs_password, next_path=link.next_path,
                           unconfirmed=user.email_confirmed_at is None)


@bp.route("/account/logout", methods=["POST"])
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("pages.home"))


@bp.route("/account/password/forgot", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(db.session, form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data, purpose="reset")
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/account/password/reset/<token>", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def reset_password(token: str):
    try:
        services.user_for_reset(db.session, token)
    except Invalid as exc:
        return link_problem(exc.message)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(db.session, token, form.password.data)
        except Invalid as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password is changed. Log in with the new one."), "success")
            # Never the address in the URL: it would sit in the history, logs and Referer headers.
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@_limit("RATELIMIT_LOGIN")  # it checks the current password
def change_password():
    has_password = current_user.password_hash is not None
    form = ChangePasswordForm() if has_password else ChoosePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data if has_password else None,
                                     form.password.data)
        except Invalid as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            login_user(current_user)  # the session version moved on; keep this session, end the others
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form, has_password=has_password)


@bp.route("/account/")
@login_required
def account():
    memberships = db.session.scalars(
        db.select(Membership).where(Membership.user_id == current_user.id).options(db.joinedload(Membership.provider))
    ).all()
    return render_template("accounts/account.html", memberships=memberships, form=ConfirmForm())


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = staff.invitation_from_token(db.session, token)
    except Invalid as exc:
        return link_problem(exc.message)
    existing = services.find_user(db.session, invitation.email)
    # Staff sign in with a password: a new person, or an author signed in by emailed link, chooses one here.
    choose_password = (existing is None and not current_user.is_authenticated) or (
        current_user.is_authenticated and current_user.password_hash is None)
    form = AcceptInvitationForm() if choose_password else ConfirmForm()
    if form.validate_on_submit():
        try:
            if current_user.is_authenticated and choose_password:
                user = current_user._get_current_object()
                staff.accept_choosing_password(db.session, invitation, user, form.display_name.data,
                                               form.password.data)
                login_user(user)  # the session version moved on with the new password
            elif current_user.is_authenticated:
                staff.accept(db.session, invitation, current_user)
                user = current_user
            elif existing is None:
                user = staff.accept_as_new_user(db.session, invitation, form.display_name.data, form.password.data)
            else:
                abort(400)
        except (Invalid, Conflict, NotAllowed) as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            if not current_user.is_authenticated:
                login_user(user)
            flash(_("You are now on the staff of %(name)s.", name=invitation.provider.name), "success")
            return redirect(url_for("pages.provider", code=invitation.provider.code))
    return render_template("accounts/accept_invitation.html", invitation=invitation, form=form,
                           existing=existing, next_url=request.path, choose_password=choose_password)


@bp.route("/providers/<code>/staff", methods=["GET", "POST"])
def provider_staff(code: str):
    provider = get_by_code(db.session, code)
    require("provider.manage_staff", provider)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            staff.invite(db.session, provider, form.email.data, form.job_title.data or "", form.role.data,
                         invited_by=current_user)
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("accounts.provider_staff", code=provider.code))
    return render_template("accounts/provider_staff.html", provider=provider, form=form,
                           trail=ancestors(db.session, provider),
                           members=staff.members(db.session, provider),
                           invitations=staff.pending_invitations(db.session, provider),
                           remove_form=ConfirmForm())


@bp.route("/providers/<code>/staff/<int:membership_id>/remove", methods=["POST"])
def remove_staff(code: str, membership_id: int):
    provider = get_by_code(db.session, code)
    require("provider.manage_staff", provider)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.provider_id != provider.id:
        abort(404)
    staff.remove_membership(db.session, membership)
    db.session.commit()
    flash(_("Removed from the staff."), "info")
    return redirect(url_for("accounts.provider_staff", code=provider.code))
