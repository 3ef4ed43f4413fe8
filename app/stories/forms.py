"""The telling form and the author's edit form."""
from __future__ import annotations

import secrets

from flask_babel import gettext as _
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
from app.stories.models import ANONYMOUS, AUTHOR_ROLES, BODY_MAX, PUBLIC_NAME_MAX, TITLE_MAX, shown_name
from app.web.i18n import lazy_gettext as _l
from app.web.i18n import translated_choices
from app.web.params import WholeNumberField

MONTHS = [_l("January"), _l("February"), _l("March"), _l("April"), _l("May"), _l("June"), _l("July"), _l("August"),
          _l("September"), _l("October"), _l("November"), _l("December")]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass  # unknown values are reported by the service, next to the field


class StoryFieldsForm(FlaskForm):
    """Fields shared by telling and editing. Checks live in stories.services.check_draft."""

    provider_code = HiddenField()
    provider_query = StringField(_l("Which service is your story about?"),
                                 description=_l("Type part of its name, its code or its postcode."),
                                 render_kw={"autocomplete": "off"})
    title = StringField(_l("Give your story a title"), render_kw={"maxlength": TITLE_MAX})
    body = TextAreaField(_l("Your story"),
                         description=_l("Tell us what happened, in your own words. "
                                     "Please do not include names or details that could identify anyone."),
                         render_kw={"maxlength": BODY_MAX, "rows": 14})
    month = SelectField(_l("Month"), coerce=str, validate_choice=False)
    year = SelectField(_l("Year"), coerce=str, validate_choice=False)
    author_role = RadioField(_l("Who are you?"), choices=translated_choices(AUTHOR_ROLES), validate_choice=False)
    on_behalf = BooleanField(_l("I am telling this for someone else"))
    good_tags = CheckboxesField(_l("What was good? (optional)"), coerce=str)
    improve_tags = CheckboxesField(_l("What could be improved? (optional)"), coerce=str)
    public_name = StringField(_l("Public name"), default=lambda: shown_name(ANONYMOUS),
                              description=_l("Shown with your story. Use a made-up name or leave it as Anonymous."),
                              render_kw={"maxlength": PUBLIC_NAME_MAX, "autocomplete": "off"})
    version = WholeNumberField(validators=[Optional()])

    def set_choices(self, tags) -> None:
        self.month.choices = [("", _("Month"))] + [(str(i), name) for i, name in enumerate(MONTHS, 1)]
        this_year = utcnow().year
        self.year.choices = [("", _("Year"))] + [(str(y), str(y)) for y in range(this_year, this_year - 100, -1)]
        self.good_tags.choices = [(t.slug, _(t.name)) for t in tags if t.kind == "good"]
        self.improve_tags.choices = [(t.slug, _(t.name)) for t in tags if t.kind == "improve"]


class TellForm(StoryFieldsForm):
    email = EmailField(_l("Your email address"),
                       description=_l("We will email you when your story is published and when the service replies. "
                                   "Only our moderators can see it."),
                       render_kw={"autocomplete": "email", "spellcheck": "false"})
    consent = BooleanField(_l("I agree to the terms and to my story being published under the open licence"))
    submission_key = HiddenField()

    def ensure_key(self) -> None:
        if not self.submission_key.data:
            self.submission_key.data = secrets.token_urlsafe(24)
