"""Small helpers every view uses: safe redirects and showing domain errors on a form."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, url_for
from flask_wtf import FlaskForm

from app.errors import DomainError


def safe_next(target: str | None, default: str = "pages.home") -> str:
    """The target when it is a path on this site; the default endpoint's URL otherwise."""
    if target and _is_local_path(target):
        return target
    return url_for(default)


def _is_local_path(target: str) -> bool:
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return False
    if not target.startswith("/") or target.startswith("//"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def redirect_next(target: str | None, default: str = "pages.home"):
    return redirect(safe_next(target, default))


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Attach a service's errors to their fields (or to the form as a whole)."""
    if not error.errors:
        form.form_errors.append(error.message)
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)


def link_problem(message: str):
    """The page for an emailed link that cannot be used (expired, already used, tampered): 400."""
    return render_template("accounts/link_problem.html", message=message), 400
