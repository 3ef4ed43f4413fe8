"""The telling form and the author's edit form."""
from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.extensions import utcnow
from app.stories.models import AUTHOR_ROLES, BODY_MAX, PUBLIC_NAME_MAX, TITLE_MAX
from app.web.params import WholeNumberField

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass  # unknown values are reported by the service, next to the field


class StoryFieldsForm(FlaskForm):
    """Fields shared by telling and editing. Checks live in stories.services.check_draft."""

    provider_code = HiddenField()
    provider_query = StringField("Which service is your story about?",
                                 description="Type part of its name, its code or its postcode.",
                                 render_kw={"autocomplete": "off"})
    title = StringField("Give your story a title", render_kw={"maxlength": TITLE_MAX})
    body = TextAreaField("Your story",
                         description="Tell us what happened, in your own words. "
                                     "Please do not include names or details that could identify anyone.",
                         render_kw={"maxlength": BODY_MAX, "rows": 14})
    month = SelectField("Month", coerce=str, validate_choice=False)
    year = SelectField("Year", coerce=str, validate_choice=False)
    author_role = RadioField("Who are you?", choices=list(AUTHOR_ROLES.items()), validate_choice=False)
    on_behalf = BooleanField("I am telling this for someone else")
    good_tags = CheckboxesField("What was good? (optional)", coerce=str)
    improve_tags = CheckboxesField("What could be improved? (optional)", coerce=str)
    public_name = StringField("Public name", default="Anonymous",
                              description="Shown with your story. Use a made-up name or leave it as Anonymous.",
                              render_kw={"maxlength": PUBLIC_NAME_MAX, "autocomplete": "off"})
    version = WholeNumberField(validators=[Optional()])

    def set_choices(self, tags) -> None:
        self.month.choices = [("", "Month")] + [(str(i), name) for i, name in enumerate(MONTHS, 1)]
        this_year = utcnow().year
        self.year.choices = [("", "Year")] + [(str(y), str(y)) for y in range(this_year, this_year - 100, -1)]
        self.good_tags.choices = [(t.slug, t.name) for t in tags if t.kind == "good"]
        self.improve_tags.choices = [(t.slug, t.name) for t in tags if t.kind == "improve"]


class TellForm(StoryFieldsForm):
    email = EmailField("Your email address",
                       description="We will email you when your story is published and when the service replies. "
                                   "Only our moderators can see it.",
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    consent = BooleanField("I agree to the terms and to my story being published under the open licence")
    submission_key = HiddenField()

    def ensure_key(self) -> None:
        if not self.submission_key.data:
            self.submission_key.data = secrets.token_urlsafe(24)
