"""`flask --app wsgi check`: configuration mistakes found before start-up, one clear line each."""
from __future__ import annotations

import smtplib
import ssl
import tempfile
from pathlib import Path

import click
from flask import Flask, current_app
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.extensions import db
from app.mail.transports import recipient
from app.workdays import region_code
from config import PLACEHOLDER_CONTACT_EMAIL, PLACEHOLDER_CONTROLLER, PLACEHOLDER_OPERATOR


def _is_sqlite(config) -> bool:
    return config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


def _smtp_problem(config) -> str | None:
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=min(config["SMTP_TIMEOUT"], 10)) as conn:
            conn.ehlo()
            if config["SMTP_STARTTLS"]:
                conn.starttls(context=ssl.create_default_context(cafile=config.get("SMTP_CA_FILE")))
                conn.ehlo()
            if config.get("SMTP_USER"):
                conn.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        return (f"SMTP relay {config['SMTP_HOST']}:{config['SMTP_PORT']} is unreachable or refused us "
                f"({type(exc).__name__}: {exc}): check SMTP_HOST, SMTP_PORT, SMTP_STARTTLS and the login.")
    return None


def _writable(folder: Path) -> bool:
    """Whether we can create files in folder (or create folder itself, if it does not exist yet)."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    if not probe.is_dir():
        return False
    try:
        with tempfile.NamedTemporaryFile(dir=probe, prefix=".storyloop-check-"):
            return True
    except OSError:
        return False


def _worker_folders(config) -> list[tuple[str, Path, str]]:
    """(setting, folder, what fails without it) for each folder the site or its worker writes (the search index
    has its own check below, since only the whoosh backend writes one)."""
    folders = [("STORYLOOP_INSTANCE_DIR", Path(config["INSTANCE_DIR"]), "the generated secret key and local state "
                "cannot be written"),
               ("DATASET_DIR", Path(config["DATASET_DIR"]), "the worker cannot build the downloadable dataset")]
    if not config.get("SMTP_HOST"):
        folders.append(("MAIL_FILE_DIR", Path(config["MAIL_FILE_DIR"]), "without SMTP_HOST email is written "
                        "there, and no email can go out"))
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        # SQLite writes its journal (and WAL files) beside the database.
        folders.append(("DATABASE_URL", Path(url[len("sqlite:///"):]).parent, "SQLite cannot write its journal "
                        "beside the database"))
    return folders


def _unwritable_folders(config) -> list[str]:
    problems = []
    for setting, folder, consequence in _worker_folders(config):
        if not _writable(folder):
            problems.append(f"The folder {folder} ({setting}) is not writable by this user: {consequence}. "
                            f"Fix its owner or {setting}.")
    return problems


def _ratelimit_storage_problem(uri: str, options: dict | None = None) -> str | None:
    from limits.storage import storage_from_string

    try:
        if storage_from_string(uri, **(options or {})).check():
            return None
    except Exception as exc:  # a bad URI or a missing driver is just as fatal as a stopped server
        return f"RATELIMIT_STORAGE_URI {uri} cannot be used ({type(exc).__name__}: {exc})."
    return f"RATELIMIT_STORAGE_URI {uri} does not answer: start it or fix the address."


def _address_problem(address: str) -> str | None:
    """Why this is not one address mail can go to (the outbox fails such a message), or None."""
    try:
        recipient(address)
    except ValueError:
        return f"{address!r}, not one plain email address (no name, no list)"
    return None


def find_problems(app: Flask) -> tuple[list[str], list[str]]:
    """(mistakes that must be fixed before start-up, notes worth reading)."""
    config = app.config
    problems: list[str] = []
    notes: list[str] = []
    production = not config.get("DEBUG") and (not _is_sqlite(config) or config["SITE_URL"].startswith("https://"))
    if config.get("SECRET_KEY_MISSING"):
        problems.append("SECRET_KEY is not set: sessions and emailed links cannot be signed safely in production. "
                        "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'")
    web, workers = config["WEB_CONCURRENCY"], config["OUTBOX_WORKERS"]
    if _is_sqlite(config) and (web > 1 or workers > 1):
        problems.append(f"SQLite with {web} web processes and {workers} outbox workers: writers queue behind one "
                        "lock and a second machine cannot share the file. Use PostgreSQL (DATABASE_URL).")
    storage = config["RATELIMIT_STORAGE_URI"]
    if storage.startswith("memory://") and web > 1:
        problems.append(f"Rate limits are kept in memory with {web} web processes: each counts alone, so every limit "
                        "is multiplied. Set RATELIMIT_STORAGE_URI=redis://host:6379.")
    elif not storage.startswith("memory://") and (
            problem := _ratelimit_storage_problem(storage, config.get("RATELIMIT_STORAGE_OPTIONS"))):
        problems.append(problem)
    try:
        with app.app_context():
            db.session.execute(text("SELECT 1"))
            db.session.remove()
    except Exception as exc:  # any driver error means the site cannot start
        url = make_url(config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
        problems.append(f"The database ({url}) does not answer: "
                        f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    if (address := config.get("SAFEGUARDING_EMAIL")) and (problem := _address_problem(address)):
        problems.append(f"SAFEGUARDING_EMAIL is {problem}: a safeguarding concern would never reach anyone.")
    try:
        region_code(config.get("BANK_HOLIDAYS_REGION", "england"))
    except ValueError as exc:
        problems.append(f"{exc}: reminders could not count working days.")
    if config.get("SMTP_HOST"):
        if problem := _smtp_problem(config):
            problems.append(problem)
    else:
        notes.append(f"SMTP_HOST is not set: email is written to files in {config['MAIL_FILE_DIR']}, not sent.")
    problems.extend(_unwritable_folders(config))
    if config["SEARCH_BACKEND"] == "postgres" and _is_sqlite(config):
        problems.append("SEARCH_BACKEND=postgres needs a PostgreSQL database; use whoosh with SQLite.")
    elif config["SEARCH_BACKEND"] not in ("whoosh", "postgres"):
        problems.append(f"SEARCH_BACKEND is {config['SEARCH_BACKEND']!r}: choose whoosh or postgres.")
    elif config["SEARCH_BACKEND"] == "whoosh":
        # The live index is a symlink to the current build; new builds are made beside it.
        index = Path(config["SEARCH_INDEX_DIR"])
        for folder in {index.parent, index.resolve()} if index.exists() else {index.parent}:
            if not _writable(folder):
                problems.append(f"The search index folder {folder} is not writable by this user: the worker cannot "
                                "update or rebuild the index. Fix its owner or SEARCH_INDEX_DIR.")
                break
        if web > 1 and not _is_sqlite(config):
            notes.append("Several web processes on the whoosh backend must share one SEARCH_INDEX_DIR; with several "
                         "machines use SEARCH_BACKEND=postgres.")
    if production:
        for setting, placeholder in (("SITE_OPERATOR", PLACEHOLDER_OPERATOR),
                                     ("SITE_CONTACT_EMAIL", PLACEHOLDER_CONTACT_EMAIL),
                                     ("DATA_CONTROLLER", PLACEHOLDER_CONTROLLER)):
            if config.get(setting, placeholder) == placeholder:
                problems.append(f"{setting} is not set: the About, Contact and Privacy pages show a placeholder "
                                "where people expect to read who runs the site and who holds their data.")
    if (address := config.get("SITE_CONTACT_EMAIL")) and address != PLACEHOLDER_CONTACT_EMAIL \
            and (problem := _address_problem(address)):
        problems.append(f"SITE_CONTACT_EMAIL is {problem}: the Contact page would give people an address that "
                        "does not work.")
    if production and not config["SITE_URL"].startswith("https://"):
        notes.append(f"SITE_URL is {config['SITE_URL']}: with https:// cookies are marked secure and emailed links "
                     "use TLS.")
    return problems, notes


def readiness_findings(app: Flask) -> tuple[list[str], list[str]]:
    """What /readyz would say, as `check` reports it: a schema not yet upgraded and no worker started yet are
    notes (check runs before both on a new site); a stalled worker, old mail and failing jobs are mistakes."""
    from app.admin import readiness

    problems: list[str] = []
    notes: list[str] = []
    with app.app_context():
        try:
            found = readiness.problems(app, db.session)
        finally:
            db.session.remove()
    for problem in found:
        if problem.check in ("ratelimit", "folders", "database"):
            continue  # find_problems says these, with their causes
        line = f"readiness: {problem.line}" + (f" ({problem.detail})" if problem.detail else "")
        if problem.check == "schema" or (problem.check == "workers" and problem.line.startswith("No outbox worker")):
            notes.append(line)
        else:
            problems.append(line)
    return problems, notes


def all_findings(app: Flask) -> tuple[list[str], list[str]]:
    problems, notes = find_problems(app)
    if not app.config.get("SETTINGS_IN_ENVIRONMENT", True):
        notes.insert(0, "DATABASE_URL, SECRET_KEY and SITE_URL are all unset: this judges the defaults. If your "
                        "settings are in a file (/etc/storyloop/env), this user could not read it or it was not "
                        "loaded: `set -a; . /etc/storyloop/env; set +a` first, as a user who can read it.")
    if not any(p.startswith("The database") for p in problems):
        more, more_notes = readiness_findings(app)
        problems.extend(more)
        notes.extend(more_notes)
    return problems, notes


@click.command("check")
def check() -> None:
    """Report configuration mistakes (one line each); exit status 1 if there is any."""
    try:
        problems, notes = all_findings(current_app._get_current_object())
    except Exception as exc:  # noqa: BLE001 — an operator's command ends in a sentence, never a traceback
        first = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(f"error: the check itself failed ({type(exc).__name__}: {first}): fix the settings it names, or "
                   "report this.", err=True)
        raise SystemExit(1) from None
    for note in notes:
        click.echo(f"note: {note}")
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.", err=True)
        raise SystemExit(1)
    click.echo("Configuration looks right.")
