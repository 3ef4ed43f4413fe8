"""Forms for replies, changes (planned, made, none; marking one made), the author's answers and verdicts,
"not about us", "this happened to me too" and alert settings."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app.replies.changes import EVIDENCE_MAX, EVIDENCE_URL_MAX, OWNER_MAX
from app.replies.models import ALERT_FREQUENCIES
from app.replies.services import REPLY_MAX
from app.replies.verdicts import NOTE_MAX
from app.web.params import IsoDateField


class ReplyForm(FlaskForm):
    body = TextAreaField("Your public reply", render_kw={"rows": 6, "maxlength": REPLY_MAX},
                         description="Shown with your name, job title and service. Links are allowed. "
                                     "You can edit it for 30 minutes.")


class ChangeForm(FlaskForm):
    kind = RadioField("What are you reporting?", choices=[("planned", "A change we plan to make"),
                                                          ("made", "A change we have made"),
                                                          ("none", "No change planned")],
                      default="planned", validate_choice=False)
    description = TextAreaField("What will change, or what changed? (For no change planned: why not?)",
                                render_kw={"rows": 4, "maxlength": REPLY_MAX})
    due_on = IsoDateField("When is it due? (for a change planned)", validators=[Optional()],
                          description="Written YYYY-MM-DD, such as 2026-09-30: today or later, within 3 years.")
    owner = StringField("Who owns it? (for a change planned)", render_kw={"maxlength": OWNER_MAX},
                        description="A role or a team, not a person's name: “Outpatients manager”, “Estates team”.")
    made_on = IsoDateField("When was it made? (for a change made)", validators=[Optional()],
                           description="Written YYYY-MM-DD.")
    evidence = TextAreaField("What shows it? (optional, for a change made)",
                             render_kw={"rows": 3, "maxlength": EVIDENCE_MAX},
                             description="A few lines: what someone visiting would notice.")
    evidence_url = StringField("A link that shows it (optional, for a change made)",
                               render_kw={"maxlength": EVIDENCE_URL_MAX, "inputmode": "url"},
                               description="A web address starting https:// or http://.")


class MarkMadeForm(FlaskForm):
    """A planned change is done. One per planned change on the story page (prefix made-<id>)."""

    made_on = IsoDateField("When was it made?", validators=[Optional()], description="Written YYYY-MM-DD.")
    evidence = TextAreaField("What shows it? (optional)", render_kw={"rows": 3, "maxlength": EVIDENCE_MAX},
                             description="A few lines: what someone visiting would notice.")
    evidence_url = StringField("A link that shows it (optional)",
                               render_kw={"maxlength": EVIDENCE_URL_MAX, "inputmode": "url"},
                               description="A web address starting https:// or http://.")


class VerdictForm(FlaskForm):
    verdict = RadioField("Does this change match what you see now?", validate_choice=False,
                         choices=[("confirmed", "Yes, it matches what I see"),
                                  ("not_yet", "Not yet: I do not see it yet"),
                                  ("disputed", "No, it does not match")])
    note = TextAreaField("If it does not match: what do you see?", render_kw={"rows": 4, "maxlength": NOTE_MAX},
                         description="Needed only if it does not match. A moderator reads it before it appears "
                                     "beside the change; do not name anyone.")


class NotAboutUsForm(FlaskForm):
    provider = StringField("Code of the service it is about", render_kw={"class": "input input-short"},
                           description="As shown on the service's page, e.g. RDM01. A moderator checks, then moves "
                                       "the story and alerts that service.")
    note = TextAreaField("Why is it not about you? (optional)", render_kw={"rows": 2, "maxlength": NOTE_MAX},
                         description="For the moderator; not shown in public.")


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
