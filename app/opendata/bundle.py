"""The downloadable zip: rebuilt by the worker when published content changed, at most once an hour."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import utcnow
from app.opendata.export import export_dataset
from app.replies.models import Change, Reply
from app.stories.models import Story

ZIP_NAME = "storyloop-dataset.zip"


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
    """The last time anything that the dataset holds may have changed."""
    times = [session.scalar(select(func.max(Story.updated_at))), session.scalar(select(func.max(Reply.created_at))),
             session.scalar(select(func.max(Reply.edited_at))), session.scalar(select(func.max(Change.created_at)))]
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
            for path in sorted((Path(tmp) / "storyloop-dataset").iterdir()):
                archive.write(path, f"storyloop-dataset/{path.name}")
        os.replace(partial, zip_path())
    meta = {"generated_at": started.isoformat(), "counts": counts, "size": zip_path().stat().st_size}
    _meta_path().write_text(json.dumps(meta))
    return meta


def rebuild_if_due(session: Session) -> bool:
    """The worker's job: rebuild when content changed since the last export, looking at most hourly."""
    meta = last_export()
    now = utcnow()
    if meta is not None:
        checked = datetime.fromisoformat(meta.get("checked_at", meta["generated_at"]))
        if now - checked < timedelta(seconds=current_app.config["DATASET_MIN_INTERVAL_SECONDS"]):
            return False
        changed = content_changed_at(session)
        if changed is None or changed <= datetime.fromisoformat(meta["generated_at"]):
            meta["checked_at"] = now.isoformat()
            _meta_path().write_text(json.dumps(meta))
            return False
    build(session)
    session.rollback()  # end the long read transaction
    return True


def remove() -> None:
    shutil.rmtree(dataset_dir(), ignore_errors=True)
