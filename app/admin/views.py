"""The console's pages under /admin/ (admins only) and the 301s from merged providers' codes."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.accounts.forms import ConfirmForm
from app.admin import people, providers, site
from app.admin.audit import AuditFilters, audit_query, known_actions
from app.admin.forms import AuditFilterForm, MergeForm, MoveForm, ProviderEditForm, ReasonForm, RoleForm, SearchForm
from app.directory.models import Provider
from app.directory.services import ancestors, get_by_code, search_query
from app.errors import DomainError
from app.extensions import db, utcnow
from app.moderation.models import AuditEvent
from app.permissions import require
from app.web.helpers import show_error
from app.web.pagination import keyset_page
from app.web.params import BadParameter, whole_number

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Public pages keyed by a provider's code: a merged duplicate's code answers 301 to the provider it became.
REDIRECTED_ENDPOINTS = {"directory.provider", "feeds.provider", "api.provider"}


@bp.after_app_request
def merged_provider_redirect(response):
    """Only a page that would be a 404 costs a look-up: live providers' pages are untouched."""
    if response.status_code != 404 or request.endpoint not in REDIRECTED_ENDPOINTS or not request.view_args:
        return response
    target = providers.redirect_for(db.session, request.view_args.get("code", ""))
    if target is None:
        return response
    location = url_for(request.endpoint, **{**request.view_args, "code": target.code})
    if request.query_string:
        location += "?" + request.query_string.decode("latin-1")
    return redirect(location, 301)


@bp.before_request
def admins_only():
    require("admin.view")


@bp.route("/")
def home():
    return render_template("admin/home.html", state=site.site_state(db.session), now=utcnow())


# ---------------------------------------------------------------- providers

@bp.route("/providers")
def provider_list():
    form = SearchForm(request.args)
    q = (form.q.data or "").strip()[:200]
    page = keyset_page(db.session, search_query(q), [Provider.name, Provider.id], lambda p: (p.name, p.id),
                       request.args.get("after"), size=50)
    return render_template("admin/providers.html", form=form, q=q, page=page)


def _provider_page(provider: Provider, status: int = 200, **forms):
    defaults = {
        "edit": ProviderEditForm(prefix="edit", obj=provider),
        "move": MoveForm(prefix="move", data={"parent": provider.parent.code if provider.parent else ""}),
        "active": ReasonForm(prefix="active"),
        "merge": MergeForm(prefix="merge"),
    }
    defaults.update(forms)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "provider",
                                                         AuditEvent.subject_id == provider.id)
                                .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(20)).all()
    return render_template("admin/provider.html", provider=provider, trail=ancestors(db.session, provider),
                           forms=defaults, events=events), status


@bp.route("/providers/<code>")
def provider(code: str):
    return _provider_page(get_by_code(db.session, code))


@bp.route("/providers/<code>/edit", methods=["POST"])
def provider_edit(code: str):
    item = get_by_code(db.session, code)
    form = ProviderEditForm(prefix="edit")
    if form.validate_on_submit():
        try:
            providers.edit(db.session, current_user, item, providers.ProviderEdit(
                name=form.name.data, kind=form.kind.data, postcode=form.postcode.data or "",
                email=form.email.data or "", website=form.website.data or ""))
            flash(f"{item.code} saved.")
            return redirect(url_for("admin.provider", code=item.code))
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
    return _provider_page(item, 400, edit=form)


@bp.route("/providers/<code>/move", methods=["POST"])
def provider_move(code: str):
    item = get_by_code(db.session, code)
    form = MoveForm(prefix="move")
    if form.validate_on_submit():
        try:
            providers.move(db.session, current_user, item, form.parent.data or "", form.reason.data or "")
            flash(f"{item.code} moved.")
            return redirect(url_for("admin.provider", code=item.code))
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
    return _provider_page(item, 400, move=form)


@bp.route("/providers/<code>/active", methods=["POST"])
def provider_active(code: str):
    item = get_by_code(db.session, code)
    form = ReasonForm(prefix="active")
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        providers.set_active(db.session, current_user, item, active, form.reason.data or "")
        flash(f"{item.code} {'reactivated' if active else 'deactivated: its stories stay, it takes no new ones'}.")
        return redirect(url_for("admin.provider", code=item.code))
    return _provider_page(item, 400, active=form)


@bp.route("/providers/<code>/merge", methods=["POST"])
def provider_merge(code: str):
    item = get_by_code(db.session, code)
    form = MergeForm(prefix="merge")
    if form.validate_on_submit():
        try:
            old = item.code
            target = providers.merge(db.session, current_user, item, form.target.data, form.reason.data or "")
            flash(f"{old} merged into {target.code}; its old address now leads here.")
            return redirect(url_for("admin.provider", code=target.code))
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
    return _provider_page(item, 400, merge=form)


# ---------------------------------------------------------------- people

@bp.route("/people")
def people_list():
    form = SearchForm(request.args)
    found = people.find_people(db.session, form.q.data or "") if form.validate() else []
    return render_template("admin/people.html", form=form, people=found, searched=bool((form.q.data or "").strip()))


def _person_page(user, status: int = 200, form=None, disable_form=None):
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "user",
                                                         AuditEvent.subject_id == user.id)
                                .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(20)).all()
    return render_template("admin/person.html", person=user, role_form=form or RoleForm(prefix="role"),
                           disable_form=disable_form or ReasonForm(prefix="disable"), events=events), status


@bp.route("/people/<int:user_id>")
def person(user_id: int):
    return _person_page(people.get_person(db.session, user_id))


@bp.route("/people/<int:user_id>/role", methods=["POST"])
def person_role(user_id: int):
    user = people.get_person(db.session, user_id)
    form = RoleForm(prefix="role")
    if form.validate_on_submit():
        try:
            granted = form.grant.data == "1"
            people.set_role(db.session, current_user, user, form.role.data, granted, form.reason.data or "")
            flash(f"{'Granted' if granted else 'Removed'} {form.role.data} for {user.email}.")
            return redirect(url_for("admin.person", user_id=user.id))
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
    elif not form.errors.get("csrf_token"):
        form.form_errors.append("Choose a role to grant or remove.")
    return _person_page(user, 400, form=form)


@bp.route("/people/<int:user_id>/disable", methods=["POST"])
def person_disable(user_id: int):
    user = people.get_person(db.session, user_id)
    form = ReasonForm(prefix="disable")
    if form.validate_on_submit():
        try:
            disabled = request.form.get("disabled") == "1"
            people.set_disabled(db.session, current_user, user, disabled, form.reason.data or "")
            flash(f"{user.email} {'disabled: signed out everywhere' if disabled else 'enabled'}.")
            return redirect(url_for("admin.person", user_id=user.id))
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
    return _person_page(user, 400, disable_form=form)


# ---------------------------------------------------------------- outbox

@bp.route("/outbox")
def outbox():
    return render_template("admin/outbox.html", counts=site.outbox_counts(db.session),
                           failed=site.failed_messages(db.session), form=ConfirmForm())


@bp.route("/outbox/resend", methods=["POST"])
@bp.route("/outbox/<int:message_id>/resend", methods=["POST"])
def outbox_resend(message_id: int | None = None):
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash("The form expired: please try again.")
        return redirect(url_for("admin.outbox"))
    count = site.resend(db.session, current_user, message_id)
    flash(f"{count} message{'s' if count != 1 else ''} queued again." if count else "Nothing to resend.")
    return redirect(url_for("admin.outbox"))


# ---------------------------------------------------------------- audit

@bp.route("/audit")
def audit():
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "Any action")] + [(a, a) for a in known_actions(db.session)]
    valid = form.validate()
    subject_id = None
    raw_id = (form.subject_id.data or "").strip()
    if raw_id:
        try:
            subject_id = whole_number(raw_id, "subject_id")
        except BadParameter:
            form.subject_id.errors = ["Enter a number, written with the digits 0 to 9."]
            valid = False
    filters = AuditFilters()
    if valid:
        filters = AuditFilters(actor=form.actor.data or "", action=form.action.data or "",
                               subject_type=form.subject_type.data or "", subject_id=subject_id,
                               since=form.since.data, until=form.until.data)
    page = keyset_page(db.session, audit_query(filters), [AuditEvent.created_at, AuditEvent.id],
                       lambda e: (e.created_at.isoformat(), e.id), request.args.get("after"), size=50,
                       descending=True)
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template("admin/audit.html", form=form, page=page, args=args), 200 if valid else 400
