"""Account forms. Business rules (password policy, unique addresses) live in services."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.accounts.models import MEMBER_ROLES
from app.web.i18n import lazy_gettext as _l
from app.web.i18n import translated_choices

EMAIL = dict(validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
             render_kw={"autocomplete": "email", "spellcheck": "false"})


class SignupForm(FlaskForm):
    email = EmailField(_l("Email address"), **EMAIL)
    display_name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=120)],
                               description=_l("Only moderators see this; each story carries a public name you choose."),
                               render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password."))],
                             description=_l("At least 10 characters. A few unrelated words make a strong password."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Type the password again"),
                            validators=[DataRequired(_l("Type the password again.")),
                                        EqualTo("password", _l("The two passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), **EMAIL)
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email address"), **EMAIL)


class SignInLinkForm(FlaskForm):
    """ "Email me a sign-in link", beside the password form (its own field name: the two share a page)."""

    link_email = EmailField(_l("The email you gave with your story"), **EMAIL)


class ProveAddressForm(FlaskForm):
    """The button on a confirmation page; the password only when the account has one and is not yet confirmed."""

    password = PasswordField(_l("The password you chose (if you signed up)"), validators=[Optional()],
                             description=_l("Type it to keep it. Did not sign up, or forgotten it? Leave it empty: "
                                         "your address is confirmed and any password set for it is removed."),
                             render_kw={"autocomplete": "current-password"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a password."))],
                             description=_l("At least 10 characters."), render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Type the new password again"),
                            validators=[DataRequired(_l("Type the password again.")),
                                        EqualTo("password", _l("The two passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class ChoosePasswordForm(ResetPasswordForm):
    """For an author who has signed in by emailed links only: there is no current password to give."""


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password."))],
                                     render_kw={"autocomplete": "current-password"})


class InviteForm(FlaskForm):
    email = EmailField(_l("Their email address"), **{**EMAIL, "render_kw": {"autocomplete": "off"}})
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)],
                            description=_l("Shown beside their replies, e.g. Ward manager."))
    role = SelectField(_l("Role"), choices=translated_choices(MEMBER_ROLES), default="responder",
                       description=_l("Managers can also invite and remove staff."))


class AcceptInvitationForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)],
                               description=_l("Shown beside your replies."), render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Choose a password"), validators=[DataRequired(_l("Choose a password."))],
                             description=_l("At least 10 characters."), render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Type the password again"),
                            validators=[DataRequired(_l("Type the password again.")),
                                        EqualTo("password", _l("The two passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that POST."""


class DeleteAccountForm(FlaskForm):
    stories = RadioField(_l("What should happen to your stories?"),
                         choices=[("withdraw", _l("Withdraw my stories from the site")),
                                  ("keep", _l("Keep my published stories on the site, shown as Anonymous"))],
                         validators=[DataRequired(_l("Choose what happens to your stories."))])
    password = PasswordField(_l("Your password"), validators=[Optional()],
                             description=_l("To be sure it is you."), render_kw={"autocomplete": "current-password"})
