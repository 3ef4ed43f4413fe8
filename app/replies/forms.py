"""Forms for replies, changes, the author's answers and alert settings."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import Optional

from app.replies.models import ALERT_FREQUENCIES
from app.replies.services import REPLY_MAX
from app.web.params import IsoDateField


class ReplyForm(FlaskForm):
    body = TextAreaField("Your public reply", render_kw={"rows": 6, "maxlength": REPLY_MAX},
                         description="Shown with your name, job title and service. Links are allowed. "
                                     "You can edit it for 30 minutes.")


class ChangeForm(FlaskForm):
    kind = RadioField("What are you reporting?", choices=[("planned", "A change we plan to make"),
                                                          ("made", "A change we have made")],
                      default="planned", validate_choice=False)
    description = TextAreaField("What will change, or what changed?", render_kw={"rows": 4, "maxlength": REPLY_MAX})
    made_on = IsoDateField("When was it made? (for a change made)", validators=[Optional()])


class AnswerForm(FlaskForm):
    body = TextAreaField("Answer back", render_kw={"rows": 5, "maxlength": REPLY_MAX},
                         description="A moderator reads your answer before it appears under your story.")


class HideReplyForm(FlaskForm):
    reason = TextAreaField("Reason for hiding", render_kw={"rows": 2}, description="Kept in the story's history.")


class AlertSettingsForm(FlaskForm):
    frequency = SelectField("Alerts", choices=list(ALERT_FREQUENCIES.items()), validate_choice=False)
    min_criticality = SelectField("Only stories at least this critical",
                                  choices=[(str(n), f"{n} or more" if n else "All stories") for n in range(6)],
                                  validate_choice=False)
