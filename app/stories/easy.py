"""The easy-read way to tell a story (/tell/easy): one short question a screen, a picture beside each choice, no
JavaScript. It ends in the same story fields and the same stories.services.tell as /tell (route easy_read).

Nothing is kept on the server until the story is sent: the answers so far travel with each screen in one hidden
field, signed so that it cannot be changed or used to skip a question, and never in the address bar (no story in
any log). The Back button on each screen goes back with every answer kept; a screen posted before the questions
in front of it were answered shows the first one still to answer.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from app.accounts.services import normalise_email
from app.accounts.tokens import make_token, read_token
from app.directory.models import Provider
from app.directory.services import find_by_code, search_query
from app.errors import Conflict, Invalid
from app.extensions import db, limiter, utcnow
from app.stories import services
from app.stories.forms import MONTHS
from app.stories.models import (
    AUTHOR_ROLES,
    BODY_MAX,
    BODY_MIN,
    EASY_READ,
    PUBLIC_NAME_MAX,
    TITLE_MAX,
    TITLE_MIN,
    Story,
    stored_name,
)
from app.stories.text import clean_text
from app.stories.views import bp
from app.text import N_, visible_length
from app.web.i18n import current_language
from app.web.i18n import lazy_gettext as _l

STEPS = ("where", "who", "when", "feeling", "story", "title", "name", "email", "check")
STATE_MAX_AGE = 2 * 86400  # a screen left open for two days starts again

# The picture beside each choice, and what it shows (its text alternative is also in the SVG's <title>).
ROLE_PICTURES = {
    "patient": ("patient", N_("It happened to me"), N_("A person on their own")),
    "carer": ("carer", N_("I look after the person it happened to"), N_("A person helping another person")),
    "parent": ("parent", N_("It happened to my child"), N_("An adult holding the hand of a child")),
    "relative": ("relative", N_("It happened to someone in my family or a friend"), N_("Two people side by side")),
    "staff": ("staff", N_("I work there"), N_("A member of staff with a badge")),
    "other": ("other", N_("Something else"), N_("A question mark")),
}
FEELINGS = {
    "good": ("good", N_("It was good"), N_("A smiling face")),
    "bad": ("bad", N_("It was bad"), N_("A sad face")),
    "mixed": ("mixed", N_("Some good, some bad"), N_("A face with a straight mouth")),
}
TITLE_FROM_FEELING = {"good": N_("Good care at {place}"), "bad": N_("Care at {place} was not good enough"),
                      "mixed": N_("Some good and some bad at {place}")}


class EasyForm(FlaskForm):
    """Every answer of every screen; each screen shows one question and checks only its own answer."""

    state = HiddenField()
    step = HiddenField()
    provider_query = StringField(_l("Type the name of the place, or its postcode"))
    provider_code = HiddenField()
    author_role = HiddenField()
    month = HiddenField()
    year = HiddenField()
    feeling = HiddenField()
    body = TextAreaField(_l("Tell us what happened"), render_kw={"maxlength": BODY_MAX, "rows": 10})
    title = StringField(_l("A short name for your story"), render_kw={"maxlength": TITLE_MAX})
    public_name = StringField(_l("The name we show"), render_kw={"maxlength": PUBLIC_NAME_MAX, "autocomplete": "off"})
    email = StringField(_l("Your email address"), render_kw={"autocomplete": "email", "spellcheck": "false",
                                                         "type": "email"})
    consent = BooleanField(_l("Yes, you can put my story on the website for everyone to read"))


@dataclass
class Screen:
    step: str
    answers: dict
    errors: dict
    matches: list


class BadState(Exception):
    pass


def _read_state(form: EasyForm) -> dict:
    if not form.state.data:
        # The key that makes a double click or a resubmitted screen one story; it travels signed, with the answers.
        return {"done": [], "key": secrets.token_urlsafe(24)}
    try:
        state = read_token("easy-read", form.state.data, STATE_MAX_AGE)
    except Invalid as exc:
        raise BadState from exc
    if not isinstance(state, dict) or not isinstance(state.get("done"), list) or not isinstance(state.get("key"), str):
        raise BadState
    return state


def _first_missing(state: dict) -> str:
    for step in STEPS:
        if step not in state["done"]:
            return step
    return "check"


def _skips(step: str) -> bool:
    """A logged-in author with a confirmed address is not asked for it again."""
    return step == "email" and current_user.is_authenticated and current_user.email_confirmed


def _next(step: str, state: dict) -> str:
    for later in STEPS[STEPS.index(step) + 1:]:
        if _skips(later):
            state["done"] = sorted(set(state["done"]) | {later}, key=STEPS.index)
            continue
        if later not in state["done"] or later == "check":
            return later
    return "check"


def _previous(step: str) -> str:
    for earlier in reversed(STEPS[:STEPS.index(step)]):
        if not _skips(earlier):
            return earlier
    return STEPS[0]


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 4 else None


def _answer(step: str, form: EasyForm, state: dict) -> dict[str, str]:
    """Check this screen's answer and keep it in the state; the errors, by field, if it is not right."""
    if step == "where":
        provider = find_by_code(db.session, form.provider_code.data)
        if provider is None or not provider.active:
            return {"provider_code": _l("Choose the place from the list.")}
        state["provider_code"], state["provider_name"] = provider.code, provider.name
    elif step == "who":
        if form.author_role.data not in AUTHOR_ROLES:
            return {"author_role": _l("Choose one answer.")}
        state["author_role"] = form.author_role.data
    elif step == "when":
        month, year, today = _int(form.month.data), _int(form.year.data), utcnow().date()
        if month is None or not 1 <= month <= 12 or year is None or not today.year - 100 <= year <= today.year \
                or (year, month) > (today.year, today.month):
            return {"month": _l("Choose the month and the year. It cannot be in the future.")}
        state["month"], state["year"] = month, year
    elif step == "feeling":
        if form.feeling.data not in FEELINGS:
            return {"feeling": _l("Choose one answer.")}
        state["feeling"] = form.feeling.data
        title = gettext(TITLE_FROM_FEELING[form.feeling.data])  # in the language the story is told in
        state.setdefault("title", title.format(place=state.get("provider_name", "")))
    elif step == "story":
        body = clean_text(form.body.data or "")
        if visible_length(body) < BODY_MIN:
            return {"body": _l("Please write a bit more. Use at least %(limit)s letters (you have %(len)s).",
                               limit=BODY_MIN, len=visible_length(body))}
        if len(body) > BODY_MAX:
            return {"body": _l("Please make it shorter. Use at most %(limit)s letters.", limit=format(BODY_MAX, ','))}
        state["body"] = body
    elif step == "title":
        title = clean_text(form.title.data or "", multiline=False)
        if not (TITLE_MIN <= visible_length(title) and len(title) <= TITLE_MAX):
            return {"title": _l("Use a few words, at most %(limit)s letters.", limit=TITLE_MAX)}
        state["title"] = title
    elif step == "name":
        name = stored_name(clean_text(form.public_name.data or "", multiline=False))
        if len(name) > PUBLIC_NAME_MAX:
            return {"public_name": _l("Use a shorter name, at most %(limit)s letters.", limit=PUBLIC_NAME_MAX)}
        state["public_name"] = name
    elif step == "email":
        try:
            state["email"] = normalise_email(form.email.data or "")
        except Invalid as exc:
            return {"email": exc.message}
    return {}


def _draft(state: dict, key: str) -> services.Draft:
    return services.Draft(
        provider_code=state.get("provider_code", ""), title=state.get("title", ""), body=state.get("body", ""),
        month=state.get("month"), year=state.get("year"), author_role=state.get("author_role", ""),
        public_name=state.get("public_name", ""), email=state.get("email", ""), consent=True, submission_key=key,
        language=current_language())


# Which screen asks for each field the service may find wrong.
FIELD_STEP = {"provider_code": "where", "author_role": "who", "month": "when", "body": "story", "title": "title",
              "public_name": "name", "email": "email", "tags": "check", "consent": "check"}


def _send(form: EasyForm, state: dict) -> tuple[Story | None, dict]:
    if not form.consent.data:
        return None, {"consent": _l("Tick the box to say we can put your story on the website.")}
    key = state["key"]
    user = current_user if current_user.is_authenticated else None
    try:
        try:
            story, created = services.tell(db.session, _draft(state, key), user)
        except IntegrityError:  # a double click: the other request made it first
            db.session.rollback()
            story, created = services.tell(db.session, _draft(state, key), user)
        if created:
            story.route = EASY_READ
        db.session.commit()
    except Invalid as exc:
        db.session.rollback()
        return None, dict(exc.errors) or {"consent": exc.message}
    except Conflict as exc:
        db.session.rollback()
        return None, {"consent": exc.message}
    return story, {}


def _render(screen: Screen, form: EasyForm, status: int = 200):
    form.state.data = make_token("easy-read", screen.answers)
    form.step.data = screen.step
    response = make_response(render_template(
        "stories/easy/step.html", form=form, screen=screen, answers=screen.answers, steps=STEPS,
        number=STEPS.index(screen.step) + 1, roles=ROLE_PICTURES, feelings=FEELINGS, months=MONTHS,
        years=list(range(utcnow().year, utcnow().year - 100, -1)), signed_in=current_user.is_authenticated,
        skips_email=_skips("email"), field_step=FIELD_STEP), status)
    # The answers are in the page: a shared computer's Back and history must not show them to the next person.
    response.headers["Cache-Control"] = "no-store"
    return response


def _posting_limit():
    # Only sending the story counts toward the limit on posting; moving between screens does not.
    return limiter.limit(lambda: current_app.config["RATELIMIT_POSTING"], methods=["POST"],
                         exempt_when=lambda: request.form.get("step") != "check"
                         or request.form.get("action") != "send")


@bp.route("/tell/easy", methods=["GET", "POST"])
@_posting_limit()
def easy_tell():
    form = EasyForm()
    if request.method == "GET":
        return render_template("stories/easy/start.html", form=form)
    if not form.validate_on_submit():  # the CSRF token: the form is ours and fresh
        return render_template("stories/easy/start.html", form=form, problem=True), 400
    try:
        state = _read_state(form)
    except BadState:
        return render_template("stories/easy/start.html", form=form, problem=True), 400
    step, action = form.step.data or "", request.form.get("action", "next")
    if step not in STEPS:  # the start screen's button
        return _render(Screen(_first_missing(state), state, {}, []), form)
    missing = _first_missing(state)
    if STEPS.index(step) > STEPS.index(missing):
        # Posted out of order (a tampered step, an old screen): the first question still to answer.
        return _render(Screen(missing, state, {}, []), form)
    if action == "back":
        return _render(Screen(_previous(step), state, {}, []), form)
    if action.startswith("change:") and action[7:] in STEPS:
        return _render(Screen(action[7:], state, {}, []), form)
    if step == "where" and action == "find":
        query = (form.provider_query.data or "").strip()[:200]
        matches = list(db.session.scalars(search_query(query).where(Provider.active.is_(True))
                                          .order_by(Provider.name, Provider.id).limit(12))) if query else []
        errors = {} if matches else {"provider_query": "We could not find that place. Try a shorter part of its "
                                                       "name, or its postcode."}
        state["provider_query"] = query
        return _render(Screen("where", state, errors, matches), form)
    if step == "check":
        story, errors = _send(form, state)
        if story is not None and story.submission_key != state["key"]:
            # The same story told again: its thanks page here, without the first telling's key.
            return render_template("stories/easy/told.html", story=story)
        if story is not None:
            return redirect(url_for("stories.easy_told", story_id=story.id, key=story.submission_key))
        return _render(Screen("check", state, errors, []), form, 400)
    errors = _answer(step, form, state)
    if errors:
        matches = []
        if step == "where" and state.get("provider_query"):
            matches = list(db.session.scalars(search_query(state["provider_query"]).where(Provider.active.is_(True))
                                              .order_by(Provider.name, Provider.id).limit(12)))
        return _render(Screen(step, state, errors, matches), form, 400)
    state["done"] = sorted(set(state["done"]) | {step}, key=STEPS.index)
    return _render(Screen(_next(step, state), state, {}, []), form)


@bp.route("/tell/easy/thanks/<int:story_id>")
def easy_told(story_id: int):
    story = db.session.scalar(select(Story).where(Story.id == story_id))
    key = request.args.get("key")
    if story is None or not key or story.submission_key != key:
        abort(404)
    return render_template("stories/easy/told.html", story=story)


@bp.route("/tell/easy/what-happens")
def easy_what_happens():
    return render_template("stories/easy/what_happens.html")


@bp.route("/tell/easy/privacy")
def easy_privacy():
    return render_template("stories/easy/privacy.html")
