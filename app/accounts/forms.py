"""Account forms. Business rules (password policy, unique addresses) live in services."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from app.accounts.models import MEMBER_ROLES

EMAIL = dict(validators=[DataRequired("Enter your email address."), Length(max=254)],
             render_kw={"autocomplete": "email", "spellcheck": "false"})


class SignupForm(FlaskForm):
    email = EmailField("Email address", **EMAIL)
    display_name = StringField("Your name (optional)", validators=[Optional(), Length(max=120)],
                               description="Only moderators see this; each story carries a public name you choose.",
                               render_kw={"autocomplete": "name"})
    password = PasswordField("Password", validators=[DataRequired("Choose a password.")],
                             description="At least 10 characters. A few unrelated words make a strong password.",
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Type the password again",
                            validators=[DataRequired("Type the password again."),
                                        EqualTo("password", "The two passwords do not match.")],
                            render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    email = EmailField("Email address", **EMAIL)
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me logged in on this device")
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email address", **EMAIL)


class SignInLinkForm(FlaskForm):
    """ "Email me a sign-in link", beside the password form (its own field name: the two share a page)."""

    link_email = EmailField("The email you gave with your story", **EMAIL)


class ProveAddressForm(FlaskForm):
    """The button on a confirmation page; the password only when the account has one and is not yet confirmed."""

    password = PasswordField("The password you chose (if you signed up)", validators=[Optional()],
                             description="Type it to keep it. Did not sign up, or forgotten it? Leave it empty: "
                                         "your address is confirmed and any password set for it is removed.",
                             render_kw={"autocomplete": "current-password"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired("Choose a password.")],
                             description="At least 10 characters.", render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Type the new password again",
                            validators=[DataRequired("Type the password again."),
                                        EqualTo("password", "The two passwords do not match.")],
                            render_kw={"autocomplete": "new-password"})


class ChoosePasswordForm(ResetPasswordForm):
    """For an author who has signed in by emailed links only: there is no current password to give."""


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")],
                                     render_kw={"autocomplete": "current-password"})


class InviteForm(FlaskForm):
    email = EmailField("Their email address", **{**EMAIL, "render_kw": {"autocomplete": "off"}})
    job_title = StringField("Job title", validators=[Optional(), Length(max=120)],
                            description="Shown beside their replies, e.g. Ward manager.")
    role = SelectField("Role", choices=list(MEMBER_ROLES.items()), default="responder",
                       description="Managers can also invite and remove staff.")


class AcceptInvitationForm(FlaskForm):
    display_name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=120)],
                               description="Shown beside your replies.", render_kw={"autocomplete": "name"})
    password = PasswordField("Choose a password", validators=[DataRequired("Choose a password.")],
                             description="At least 10 characters.", render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Type the password again",
                            validators=[DataRequired("Type the password again."),
                                        EqualTo("password", "The two passwords do not match.")],
                            render_kw={"autocomplete": "new-password"})


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that POST."""


class DeleteAccountForm(FlaskForm):
    stories = RadioField("What should happen to your stories?",
                         choices=[("withdraw", "Withdraw my stories from the site"),
                                  ("keep", "Keep my published stories on the site, shown as Anonymous")],
                         validators=[DataRequired("Choose what happens to your stories.")])
    password = PasswordField("Your password", validators=[Optional()],
                             description="To be sure it is you.", render_kw={"autocomplete": "current-password"})
