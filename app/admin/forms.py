"""The console's forms: every POST carries its CSRF token; the filters are plain GET forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.directory.models import KINDS, SERVICE_TYPES
from app.web.params import IsoDateField

REASON_HINT = "Kept in the audit trail."


class ProviderEditForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the provider's name."), Length(max=200)])
    kind = SelectField("Kind", choices=list(KINDS.items()))
    service_type = SelectField("Service type", choices=[("", "Not said"), *SERVICE_TYPES.items()], default="",
                               description="What the service does, as the open data publishes it.")
    postcode = StringField("Postcode", validators=[Optional(), Length(max=20)], description="A UK postcode, or empty.")
    email = StringField("Contact email", validators=[Optional(), Length(max=254)],
                        description="Alerts go here while nobody is registered. Never shown publicly.")
    website = StringField("Website", validators=[Optional(), Length(max=500)])


class MoveForm(FlaskForm):
    parent = StringField("Code of the provider above it", validators=[Length(max=40)],
                         description="Leave empty to put it at the top of the hierarchy.")
    reason = TextAreaField("Reason", render_kw={"rows": 2}, description=REASON_HINT)


class CodeForm(FlaskForm):
    code = StringField("New code", validators=[DataRequired("Enter the new code."), Length(max=40)],
                       description="The old code keeps leading here: its pages redirect, the API follows it, and the "
                                   "open data lists it.")
    reason = TextAreaField("Reason", render_kw={"rows": 2}, validators=[Length(max=2000)], description=REASON_HINT)


class ReasonForm(FlaskForm):
    reason = TextAreaField("Reason", render_kw={"rows": 2}, validators=[Length(max=2000)], description=REASON_HINT)


class MergeForm(FlaskForm):
    target = StringField("Code of the provider to keep", validators=[DataRequired("Enter the code to merge into."),
                                                                      Length(max=40)],
                         description="Stories, staff, replies and changes move there; this code redirects to it.")
    reason = TextAreaField("Reason", render_kw={"rows": 2}, validators=[Length(max=2000)], description=REASON_HINT)


class RoleForm(FlaskForm):
    role = HiddenField(validators=[AnyOf(["moderator", "admin", "story_taker"])])
    grant = HiddenField(validators=[AnyOf(["1", "0"])])
    reason = TextAreaField("Reason", render_kw={"rows": 2}, validators=[Length(max=2000)], description=REASON_HINT)

    def validate(self, extra_validators=None) -> bool:
        if super().validate(extra_validators):
            return True
        # The role and the choice are hidden fields, so their own errors show nowhere: say it for the whole form
        # (unless the token failed, which has its own message).
        if not self.errors.get("csrf_token"):
            self.form_errors.append("Choose a role to grant or remove.")
        return False


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search", validators=[Length(max=254)])


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField("Who (email contains)", validators=[Optional(), Length(max=254)])
    action = SelectField("Action", validate_choice=False)
    subject_type = SelectField("About", choices=[("", "Anything"), ("provider", "A provider"), ("user", "A person"),
                                                  ("outbox", "An email"), ("story", "A story")],
                               validate_choice=False)
    subject_id = StringField("Its number", validators=[Optional(), Length(max=12)])
    since = IsoDateField("From (date)", validators=[Optional()])
    until = IsoDateField("Until (date, inclusive)", validators=[Optional()])
