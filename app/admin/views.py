"""The console's pages under /admin/ (admins only; each POST a row of ACTIONS) and merged providers' 301s."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.accounts.forms import ConfirmForm
from app.accounts.models import User
from app.accounts.permissions import require
from app.admin import people, providers, site
from app.admin.audit import AuditFilters, audit_query, known_actions
from app.admin.forms import (
    AuditFilterForm,
    CodeForm,
    MergeForm,
    MoveForm,
    ProviderEditForm,
    ReasonForm,
    RoleForm,
    SearchForm,
)
from app.audit import AuditEvent
from app.directory import finder
from app.directory.models import Provider
from app.directory.services import ancestors, get_by_code, redirect_for, search_query
from app.errors import DomainError
from app.extensions import db, utcnow
from app.web.helpers import show_error
from app.web.pagination import keyset_page
from app.web.params import BadParameter, whole_number

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Public pages (GET only) keyed by a provider's code: an old code, merged or changed, answers 301 to the provider
# it leads to now.
REDIRECTED_ENDPOINTS = {"pages.provider", "pages.changes", "feeds.provider", "feeds.provider_replies", "api.provider",
                        "api.provider_insight", "insight.provider", "insight.provider_csv", "following.follow"}


@bp.after_app_request
def merged_provider_redirect(response):
    """Only a page that would be a 404 costs a look-up: live providers' pages are untouched."""
    if response.status_code != 404 or request.endpoint not in REDIRECTED_ENDPOINTS or not request.view_args \
            or request.method not in ("GET", "HEAD"):
        return response
    target = redirect_for(db.session, request.view_args.get("code", ""))
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
    # A search goes through the service finder (deactivated providers too), best first with each chain;
    # without one, the top of the hierarchy page by page.
    found = finder.find(db.session, q, limit=50, active_only=False) if q else []
    page = keyset_page(db.session, search_query(""), [Provider.name, Provider.id], lambda p: (p.name, p.id),
                       request.args.get("after"), size=50) if not q else None
    return render_template("admin/providers.html", form=form, q=q, page=page, found=found)


def _provider_page(provider: Provider, status: int = 200, **forms):
    defaults = {
        "edit": ProviderEditForm(prefix="edit", obj=provider),
        "move": MoveForm(prefix="move", data={"parent": provider.parent.code if provider.parent else ""}),
        "code": CodeForm(prefix="code"),
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


# ---------------------------------------------------------------- people

@bp.route("/people")
def people_list():
    form = SearchForm(request.args)
    found = people.find_people(db.session, form.q.data or "") if form.validate() else []
    return render_template("admin/people.html", form=form, people=found, searched=bool((form.q.data or "").strip()))


def _person_page(user: User, status: int = 200, **forms):
    defaults = {"role": RoleForm(prefix="role"), "disable": ReasonForm(prefix="disable")}
    defaults.update(forms)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "user",
                                                         AuditEvent.subject_id == user.id)
                                .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(20)).all()
    return render_template("admin/person.html", person=user, role_form=defaults["role"],
                           disable_form=defaults["disable"], events=events), status


@bp.route("/people/<int:user_id>")
def person(user_id: int):
    return _person_page(people.get_person(db.session, user_id))


# ---------------------------------------------------------------- outbox

@bp.route("/outbox")
def outbox():
    return render_template("admin/outbox.html", counts=site.outbox_counts(db.session),
                           failed=site.failed_messages(db.session), form=ConfirmForm())


def _back_to_outbox(message_id: int | None, prefix: str, form: FlaskForm):
    # The buttons carry nothing but the token, so there is no form to show again: say why on the list.
    flash(" ".join(form.form_errors) or "The form expired: please try again.")
    return redirect(url_for("admin.outbox"))


# ---------------------------------------------------------------- every POST: one table, one view

@dataclass(frozen=True)
class Subject:
    """What an action's URL names: how it is found (a 404 when it is not), the name its message uses, the page a
    success goes to, and the answer when the form or the service says no."""

    load: Callable[..., Any]
    name: Callable[[Any], str]
    page: Callable[[Any], str]
    refuse: Callable[[Any, str, FlaskForm], ResponseReturnValue]


PROVIDER = Subject(load=lambda code: get_by_code(db.session, code), name=lambda p: p.code,
                   page=lambda p: url_for("admin.provider", code=p.code),
                   refuse=lambda p, prefix, form: _provider_page(p, 400, **{prefix: form}))
PERSON = Subject(load=lambda user_id: people.get_person(db.session, user_id), name=lambda u: u.email,
                 page=lambda u: url_for("admin.person", user_id=u.id),
                 refuse=lambda u, prefix, form: _person_page(u, 400, **{prefix: form}))
OUTBOX = Subject(load=lambda message_id=None: message_id, name=lambda message_id: "",
                 page=lambda count: url_for("admin.outbox"), refuse=_back_to_outbox)


@dataclass(frozen=True)
class Action:
    """One POST: its URL(s), what it acts on, its form (and the prefix its fields carry on the page), the one
    service call, and the message shown after it (from the subject's name, the form and what the service
    returned, which is also whose page comes next)."""

    rules: tuple[str, ...]
    subject: Subject
    form: type[FlaskForm]
    prefix: str
    run: Callable[[Any, Any], Any]
    done: Callable[[str, Any, Any], str]


# Keyed by endpoint: the templates' url_for names. A URL no row has is a 404, as any unknown page is.
ACTIONS: dict[str, Action] = {
    "provider_edit": Action(
        ("/providers/<code>/edit",), PROVIDER, ProviderEditForm, "edit",
        lambda p, f: providers.edit(db.session, current_user, p, providers.ProviderEdit(
            name=f.name.data, kind=f.kind.data, postcode=f.postcode.data or "", email=f.email.data or "",
            website=f.website.data or "", service_type=f.service_type.data or "")),
        lambda code, f, p: f"{code} saved."),
    "provider_move": Action(
        ("/providers/<code>/move",), PROVIDER, MoveForm, "move",
        lambda p, f: providers.move(db.session, current_user, p, f.parent.data or "", f.reason.data or ""),
        lambda code, f, p: f"{code} moved."),
    "provider_code": Action(
        ("/providers/<code>/code",), PROVIDER, CodeForm, "code",
        lambda p, f: providers.change_code(db.session, current_user, p, f.code.data or "", f.reason.data or ""),
        lambda code, f, p: f"{code} is now {p.code}; its old address leads here."),
    "provider_active": Action(
        ("/providers/<code>/active",), PROVIDER, ReasonForm, "active",
        # The button's own value (outside the prefixed form): 1 reactivates, anything else deactivates.
        lambda p, f: providers.set_active(db.session, current_user, p, request.form.get("active") == "1",
                                          f.reason.data or ""),
        lambda code, f, p: f"{code} reactivated." if p.active
        else f"{code} deactivated: its stories stay, it takes no new ones."),
    "provider_merge": Action(
        ("/providers/<code>/merge",), PROVIDER, MergeForm, "merge",
        lambda p, f: providers.merge(db.session, current_user, p, f.target.data, f.reason.data or ""),
        # The duplicate is gone by now: its code is the name taken before the merge.
        lambda code, f, target: f"{code} merged into {target.code}; its old address now leads here."),
    "person_role": Action(
        ("/people/<int:user_id>/role",), PERSON, RoleForm, "role",
        lambda u, f: people.set_role(db.session, current_user, u, f.role.data, f.grant.data == "1",
                                     f.reason.data or ""),
        lambda email, f, u: f"{'Granted' if f.grant.data == '1' else 'Removed'} {f.role.data} for {email}."),
    "person_disable": Action(
        ("/people/<int:user_id>/disable",), PERSON, ReasonForm, "disable",
        lambda u, f: people.set_disabled(db.session, current_user, u, request.form.get("disabled") == "1",
                                         f.reason.data or ""),
        lambda email, f, u: f"{email} {'disabled: signed out everywhere' if u.disabled_at else 'enabled'}."),
    "outbox_resend": Action(
        ("/outbox/resend", "/outbox/<int:message_id>/resend"), OUTBOX, ConfirmForm, "",
        lambda message_id, f: site.resend(db.session, current_user, message_id),
        lambda _, f, count: f"{count} message{'s' if count != 1 else ''} queued again." if count
        else "Nothing to resend."),
}


def act(action: str, **args: Any) -> ResponseReturnValue:
    """Every console POST (admins only, by the blueprint's own check): find what it names, check its form, make
    the one service call, then flash and go to the page of what the service returned."""
    row = ACTIONS[action]
    subject = row.subject.load(**args)
    form = row.form(prefix=row.prefix)
    if form.validate_on_submit():
        name = row.subject.name(subject)
        try:
            result = row.run(subject, form)
        except DomainError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            flash(row.done(name, form, result))
            return redirect(row.subject.page(result))
    return row.subject.refuse(subject, row.prefix, form)


for _endpoint, _row in ACTIONS.items():
    for _rule in _row.rules:
        bp.add_url_rule(_rule, _endpoint, act, methods=["POST"], defaults={"action": _endpoint})


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
