"""Stories entered for someone: a story taker (a volunteer, an advocate, local Healthwatch) types in a story a person
told them, wrote on the paper form or said on the phone; moderators enter paper and phone stories the same way.
Also the printable paper form.

The story goes through stories.services.tell like any other. With the person's email address, the story is theirs:
it waits until they confirm the address (so nobody can be signed up for a story they did not tell) and replies
reach them. Without one, the story taker is its contact and it goes straight to the moderators. The route is
public; who entered it is not. A story taker sees only the stories they entered, and never enters one about a
service they work for, or one below it.
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from wtforms import BooleanField, EmailField, RadioField

from app.accounts.models import Membership, User
from app.accounts.permissions import require
from app.audit import record
from app.directory.services import ancestors, find_by_code
from app.errors import Conflict, Invalid
from app.extensions import db
from app.stories import queries, services
from app.stories.forms import MONTHS, TellForm
from app.stories.models import (
    ASSISTED,
    AUTHOR_ROLES,
    AWAITING_CONFIRMATION,
    PAPER,
    PHONE,
    RETURNED,
    ROUTES,
    WITHDRAWN,
    Story,
)
from app.stories.views import _draft, _posting_limit, _provider_choices, bp
from app.web.helpers import show_error

TAKER_ROUTES = (ASSISTED, PAPER, PHONE)
MODERATOR_ROUTES = (PAPER, PHONE)


def routes_for(user: User) -> tuple[str, ...]:
    return TAKER_ROUTES if user.is_story_taker else MODERATOR_ROUTES


class AssistedForm(TellForm):
    """The telling form's fields, and how the story came, that the person agreed, and their address if they want
    replies."""

    route = RadioField("How did the story come to you?", validate_choice=False)
    person_email = EmailField("The person's email address (optional)",
                              description="Only if they want to hear when the story is published and when the service "
                                          "replies. We email them to confirm the story is theirs before a moderator "
                                          "reads it. Leave it empty and the story is sent to the moderators now.",
                              render_kw={"autocomplete": "off", "spellcheck": "false"})
    agreed = BooleanField("The person agreed to their story being published under the open licence, and to me "
                          "entering it for them")


def works_for(session: Session, user: User, provider) -> bool:
    """Whether the user is staff of this provider or of any provider above it."""
    ids = {provider.id, *(p.id for p in ancestors(session, provider))}
    return session.scalar(select(Membership.id).where(Membership.user_id == user.id,
                                                      Membership.provider_id.in_(ids)).limit(1)) is not None


def enter_story(session: Session, taker: User, draft: services.Draft, route: str, agreed: bool) -> tuple[Story, bool]:
    """Record a story entered for someone; (story, created), as services.tell."""
    errors: dict[str, str] = {}
    if route not in routes_for(taker):
        errors["route"] = "Choose how the story came to you."
    if not agreed:
        errors["agreed"] = "Only enter a story the person agreed to: tick the box when they have."
    provider = find_by_code(session, draft.provider_code)
    if provider is not None and works_for(session, taker, provider):
        errors["provider_code"] = ("You work for this service, so you cannot enter a story about it. Ask another "
                                   "story taker, or give the person the paper form.")
    clean_errors: dict[str, str] = {}
    try:
        if draft.email:
            # The person's own address: they confirm it, told that someone entered the story for them.
            story, created = services.tell(session, draft, None, entered_by=taker)
        else:
            story, created = services.tell(session, draft, taker, entered_by=taker)
    except Invalid as exc:
        clean_errors = exc.errors
    if errors or clean_errors:
        raise Invalid(errors={**clean_errors, **errors})
    if created:
        story.route = route
        record(session, "story.entered_for_someone", story=story, actor=taker, after={"route": route})
    elif story.entered_by_id != taker.id:
        raise Conflict("This form was already used. Reload the page to enter another story.")
    return story, created


# A story's state as the story taker who entered it reads it, where it is in the person's hands: Story.status_label
# speaks to the author ("Waiting for you to confirm your email address"), and a story entered with the person's
# address is theirs, not the story taker's.
PERSON_STATUSES = {
    AWAITING_CONFIRMATION: "Waiting for the person to confirm their email address",
    RETURNED: "Sent back to the person for changes",
    WITHDRAWN: "Withdrawn by the person",
}


def status_for_taker(story: Story, taker: User) -> str:
    if story.author_id != taker.id and story.status in PERSON_STATUSES:
        return PERSON_STATUSES[story.status]
    return story.status_label


@bp.route("/tell/for-someone", methods=["GET", "POST"])
@_posting_limit()
def assisted_tell():
    require("stories.enter_for_someone")
    form = AssistedForm()
    form.set_choices(queries.active_tags(db.session))
    form.route.choices = [(r, ROUTES[r]) for r in routes_for(current_user)]
    if request.method == "GET":
        form.ensure_key()
    chosen, matches = _provider_choices(form)
    if request.method == "POST" and form.validate_on_submit() and request.form.get("action") != "find":
        draft = _draft(form)
        draft.email, draft.consent = (form.person_email.data or "").strip(), bool(form.agreed.data)
        try:
            try:
                story, _ = enter_story(db.session, current_user, draft, form.route.data or "", bool(form.agreed.data))
            except IntegrityError:  # a double click: the other request made it first
                db.session.rollback()
                story, _ = enter_story(db.session, current_user, draft, form.route.data or "",
                                       bool(form.agreed.data))
            db.session.commit()
        except (Invalid, Conflict) as exc:
            db.session.rollback()
            if isinstance(exc, Invalid) and "email" in exc.errors:
                exc.errors["person_email"] = exc.errors.pop("email")
            if isinstance(exc, Invalid) and "consent" in exc.errors:
                exc.errors.pop("consent")  # the agreed box says it
            show_error(form, exc)
        else:
            return redirect(url_for("stories.assisted_entered", told=story.id))
    elif request.method == "POST":
        form.ensure_key()
    return render_template("stories/assisted/tell.html", form=form, chosen=chosen, matches=matches,
                           providers_trail=ancestors(db.session, chosen) if chosen else [])


@bp.route("/tell/for-someone/entered")
def assisted_entered():
    """The stories this person entered for others, and none of anyone else's."""
    require("stories.enter_for_someone")
    stories = db.session.scalars(select(Story).where(Story.entered_by_id == current_user.id)
                                 .options(selectinload(Story.provider))
                                 .order_by(Story.id.desc()).limit(200)).all()
    told = request.args.get("told", type=int)
    return render_template("stories/assisted/entered.html", stories=stories, status_for_taker=status_for_taker,
                           told=next((s for s in stories if s.id == told), None))


@bp.route("/tell/paper-form")
def paper_form():
    """The printable form with the same questions, for people who would rather write (A4, one or two pages)."""
    return render_template("stories/assisted/paper.html", roles=AUTHOR_ROLES, months=MONTHS)

