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
from app.web.i18n import lazy_gettext as _l
from app.web.i18n import translated_choices
from app.web.params import IsoDateField


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your public reply"), render_kw={"rows": 6, "maxlength": REPLY_MAX},
                         description=_l("Shown with your name, job title and service. Links are allowed. "
                                     "You can edit it for 30 minutes."))


class ChangeForm(FlaskForm):
    kind = RadioField(_l("What are you reporting?"), choices=[("planned", _l("A change we plan to make")),
                                                          ("made", _l("A change we have made")),
                                                          ("none", _l("No change planned"))],
                      default="planned", validate_choice=False)
    description = TextAreaField(_l("What will change, or what changed? (For no change planned: why not?)"),
                                render_kw={"rows": 4, "maxlength": REPLY_MAX})
    due_on = IsoDateField(_l("When is it due? (for a change planned)"), validators=[Optional()],
                          description=_l("Written YYYY-MM-DD, such as 2026-09-30: today or later, within 3 years."))
    owner = StringField(_l("Who owns it? (for a change planned)"), render_kw={"maxlength": OWNER_MAX},
                        description=_l("A role or a team, not a person's name: “Outpatients manager”, “Estates team”."))
    made_on = IsoDateField(_l("When was it made? (for a change made)"), validators=[Optional()],
                           description=_l("Written YYYY-MM-DD."))
    evidence = TextAreaField(_l("What shows it? (optional, for a change made)"),
                             render_kw={"rows": 3, "maxlength": EVIDENCE_MAX},
                             description=_l("A few lines: what someone visiting would notice."))
    evidence_url = StringField(_l("A link that shows it (optional, for a change made)"),
                               render_kw={"maxlength": EVIDENCE_URL_MAX, "inputmode": "url"},
                               description=_l("A web address starting https:// or http://."))


class MarkMadeForm(FlaskForm):
    """A planned change is done. One per planned change on the story page (prefix made-<id>)."""

    made_on = IsoDateField(_l("When was it made?"), validators=[Optional()], description=_l("Written YYYY-MM-DD."))
    evidence = TextAreaField(_l("What shows it? (optional)"), render_kw={"rows": 3, "maxlength": EVIDENCE_MAX},
                             description=_l("A few lines: what someone visiting would notice."))
    evidence_url = StringField(_l("A link that shows it (optional)"),
                               render_kw={"maxlength": EVIDENCE_URL_MAX, "inputmode": "url"},
                               description=_l("A web address starting https:// or http://."))


class VerdictForm(FlaskForm):
    verdict = RadioField(_l("Does this change match what you see now?"), validate_choice=False,
                         choices=[("confirmed", _l("Yes, it matches what I see")),
                                  ("not_yet", _l("Not yet: I do not see it yet")),
                                  ("disputed", _l("No, it does not match"))])
    note = TextAreaField(_l("If it does not match: what do you see?"), render_kw={"rows": 4, "maxlength": NOTE_MAX},
                         description=_l("Needed only if it does not match. A moderator reads it before it appears "
                                     "beside the change; do not name anyone."))


class NotAboutUsForm(FlaskForm):
    provider = StringField(_l("Code of the service it is about"), render_kw={"class": "input input-short"},
                           description=_l("As shown on the service's page, e.g. RDM01. A moderator checks, then moves "
                                       "the story and alerts that service."))
    note = TextAreaField(_l("Why is it not about you? (optional)"), render_kw={"rows": 2, "maxlength": NOTE_MAX},
                         description=_l("For the moderator; not shown in public."))


class AnswerForm(FlaskForm):
    body = TextAreaField(_l("Answer back"), render_kw={"rows": 5, "maxlength": REPLY_MAX},
                         description=_l("A moderator reads your answer before it appears under your story."))


class HideReplyForm(FlaskForm):
    reason = TextAreaField(_l("Reason for hiding"), render_kw={"rows": 2},
                           description=_l("Kept in the story's history."))


class AlertSettingsForm(FlaskForm):
    frequency = SelectField(_l("Alerts"), choices=translated_choices(ALERT_FREQUENCIES), validate_choice=False)
    min_criticality = SelectField(_l("Only stories at least this critical"),
                                  choices=[(str(n), _l("%(n)s or more", n=n) if n else _l("All stories"))
                                           for n in range(6)],
                                  validate_choice=False)
