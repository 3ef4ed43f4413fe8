"""The downloadable zip: rebuilt by the worker when published content changed.

The worker's `dataset` job looks for changes every DATASET_MIN_INTERVAL_SECONDS (an hour). Content taken
out of public view (a story withdrawn or hidden, a reply hidden, a text corrected, a provider's entry
edited) asks for the job at the worker's next pass instead, in the same transaction: such content leaves
the download within minutes, not an hour.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session

from app import jobs
from app.directory.models import Provider
from app.extensions import utcnow
from app.opendata.export import export_dataset
from app.replies.models import VISIBLE, Change, Reply
from app.stories.models import PUBLISHED, Story
from app.stories.timeline import StoryEvent

ZIP_NAME = "storyloop-dataset.zip"
JOB = "dataset"  # the worker's job (registered in create_app)


def dataset_dir() -> Path:
    return Path(current_app.config["DATASET_DIR"])


def zip_path() -> Path:
    return dataset_dir() / ZIP_NAME


def _meta_path() -> Path:
    return dataset_dir() / "export.json"


def last_export() -> dict | None:
    try:
        return json.loads(_meta_path().read_text())
    except (OSError, ValueError):
        return None


def content_changed_at(session: Session) -> datetime | None:
    """The last time anything that the dataset holds may have changed: a story that is or was published, a
    reply, a change, a story event (a reminder moves nothing else), a provider's entry."""
    times = [session.scalar(select(func.max(Story.updated_at)).where(Story.published_at.isnot(None))),
             session.scalar(select(func.max(Reply.created_at))), session.scalar(select(func.max(Reply.edited_at))),
             session.scalar(select(func.max(Change.created_at))), session.scalar(select(func.max(StoryEvent.at))),
             session.scalar(select(func.max(Provider.updated_at)))]
    times = [t for t in times if t is not None]
    return max(times) if times else None


def build(session: Session) -> dict:
    """Export into a temporary folder, zip it, and swap the zip in atomically."""
    target = dataset_dir()
    target.mkdir(parents=True, exist_ok=True)
    started = utcnow()
    with tempfile.TemporaryDirectory(dir=target) as tmp:
        counts = export_dataset(session, Path(tmp) / "storyloop-dataset")
        fd, partial = tempfile.mkstemp(dir=target, suffix=".zip.partial")
        os.close(fd)
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            # The files at the root: `frictionless validate storyloop-dataset.zip` and Package(zip) find
            # datapackage.json there and read the package, not a folder holding one.
            for path in sorted((Path(tmp) / "storyloop-dataset").iterdir()):
                archive.write(path, path.name)
        os.replace(partial, zip_path())
    meta = {"generated_at": started.isoformat(), "counts": counts, "size": zip_path().stat().st_size}
    _meta_path().write_text(json.dumps(meta))
    return meta


def rebuild_if_due(session: Session) -> bool:
    """The worker's job (every DATASET_MIN_INTERVAL_SECONDS, or at once when asked): rebuild when there is no
    export yet or the content changed since the last one."""
    meta = last_export()
    if meta is not None:
        changed = content_changed_at(session)
        if changed is None or changed <= datetime.fromisoformat(meta["generated_at"]):
            return False
    build(session)
    session.rollback()  # end the long read transaction
    return True


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
