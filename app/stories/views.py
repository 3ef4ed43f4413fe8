"""Story pages: tell, confirm, the public list, and the author's own stories (edit, withdraw)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import false
from sqlalchemy.exc import IntegrityError

from app.accounts.forms import ConfirmForm, ProveAddressForm
from app.accounts.links import masked, may_sign_in_by_link
from app.directory import finder
from app.directory.models import Provider
from app.directory.services import ancestors, find_by_code, normalise_code, resolve_code
from app.errors import Conflict, Invalid, NotAllowed, commit_or_conflict
from app.extensions import db, limiter
from app.stories import queries, services
from app.stories.forms import StoryFieldsForm, TellForm
from app.stories.models import EDITABLE_BY_AUTHOR, RESPONSE_STATUSES, Story
from app.web.cache import kept_template
from app.web.helpers import link_problem, show_error
from app.web.i18n import current_language
from app.web.pagination import keyset_page
from app.web.params import BadParameter, whole_number

bp = Blueprint("stories", __name__)


def _posting_limit():
    # "Find the service" only looks the service up: it never counts toward the limit on posting.
    return limiter.limit(lambda: current_app.config["RATELIMIT_POSTING"], methods=["POST"],
                         exempt_when=lambda: request.form.get("action") == "find")


def _draft(form: StoryFieldsForm) -> services.Draft:
    return services.Draft(
        provider_code=form.provider_code.data or "", title=form.title.data or "", body=form.body.data or "",
        month=_int(form.month.data), year=_int(form.year.data), author_role=form.author_role.data or "",
        tags=list(form.good_tags.data or []) + list(form.improve_tags.data or []),
        public_name=form.public_name.data or "", on_behalf=bool(form.on_behalf.data),
        email=getattr(form, "email", None) and form.email.data or "",
        consent=bool(getattr(form, "consent", None) and form.consent.data),
        submission_key=getattr(form, "submission_key", None) and form.submission_key.data or "",
        language=current_language(),
    )


def _int(value) -> int | None:
    try:
        return whole_number(value, "number")  # "²", "٣" or 10**20 is no month or year (the service says so)
    except BadParameter:
        return None


def _provider_choices(form: StoryFieldsForm) -> tuple[Provider | None, list[finder.Match]]:
    """The chosen provider, or the finder's matches for what was typed, best first (the no-JavaScript way to
    pick one)."""
    chosen = find_by_code(db.session, form.provider_code.data)
    matches: list[finder.Match] = []
    query = (form.provider_query.data or "").strip()[:200]
    if query and (chosen is None or request.form.get("action") == "find"):
        matches = finder.find(db.session, query, limit=25)
        if chosen is not None and request.form.get("action") == "find":
            chosen = None
            form.provider_code.data = ""
    return chosen, matches


def _errors_on_the_finder(form: StoryFieldsForm) -> None:
    """The service is chosen through the finder's field: a problem with the choice is shown there, so that the
    error summary's link leads to a field that exists, says it is invalid and carries the message."""
    if form.provider_code.errors:
        form.provider_query.errors = list(form.provider_query.errors or []) + list(form.provider_code.errors)
        form.provider_code.errors = []


def _tell_once(form: TellForm) -> tuple[Story, bool]:
    """Tell and commit. A double click sends two requests at once: when the other one made the account or the
    story first (a unique key clashes), this one starts again and finds what it made: one story, no error."""
    try:
        told = services.tell(db.session, _draft(form), current_user)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        told = services.tell(db.session, _draft(form), current_user)
        db.session.commit()
    return told


@bp.route("/tell", methods=["GET", "POST"])
@_posting_limit()
def tell():
    form = TellForm()
    form.set_choices(queries.active_tags(db.session))
    if request.method == "GET":
        form.ensure_key()
        if code := request.args.get("provider"):
            # An old code (a link made before a merge or a code change) chooses the service it leads to now.
            now = resolve_code(db.session, code)
            form.provider_code.data = now.code if now is not None else normalise_code(code)
    chosen, matches = _provider_choices(form)
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("action") == "find":
            if not matches:
                form.provider_query.errors = ["No service matches that. Try part of the name or the postcode."]
        else:
            try:
                story, created = _tell_once(form)
            except Invalid as exc:
                db.session.rollback()
                show_error(form, exc)
                if "provider_code" in exc.errors and matches:
                    form.provider_code.errors = ["Choose the service from the list below."]
                _errors_on_the_finder(form)
            except Conflict as exc:
                db.session.rollback()
                show_error(form, exc)
            else:
                if not created and story.submission_key != form.submission_key.data:
                    # The same telling sent again from a fresh form: nothing new was made or emailed. Its
                    # thanks page is shown here, without the first form's key (which would open it later).
                    return render_template("stories/told.html", story=story)
                return redirect(url_for("stories.told", story_id=story.id, key=form.submission_key.data))
    elif request.method == "POST":
        form.ensure_key()
    return render_template("stories/tell.html", form=form, chosen=chosen, matches=matches,
                           providers_trail=ancestors(db.session, chosen) if chosen else [])


@bp.route("/tell/thanks/<int:story_id>")
def told(story_id: int):
    """What happens next. Reached by the redirect after telling; the form's key proves it is theirs."""
    story = db.session.get(Story, story_id)
    if story is None or not request.args.get("key") or story.submission_key != request.args.get("key"):
        abort(404)
    return render_template("stories/told.html", story=story)


@bp.route("/stories/confirm/<token>", methods=["GET", "POST"])
@_posting_limit()  # the form may check a password
def confirm(token: str):
    """The emailed confirmation. The GET shows the story and a button; only the POST confirms and signs in."""

    try:
        story = services.story_from_confirmation(db.session, token)
    except Invalid as exc:
        return link_problem(exc.message)
    author = story.author
    ask_password = author.email_confirmed_at is None and author.password_hash is not None
    form = ProveAddressForm()
    if story.status == services.AWAITING_CONFIRMATION and form.validate_on_submit():
        try:
            story, _signed_in = services.confirm(db.session, token, form.password.data or None)
        except Invalid as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you: your story is confirmed and waiting for a moderator."), "success")
            if current_user.is_authenticated and current_user.id == author.id:
                return redirect(url_for("stories.mine"))
            if current_user.is_authenticated:
                flash(_("You are logged in as someone else, so we have not signed you in to this story's account."),
                      "info")
                return redirect(url_for("pages.home"))
            if (ask_password and form.password.data) or may_sign_in_by_link(author):
                # Whoever pressed the button proved the address (and, when one was kept, the password). An
                # account that already had a password before never opens by an emailed link.
                login_user(author)
                return redirect(url_for("stories.mine"))
            return redirect(url_for("accounts.login", next=url_for("stories.mine")))
    return render_template("stories/confirm.html", story=story, form=form, address=masked(author.email),
                           ask_password=ask_password,
                           is_author=current_user.is_authenticated and current_user.id == author.id)


@bp.route("/stories")
def index():
    # The list is the same for every viewer: kept per address, language and content version, with its queries.
    return render_template("stories/index.html", body=kept_template("stories.index", (request.full_path,),
                                                                    "stories/_index_body.html", _index_context))


def _index_context() -> dict:
    # The service by code or by name through the finder; an unknown one lists nothing and says so.
    resolved = finder.resolve(db.session, request.args.get("provider", ""))
    args = request.args.to_dict()
    args["provider"] = resolved.provider.code if resolved.provider else ""
    filters = queries.parse_filters(db.session, args)
    stmt = queries.public_stories(filters, db.session)
    if resolved.unknown:
        stmt = stmt.where(false())
    page = keyset_page(db.session, stmt, [Story.published_at, Story.id],
                       lambda s: (s.published_at.isoformat(), s.id), request.args.get("after"), size=20,
                       descending=True)
    return {"page": page, "filters": filters, "args": filters.as_args(), "tags": queries.active_tags(db.session),
            "statuses": RESPONSE_STATUSES, "resolved": resolved}


@bp.route("/my/stories")
@login_required
def mine():
    return render_template("stories/mine.html", stories=queries.authors_stories(db.session, current_user),
                           form=ConfirmForm(), editable=EDITABLE_BY_AUTHOR)


@bp.route("/my/stories/<int:story_id>/edit", methods=["GET", "POST"])
@login_required
def edit(story_id: int):
    try:
        story = services.author_story(db.session, current_user, story_id)
    except NotAllowed:
        abort(404)
    if story.status not in EDITABLE_BY_AUTHOR:
        flash(_("This story can no longer be edited. You can still withdraw it."), "info")
        return redirect(url_for("stories.mine"))
    form = StoryFieldsForm(obj=None)
    form.set_choices(queries.active_tags(db.session))
    if request.method == "GET":
        form.provider_code.data = story.provider.code
        form.title.data, form.body.data = story.title, story.body
        form.month.data, form.year.data = str(story.experienced_on.month), str(story.experienced_on.year)
        form.author_role.data, form.on_behalf.data = story.author_role, story.on_behalf
        form.good_tags.data = [t.slug for t in story.tags if t.kind == "good"]
        form.improve_tags.data = [t.slug for t in story.tags if t.kind == "improve"]
        form.public_name.data, form.version.data = story.shown_name, story.version
    chosen, matches = _provider_choices(form)
    if request.method == "POST" and form.validate_on_submit() and request.form.get("action") != "find":
        try:
            services.edit_by_author(db.session, current_user, story, _draft(form), form.version.data or 0)
        except (Invalid, Conflict) as exc:
            db.session.rollback()
            show_error(form, exc)
            _errors_on_the_finder(form)
        else:
            commit_or_conflict(db.session)
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("stories.mine"))
    return render_template("stories/edit.html", form=form, story=story, chosen=chosen, matches=matches)


@bp.route("/my/stories/<int:story_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(story_id: int):
    try:
        story = services.author_story(db.session, current_user, story_id)
    except NotAllowed:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.withdraw(db.session, current_user, story)
        commit_or_conflict(db.session)
        flash(_("Your story is withdrawn. It is no longer on the site."), "success")
        return redirect(url_for("stories.mine"))
    return render_template("stories/withdraw.html", story=story, form=form)
