"""Moderators' forms. Each carries the story version it was drawn from (optimistic locking)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from app.moderation.models import REJECT_REASONS
from app.stories.forms import CheckboxesField
from app.stories.models import BODY_MAX, CRITICALITY, TITLE_MAX
from app.web.i18n import lazy_gettext as _l
from app.web.params import HiddenNumberField


class VersionedForm(FlaskForm):
    version = HiddenNumberField(validators=[InputRequired()])


class PublishForm(VersionedForm):
    criticality = RadioField("Criticality", choices=[(str(k), f"{k} – {v}") for k, v in CRITICALITY.items()],
                             validate_choice=False)
    tags = CheckboxesField("Tags", coerce=str)
    title = StringField("Title", render_kw={"maxlength": TITLE_MAX})
    body = TextAreaField("Story", render_kw={"rows": 16, "maxlength": BODY_MAX})
    edit_reason = StringField("Why did you change the text?", validators=[Optional()],
                              description="Needed only when you edit the title or story, e.g. “removed a staff name”.")


class RejectForm(VersionedForm):
    reason_code = SelectField("Reason", choices=[("", "Choose a reason")] + list(REJECT_REASONS.items()),
                              validate_choice=False)
    note = TextAreaField("Message to the author", render_kw={"rows": 4},
                         description="Emailed to the author with the reason.")


class SendBackForm(VersionedForm):
    note = TextAreaField("What should the author change?", render_kw={"rows": 4},
                         description="Emailed to the author with a link to edit the story.")


class ReasonForm(VersionedForm):
    reason = TextAreaField("Reason", render_kw={"rows": 3}, description="Kept in the story's history.")


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    provider = StringField("Provider code")
    flag = SelectField("Flag", validate_choice=False)
    waiting = SelectField("Waiting", choices=[("", "Any time"), ("24", "Over a day"), ("72", "Over 3 days"),
                                              ("168", "Over a week")], validate_choice=False)


class MoveForm(VersionedForm):
    provider = StringField("The service the story is about (its code or name)", render_kw={"class": "input"},
                           description="Its code as shown on the service's page (e.g. RDM01), or its name. Its staff "
                                       "are alerted if the story is published.")
    reason = TextAreaField("Why move it?", render_kw={"rows": 2}, description="Kept in the story's history.")


class CorrectForm(VersionedForm):
    title = StringField("Title", render_kw={"maxlength": TITLE_MAX})
    body = TextAreaField("Story", render_kw={"rows": 16, "maxlength": BODY_MAX})
    reason = StringField("Why did you change the text?",
                         description="Kept with the revision and emailed to the author, e.g. “removed a neighbour’s "
                                     "name after a report”. The story stays published.")


class SafeguardingForm(FlaskForm):
    note = TextAreaField("What is the concern, and what have you done?", render_kw={"rows": 3},
                         description="Kept in the story's history, and emailed to the safeguarding lead when one "
                                     "is set up.")


class ItemForm(FlaskForm):
    """A moderator's action on one reply, answer or change. The queue's quick buttons send no version."""

    version = HiddenNumberField(validators=[Optional()])
    reason = TextAreaField("Reason", render_kw={"rows": 2}, description="Kept in the story's history.")
    body = TextAreaField("Text", render_kw={"rows": 8})


class ReportForm(FlaskForm):
    reason = RadioField(_l("What is wrong with it?"), choices=[], validate_choice=False)
    note = TextAreaField(_l("Tell us more (optional)"), render_kw={"rows": 4, "maxlength": 2000})


class CorrectionRequestForm(FlaskForm):
    """The author of a published story asks the moderators for a change."""

    kind = RadioField(_l("What would you like us to do?"), validate_choice=False,
                      choices=[("author_correction", _l("Correct something in my story")),
                               ("author_details", _l("Remove details that could identify me or someone else"))])
    words = TextAreaField(_l("Tell the moderators what to change"),
                          description=_l("Quote the words, and say what they should say instead or that they "
                                         "should go."),
                          render_kw={"rows": 6, "maxlength": 2000})


class RerouteConfirmForm(VersionedForm):
    """Agree with staff's "not about us": move the story to the service they named (or another code)."""

    provider = StringField("The service the story is about (its code or name)", render_kw={"class": "input"},
                           description="The one staff named; change it if you find another is right.")
    reason = TextAreaField("Note (optional)", render_kw={"rows": 2}, description="Kept in the story's history.")


class RerouteDeclineForm(FlaskForm):
    reason = TextAreaField("Why does the story stay where it is?", render_kw={"rows": 2},
                           description="Kept in the story's history and emailed to the staff member who asked.")
