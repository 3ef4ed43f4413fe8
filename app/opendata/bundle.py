"""The downloadable zip and its releases: a new release only when the published content changed.

The worker's `dataset` job looks for changes every DATASET_MIN_INTERVAL_SECONDS (an hour). Content taken
out of public view (a story withdrawn or hidden, a reply hidden, a text corrected, a provider's entry
edited) asks for the job at the worker's next pass instead, in the same transaction: such content leaves
the download within minutes, not an hour.

Whether the content changed is decided from the database, never from the clock: a look first compares a cheap
signature of the database (the newest story, event and provider times, the counts, the day that "overdue" and
"still waiting" are reckoned on, the last request for a prompt run) with the one it saw last, and exports only
if it moved; the export's tables and description (written as of a fixed moment) are then fingerprinted, and only
a fingerprint unlike the latest release's makes a release. So two looks with no change between them leave the
same zip, byte for byte, with the same ETag, Last-Modified, `created` and version, which a paper can cite.

Each release is kept as DATASET_DIR/releases/<version>/storyloop-dataset.zip; the newest
DATASET_RELEASES_KEPT stay downloadable (/data/releases/<version>/storyloop-dataset.zip), older ones are
deleted, and their versions remembered so that their addresses answer 410 Gone. DATASET_DIR/releases.json
indexes them, with the schema's changelog (the fields each release added or removed).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from app import jobs
from app.directory.models import Provider
from app.extensions import utcnow
from app.insight.services import today_utc
from app.opendata.export import PACKAGE_FILES, export_tables, release_version, write_package
from app.opendata.schema import TABLES
from app.replies.models import VISIBLE, Change, Reply
from app.stories.models import PUBLISHED, Story, Tag
from app.stories.timeline import StoryEvent

ZIP_NAME = "storyloop-dataset.zip"
JOB = "dataset"  # the worker's job (registered in create_app)
INDEX = "releases.json"
VERSION = re.compile(r"\d{4}\.\d{2}\.\d{2}\.\d{6}")
# The moment the description is written as for the fingerprint: any fixed moment will do.
FINGERPRINT_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)


def dataset_dir() -> Path:
    return Path(current_app.config["DATASET_DIR"])


def release_path(version: str) -> Path:
    return dataset_dir() / "releases" / version / ZIP_NAME


def read_index() -> dict:
    """releases.json: the releases kept (newest first), the versions removed, the schema's changelog and the
    signature of the database at the last look."""
    try:
        index = json.loads((dataset_dir() / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        index = {}
    index.setdefault("releases", [])
    index.setdefault("removed", [])
    index.setdefault("schema_changes", [])
    index.setdefault("signature", None)
    return index


def _write_index(index: dict) -> None:
    """Atomically: the site reads it while the worker writes it."""
    target = dataset_dir()
    fd, partial = tempfile.mkstemp(dir=target, suffix=".json.partial")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1, sort_keys=True)
    os.replace(partial, target / INDEX)


def last_export() -> dict | None:
    """The latest release (its version, created, counts, size, sha256), or None before the first."""
    releases = read_index()["releases"]
    return releases[0] if releases else None


def releases() -> list[dict]:
    """The releases kept, newest first."""
    return read_index()["releases"]


def find_release(version: str) -> tuple[dict | None, bool]:
    """(the release kept under this version, or None; whether a release of this version was removed)."""
    if not VERSION.fullmatch(version):
        return None, False
    index = read_index()
    kept = next((r for r in index["releases"] if r["version"] == version), None)
    return kept, version in index["removed"]


def zip_path() -> Path:
    """The latest release's zip, also at DATASET_DIR/storyloop-dataset.zip (the same file, linked)."""
    return dataset_dir() / ZIP_NAME


def _link_latest(path: Path) -> None:
    fd, partial = tempfile.mkstemp(dir=dataset_dir(), suffix=".zip.partial")
    os.close(fd)
    os.unlink(partial)
    try:
        os.link(path, partial)
    except OSError:  # a file system without hard links
        shutil.copyfile(path, partial)
    os.replace(partial, zip_path())


def content_signature(session: Session) -> dict:
    """What the database says of the content the dataset holds, cheaply: if none of it moved, the dataset did
    not change. A story's updated_at moves with its replies, changes, hiding and withdrawal (app.stories.models);
    counts catch what is deleted; the day, what is overdue or still waiting; requested, a prompt run asked for
    (content taken out of view)."""
    ever_published = Story.published_at.isnot(None)
    run = session.get(jobs.JobRun, JOB)
    values = [
        session.execute(select(func.count(), func.max(Story.updated_at)).where(ever_published)).one(),
        session.execute(select(func.count()).where(Story.status == PUBLISHED)).one(),
        session.execute(select(func.count(), func.max(StoryEvent.at))).one(),
        session.execute(select(func.count(), func.max(Provider.updated_at))).one(),
        session.execute(select(func.count(), func.max(Reply.created_at), func.max(Reply.edited_at))).one(),
        session.execute(select(func.count(), func.max(Change.created_at))).one(),
        session.execute(select(func.count()).select_from(Tag)).one(),
    ]
    text = [[v.isoformat() if isinstance(v, datetime) else v for v in row] for row in values]
    return {"content": text, "day": today_utc().isoformat(),
            "requested": run.requested_at.isoformat() if run and run.requested_at else None}


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as f:
            while chunk := f.read(1024 * 1024):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def _zip(folder: Path, target: Path, created: datetime) -> None:
    """The same files and moment make the same bytes: each entry dated the release's moment, in name order."""
    stamp = created.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # The files at the root: `frictionless validate storyloop-dataset.zip` and Package(zip) find
        # datapackage.json there and read the package, not a folder holding one.
        for path in sorted(folder.iterdir()):
            info = zipfile.ZipInfo(path.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with path.open("rb") as source, archive.open(info, "w") as entry:
                shutil.copyfileobj(source, entry, 1024 * 1024)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def schema_fields() -> dict[str, list[str]]:
    return {t.name: [c.name for c in t.columns] for t in TABLES}


def schema_change(before: dict[str, list[str]] | None, after: dict[str, list[str]]) -> dict | None:
    """The fields and tables a release added and removed, against the release before it."""
    if before is None:
        return {"first": True, "tables": sorted(after)}
    added = [f"{t}.{c}" for t in after for c in after[t] if c not in before.get(t, [])]
    removed = [f"{t}.{c}" for t in before for c in before[t] if c not in after.get(t, [])]
    new_tables = sorted(set(after) - set(before))
    gone_tables = sorted(set(before) - set(after))
    if not (added or removed):
        return None
    return {"added": added, "removed": removed, "added_tables": new_tables, "removed_tables": gone_tables}


def build(session: Session) -> dict:
    """Export, and make a release if the content differs from the latest release's. Returns the latest release
    (with "new": whether this build made it)."""
    target = dataset_dir()
    target.mkdir(parents=True, exist_ok=True)
    site_url = current_app.config["SITE_URL"]
    index = read_index()
    latest = index["releases"][0] if index["releases"] else None
    with tempfile.TemporaryDirectory(dir=target) as tmp:
        folder = Path(tmp) / "storyloop-dataset"
        counts = export_tables(session, folder, site_url=site_url)
        write_package(folder, counts, site_url, FINGERPRINT_MOMENT)
        fingerprint = _fingerprint(folder)
        if latest is not None and latest.get("fingerprint") == fingerprint and release_path(latest["version"]).exists():
            return {**latest, "new": False}
        created = utcnow().replace(microsecond=0)
        if latest is not None and release_version(created) <= latest["version"]:
            created = datetime.fromisoformat(latest["created"]) + timedelta(seconds=1)  # two in one second
        version = release_version(created)
        for name in PACKAGE_FILES:
            (folder / name).unlink()
        write_package(folder, counts, site_url, created)
        path = release_path(version)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=path.parent, suffix=".zip.partial")
        os.close(fd)
        _zip(folder, Path(partial), created)
        os.replace(partial, path)
    fields = schema_fields()
    release = {"version": version, "created": created.isoformat(), "generated_at": created.isoformat(),
               "counts": counts, "size": path.stat().st_size, "sha256": _sha256(path), "fingerprint": fingerprint,
               "fields": fields}
    change = schema_change(latest["fields"] if latest and "fields" in latest else None, fields)
    if change is not None:
        index["schema_changes"].insert(0, {"version": version, "created": created.isoformat(), **change})
    index["releases"].insert(0, release)
    index["releases"], gone = _kept(index["releases"])
    index["removed"] = sorted(set(index["removed"]) | {r["version"] for r in gone})
    _link_latest(path)
    _write_index(index)
    for old in gone:
        shutil.rmtree(release_path(old["version"]).parent, ignore_errors=True)
    return {**release, "new": True}


def _kept(all_releases: list[dict]) -> tuple[list[dict], list[dict]]:
    keep = max(1, int(current_app.config["DATASET_RELEASES_KEPT"]))
    return all_releases[:keep], all_releases[keep:]


def rebuild_if_due(session: Session) -> bool:
    """The worker's job (every DATASET_MIN_INTERVAL_SECONDS, or at once when asked): export when there is no
    release yet or the database's signature moved since the last look; True when that made a new release."""
    signature = content_signature(session)
    index = read_index()
    if index["releases"] and index["signature"] == signature and zip_path().exists():
        return False
    made = build(session)
    session.rollback()  # end the long read transaction
    index = read_index()
    index["signature"] = signature  # as seen before the export: anything committed during it is looked at again
    _write_index(index)
    return made["new"]


# ---------------------------------------------------------------- taking content out of the dataset promptly

# What the dataset shows of each: a change to one of these while it is public may be taking something out.
STORY_SHOWN = {"title", "body", "public_name", "provider_id", "experienced_on", "author_role", "on_behalf"}
REPLY_SHOWN = {"body", "responder_name", "responder_title", "provider_id"}
CHANGE_SHOWN = {"description", "reporter_name", "reporter_title", "made_on", "kind", "due_on", "owner", "evidence",
                "evidence_url", "verdict", "verdict_status", "verdict_at", "verdict_note"}
PROVIDER_SHOWN = {"code", "name", "kind", "parent_id", "postcode", "website", "active"}


def _was(obj, key: str, value) -> bool:
    """Whether the attribute held value before this flush (and still does, if unchanged)."""
    history = inspect(obj).attrs[key].history
    return value in history.deleted if history.deleted else getattr(obj, key) == value


def _changed(obj, keys: set[str]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[key].history.has_changes() for key in keys)


def takes_out(obj, deleted: bool = False) -> bool:
    """Whether flushing this object takes something out of the public content (or rewrites it)."""
    if isinstance(obj, Story):
        public, shown = PUBLISHED, STORY_SHOWN
    elif isinstance(obj, (Reply, Change)):
        public, shown = VISIBLE, REPLY_SHOWN if isinstance(obj, Reply) else CHANGE_SHOWN
    elif isinstance(obj, Provider):
        return deleted or _changed(obj, PROVIDER_SHOWN)
    elif isinstance(obj, StoryEvent):
        return deleted  # a step taken back (a "not about us" a moderator declined)
    else:
        return False
    if not _was(obj, "status", public):
        return False
    return deleted or obj.status != public or _changed(obj, shown)


@event.listens_for(Session, "before_flush")
def _notice_removals(session: Session, flush_context, instances) -> None:
    if session.info.get("dataset_soon"):
        return
    if any(takes_out(obj) for obj in session.dirty) or any(takes_out(obj, True) for obj in session.deleted):
        session.info["dataset_soon"] = True


@event.listens_for(Session, "before_commit")
def _ask_for_a_rebuild(session: Session) -> None:
    """At the commit, so the request is part of the change and its row is held only for that instant."""
    if session.dirty or session.deleted:
        session.flush()
    if session.info.pop("dataset_soon", False):
        jobs.run_soon(session, JOB)


@event.listens_for(Session, "after_rollback")
def _forget_removals(session: Session) -> None:
    session.info.pop("dataset_soon", None)


def remove() -> None:
    shutil.rmtree(dataset_dir(), ignore_errors=True)
