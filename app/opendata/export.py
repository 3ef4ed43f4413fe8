"""The dataset export: stream every published record to CSV tables, NDJSON and a Frictionless Data Package."""
from __future__ import annotations

import csv
import json
import multiprocessing
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, wait
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from flask import Flask, current_app, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.directory.models import Provider, ProviderRedirect
from app.extensions import db, utcnow
from app.insight import figures
from app.insight.aggregates import month_of, region
from app.insight.models import ProviderDayUnreplied, ProviderMonth, ProviderMonthWait, ProviderMonthWorkdays
from app.insight.services import WAITING_LOOKBACK_DAYS, Figures, median_of, median_wait, today_utc
from app.moderation.models import StoryRevision
from app.opendata import changes as change_fields
from app.opendata.events import event_values, visible_event
from app.opendata.schema import (
    CHANGES,
    PROVIDER_MONTHS,
    PROVIDER_REDIRECTS,
    PROVIDERS,
    RESPONSES,
    STORIES,
    STORY_EVENTS,
    STORY_TAGS,
    TABLES,
    TAGS,
    table_schema,
)
from app.replies.models import STAFF_REPLY, VISIBLE, Change, Reply
from app.stories.models import Story, Tag, story_tags
from app.stories.queries import StoryFilters, public_story_filter
from app.stories.timeline import StoryEvent
from app.text import SPREADSHEET_TRIGGERS

BATCH = 5000


def iso(value: Any) -> Any:
    """Dates as ISO 8601 (datetimes in UTC with a Z), booleans as true/false, None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return _datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _datetime_text(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # isoformat is several times faster than strftime, and an export formats millions of these.
    return value.isoformat(timespec="seconds")[:19] + "Z"


def _formatter(table) -> Callable[[Any], tuple[list, list]]:
    """A function giving a row's CSV values and its JSON values, converting only the columns whose type
    needs it: datetimes and dates as ISO text in both, booleans as true/false in the CSV (the JSON keeps
    true, false and null; the CSV writer writes None as empty), and free-text cells that a spreadsheet would
    run as a formula given a leading apostrophe in the CSV only (the JSON keeps the text as published)."""
    times = [i for i, c in enumerate(table.columns) if c.type == "datetime"]
    dates = [i for i, c in enumerate(table.columns) if c.type == "date"]
    flags = [i for i, c in enumerate(table.columns) if c.type == "boolean"]
    texts = [i for i, c in enumerate(table.columns) if c.type == "string" and not c.enum]

    def formatted(values) -> tuple[list, list]:
        row = list(values)
        for i in times:
            if (v := row[i]) is not None:
                row[i] = _datetime_text(v)
        for i in dates:
            if (v := row[i]) is not None:
                row[i] = v.isoformat()
        csv_row = row
        if flags:
            csv_row = row.copy()
            for i in flags:
                if (v := row[i]) is not None:
                    csv_row[i] = "true" if v else "false"
        for i in texts:
            # One look at the first character per text cell: the export writes 20,000 stories a second.
            if (v := row[i]) and v[0] in SPREADSHEET_TRIGGERS:
                if csv_row is row:
                    csv_row = row.copy()
                csv_row[i] = "'" + v
        return csv_row, row

    return formatted


def _stream(session: Session, stmt) -> Iterator:
    # yield_per streams (a server-side cursor on PostgreSQL): memory stays flat however many rows.
    return iter(session.execute(stmt.execution_options(yield_per=BATCH)))


def _public(session: Session):
    """Every public story, unfiltered: what the dataset holds (the same read model as the list pages and API)."""
    return public_story_filter(StoryFilters(), session)


def _published_story_ids(session: Session):
    return select(Story.id).where(_public(session))


def _grouped(rows: Iterator, key: Callable[[Any], int]) -> Iterator[tuple[int, list]]:
    """Rows already ordered by story id, grouped per story id."""
    current, group = None, []
    for row in rows:
        k = key(row)
        if k != current and group:
            yield current, group
            group = []
        current = k
        group.append(row)
    if group:
        yield current, group


class _Merge:
    """Follows an ordered stream of (story_id, rows) alongside the stories, without holding it in memory."""

    def __init__(self, groups: Iterator[tuple[int, list]]) -> None:
        self.groups = groups
        self.head: tuple[int, list] | None = next(groups, None)

    def take(self, story_id: int) -> list:
        while self.head is not None and self.head[0] < story_id:
            self.head = next(self.groups, None)
        if self.head is not None and self.head[0] == story_id:
            rows = self.head[1]
            self.head = next(self.groups, None)
            return rows
        return []


STORY_TABLES = (STORIES, STORY_TAGS, RESPONSES, CHANGES, STORY_EVENTS)  # written story by story, in id order
PARALLEL_FROM = 50_000  # published stories from which the stories are written by EXPORT_PROCS processes


class _Tables:
    """CSV writers for some tables of the dataset, with their row counts."""

    def __init__(self, out: Path, tables, header: bool) -> None:
        self.files = {t.name: (out / t.path).open("w", encoding="utf-8", newline="") for t in tables}
        self.writers = {name: csv.writer(f, lineterminator="\r\n") for name, f in self.files.items()}
        self.formatters = {t.name: _formatter(t) for t in tables}
        self.counts = {t.name: 0 for t in tables}
        if header:
            for t in tables:
                self.writers[t.name].writerow(t.header)

    def write(self, table, values) -> list:
        """Writes the CSV row; returns the values for the story's JSON."""
        row, json_row = self.formatters[table.name](values)
        self.writers[table.name].writerow(row)
        self.counts[table.name] += 1
        return json_row

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def export_dataset(session: Session, directory: str | Path, progress: Callable[[int], None] = lambda n: None,
                   site_url: str | None = None, procs: int | None = None) -> dict[str, int]:
    """Write the open dataset to directory, created now. Returns the number of rows per table."""
    site_url = site_url or current_app.config["SITE_URL"]
    counts = export_tables(session, directory, progress, site_url, procs)
    write_package(Path(directory), counts, site_url, utcnow())
    return counts


def export_tables(session: Session, directory: str | Path, progress: Callable[[int], None] = lambda n: None,
                  site_url: str | None = None, procs: int | None = None) -> dict[str, int]:
    """Write the dataset's tables (CSV and NDJSON, not the package's description) to directory. Returns the
    number of rows per table.

    From PARALLEL_FROM published stories the stories (with their tags, responses and changes) are written
    by `procs` processes (EXPORT_PROCS), each a range of ids into part files, joined in id order after.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    site_url = site_url or current_app.config["SITE_URL"]
    procs = procs if procs is not None else current_app.config["EXPORT_PROCS"]
    bounds = _id_ranges(session, procs) if procs > 1 else None
    today = today_utc()  # one day for the whole export, however many processes write it: what is overdue, waiting
    tables = _Tables(out, TABLES, header=True)
    try:
        if bounds is not None:
            counts = _stories_in_parts(out, bounds, site_url, today, tables, progress)
        else:
            codes, tag_slugs = _lookups(session)
            with (out / "stories.ndjson").open("wb") as ndjson:
                _write_stories(session, tables, ndjson, codes, tag_slugs, site_url, today, None, progress)
            counts = {}
        # The directory after the stories: every provider a story names is there, even one added meanwhile.
        codes = _write_directory(session, tables)
        _write_provider_months(session, lambda values: tables.write(PROVIDER_MONTHS, values), codes, today)
    finally:
        tables.close()
    return {name: tables.counts[name] + counts.get(name, 0) for name in tables.counts}


def _id_ranges(session: Session, procs: int) -> list[tuple[int, int | None]] | None:
    """Published story ids cut into `procs` ranges of about as many stories, or None if too few to bother."""
    total = session.scalar(select(func.count()).select_from(_published_story_ids(session).subquery())) or 0
    if total < PARALLEL_FROM:
        return None
    cuts = [session.scalar(_published_story_ids(session).order_by(Story.id).offset(total * i // procs).limit(1))
            for i in range(1, procs)]
    edges = [0, *cuts, None]  # the last range is open: no bound past what an id can hold
    return [(lo, hi) for lo, hi in zip(edges, edges[1:], strict=False)]


def _stories_in_parts(out: Path, bounds: list[tuple[int, int | None]], site_url: str, today: date, tables: _Tables,
                      progress: Callable[[int], None]) -> dict[str, int]:
    """Each id range written by a process of its own into out/.parts/N/, then appended in order."""
    parts = out / ".parts"
    shutil.rmtree(parts, ignore_errors=True)
    config = {k: v for k, v in current_app.config.items() if isinstance(v, str | int | float | bool | type(None))}
    counts: dict[str, int] = {}
    context = multiprocessing.get_context("spawn")
    written = context.Value("q", 0)  # stories written by all the processes: the progress bar follows it
    try:
        with ProcessPoolExecutor(len(bounds), mp_context=context, initializer=_share_counter,
                                 initargs=(written,)) as pool:
            # The factory that made this app makes one in each process (handed over, not imported from above).
            factory = current_app.extensions["storyloop.factory"]
            running = {pool.submit(_export_part, factory, config, str(parts / str(i)), lo, hi, site_url, today)
                       for i, (lo, hi) in enumerate(bounds)}
            shown = 0
            while running:
                finished, running = wait(running, timeout=0.5)
                for future in finished:
                    for name, n in future.result().items():
                        counts[name] = counts.get(name, 0) + n
                progress(written.value - shown)
                shown = written.value
        with (out / "stories.ndjson").open("wb") as ndjson:
            for i in range(len(bounds)):
                for table in STORY_TABLES:
                    target = tables.files[table.name]
                    target.flush()  # the header first, then the part's bytes as they are (both UTF-8)
                    with (parts / str(i) / table.path).open("rb") as part:
                        shutil.copyfileobj(part, target.buffer, 1024 * 1024)
                with (parts / str(i) / "stories.ndjson").open("rb") as part:
                    shutil.copyfileobj(part, ndjson, 1024 * 1024)
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    return counts


_written = None  # in a writing process: the shared count of stories written,
_unshared = 0  # and those it wrote since it last added to it


def _share_counter(counter) -> None:
    global _written
    _written = counter


def _count_written(n: int, flush: bool = False) -> None:
    """Adds to the shared count a thousand stories at a time (a lock per story would cost more)."""
    global _unshared
    _unshared += n
    if _unshared >= 1000 or flush:
        with _written.get_lock():
            _written.value += _unshared
        _unshared = 0


def _export_part(factory: Callable[[dict], Flask], config: dict, directory: str, lo: int, hi: int | None,
                 site_url: str, today: date) -> dict[str, int]:
    """In a process of its own: the stories with lo <= id < hi, without headers."""
    app = factory(config)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        tables = _Tables(out, STORY_TABLES, header=False)
        try:
            codes, tag_slugs = _lookups(db.session)
            with (out / "stories.ndjson").open("wb") as ndjson:
                _write_stories(db.session, tables, ndjson, codes, tag_slugs, site_url, today, (lo, hi),
                               _count_written)
            _count_written(0, flush=True)
        finally:
            tables.close()
        db.session.remove()
    return tables.counts


def _lookups(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    codes = dict(session.execute(select(Provider.id, Provider.code)).all())
    return codes, dict(session.execute(select(Tag.id, Tag.slug)).all())


def top_level_codes(session: Session) -> dict[int, str]:
    """Each provider's top-level organisation's code, by provider id: the whole directory's tree read once."""
    above: dict[int, tuple[str, int | None]] = {i: (code, parent) for i, code, parent in session.execute(
        select(Provider.id, Provider.code, Provider.parent_id))}
    tops: dict[int, str] = {}
    for start in above:
        chain, i = [], start
        while i not in tops and above[i][1] is not None and len(chain) <= len(above):
            chain.append(i)
            i = above[i][1]
        top = tops.get(i, above[i][0])
        for j in (*chain, i):
            tops[j] = top
    return tops


def _write_directory(session: Session, tables: _Tables) -> dict[int, str]:
    codes: dict[int, str] = {}
    tops = top_level_codes(session)
    parent = Provider.__table__.alias("parent")
    for p in _stream(session, select(Provider.id, Provider.code, Provider.name, Provider.kind, parent.c.code,
                                     Provider.postcode, Provider.website, Provider.active, Provider.service_type,
                                     Provider.updated_at)
                     .outerjoin(parent, parent.c.id == Provider.parent_id).order_by(Provider.id)):
        codes[p[0]] = p[1]
        tables.write(PROVIDERS, [*p[:9], tops.get(p[0], p[1]), p[9]])
    for r in _stream(session, select(ProviderRedirect.code, ProviderRedirect.provider_id, Provider.code,
                                     ProviderRedirect.kind, ProviderRedirect.created_at)
                     .join(Provider, Provider.id == ProviderRedirect.provider_id).order_by(ProviderRedirect.code)):
        tables.write(PROVIDER_REDIRECTS, r)
    for t in _stream(session, select(Tag.id, Tag.slug, Tag.name, Tag.kind).order_by(Tag.id)):
        tables.write(TAGS, t)
    return codes


def _write_stories(session: Session, tables: _Tables, ndjson, codes: dict[int, str], tag_slugs: dict[int, str],
                   site_url: str, today: date, ids: tuple[int, int | None] | None,
                   progress: Callable[[int], None]) -> None:
    """Published stories (those with ids in [lo, hi) if given), their tags, responses, changes and events: the CSV
    rows and one NDJSON line per story, the five streams read side by side in story id order."""
    def within(column):
        if ids is None:
            return []
        return [column >= ids[0]] + ([column < ids[1]] if ids[1] is not None else [])

    published = _published_story_ids(session).where(*within(Story.id))
    tags = _Merge(_grouped(_stream(session, select(story_tags.c.story_id, story_tags.c.tag_id)
                                   .where(story_tags.c.story_id.in_(published), *within(story_tags.c.story_id))
                                   .order_by(story_tags.c.story_id, story_tags.c.tag_id)), lambda r: r[0]))
    replies = _Merge(_grouped(_stream(session, select(
        Reply.id, Reply.story_id, Reply.kind, Reply.provider_id, Reply.responder_name, Reply.responder_title,
        Reply.body, Reply.published_at, Reply.edited_at,
    ).where(Reply.status == VISIBLE, Reply.story_id.in_(published), *within(Reply.story_id))
        .order_by(Reply.story_id, Reply.published_at, Reply.id)), lambda r: r[1]))
    changes = _Merge(_grouped(_stream(session, select(
        Change.id, Change.story_id, Change.provider_id, Change.kind, Change.description, Change.made_on,
        Change.reporter_name, Change.reporter_title, Change.created_at, Change.due_on, Change.owner,
        Change.evidence, Change.evidence_url, Change.verdict, Change.verdict_status, Change.verdict_at,
        Change.verdict_note,
    ).where(Change.status == VISIBLE, Change.story_id.in_(published), *within(Change.story_id))
        .order_by(Change.story_id, Change.created_at, Change.id)), lambda r: r[1]))
    events = _Merge(_grouped(_stream(session, select(
        StoryEvent.id, StoryEvent.story_id, StoryEvent.kind, StoryEvent.at, StoryEvent.step, StoryEvent.provider_id,
        StoryEvent.count, StoryEvent.detail,
    ).where(visible_event(), StoryEvent.story_id.in_(published), *within(StoryEvent.story_id))
        .order_by(StoryEvent.story_id, StoryEvent.at, StoryEvent.id)), lambda r: r[1]))
    edits = _Merge(_grouped(_stream(session, select(StoryRevision.story_id, func.max(StoryRevision.created_at))
                                    .where(StoryRevision.story_id.in_(published), *within(StoryRevision.story_id))
                                    .group_by(StoryRevision.story_id).order_by(StoryRevision.story_id)),
                            lambda r: r[0]))
    stories = _stream(session, select(
        Story.id, Story.provider_id, Story.title, Story.body, Story.experienced_on, Story.author_role,
        Story.on_behalf, Story.public_name, Story.language, Story.route, Story.criticality, Story.response_status,
        Story.published_at, Story.first_reply_at, Story.updated_at,
    ).where(_public(session), *within(Story.id)).order_by(Story.id))
    licence = current_app.config["CONTENT_LICENCE"]
    write = tables.write
    stories_header, responses_header, changes_header = STORIES.header, RESPONSES.header, CHANGES.header
    events_header = STORY_EVENTS.header
    for s in stories:
        story_replies, story_changes = replies.take(s.id), changes.take(s.id)
        edited = edits.take(s.id)
        record = [s.id, s.provider_id, codes.get(s.provider_id, ""), s.title, s.body,
                  figures.year_month(s.experienced_on), s.author_role, s.on_behalf, s.public_name,
                  s.language, s.route, s.criticality, s.response_status, s.published_at, s.first_reply_at,
                  f"{site_url}/stories/{s.id}", s.updated_at, bool(edited), edited[0][1] if edited else None,
                  sum(1 for r in story_replies if r[2] == STAFF_REPLY), len(story_changes)]
        # Each row is formatted once, for its CSV line and its place in the story's JSON alike.
        nested = dict(zip(stories_header, write(STORIES, record), strict=True))
        story_tag_rows = tags.take(s.id)
        for row in story_tag_rows:
            write(STORY_TAGS, row)
        nested["tags"] = [tag_slugs[r[1]] for r in story_tag_rows]
        nested["responses"] = [dict(zip(responses_header, write(RESPONSES, r), strict=True))
                               for r in story_replies]
        nested["changes"] = [dict(zip(changes_header, write(CHANGES, _change_row(c, today)), strict=True))
                             for c in story_changes]
        nested["events"] = [dict(zip(events_header, write(STORY_EVENTS, event_values(
            e[0], e[1], e[2], e[3], e[4], codes.get(e[5]), e[6], e[7])), strict=True)) for e in events.take(s.id)]
        nested["licence"] = licence
        ndjson.write(orjson.dumps(nested, option=orjson.OPT_APPEND_NEWLINE))
        progress(1)


def _change_row(c, today: date) -> list:
    """A change's columns as read (id ... created_at, then what change_fields.shown weighs), as published."""
    kind, rest = c[3], c[9:]  # due_on, owner, evidence, evidence_url, verdict, verdict_status, verdict_at, note
    return [*c[:9], *change_fields.shown(kind, *rest, today)]


def _write_provider_months(session: Session, write: Callable[[list], None], codes: dict[int, str],
                           today: date) -> None:
    """The monthly aggregates, per provider and month, as kept by app.insight: nothing here reads a story."""
    waits: dict[tuple[int, date], dict[int, int]] = {}
    for provider_id, month, seconds, n in _stream(session, select(
            ProviderMonthWait.provider_id, ProviderMonthWait.month, ProviderMonthWait.seconds,
            ProviderMonthWait.stories)):
        waits.setdefault((provider_id, month), {})[seconds] = n
    workdays: dict[tuple[int, date], dict[int, int]] = {}
    for provider_id, month, days, n in _stream(session, select(
            ProviderMonthWorkdays.provider_id, ProviderMonthWorkdays.month, ProviderMonthWorkdays.workdays,
            ProviderMonthWorkdays.stories)):
        workdays.setdefault((provider_id, month), {})[days] = n
    waiting = _still_waiting(session, today)
    for m in _stream(session, select(
            ProviderMonth.provider_id, ProviderMonth.month, ProviderMonth.stories, ProviderMonth.replied,
            ProviderMonth.crit0, ProviderMonth.crit1, ProviderMonth.crit2, ProviderMonth.crit3, ProviderMonth.crit4,
            ProviderMonth.crit5, ProviderMonth.changes_planned, ProviderMonth.changes_made, ProviderMonth.replied_5,
            ProviderMonth.replied_20, ProviderMonth.changes_confirmed, ProviderMonth.changes_disputed,
    ).order_by(ProviderMonth.provider_id, ProviderMonth.month)):
        key = (m.provider_id, m.month)
        median = median_wait(waits.get(key, {}))
        still = waiting.get(key)
        write([m.provider_id, codes.get(m.provider_id, ""), figures.year_month(m.month), m.stories, m.replied,
               figures.median_hours(median),
               m.crit0, m.crit1, m.crit2, m.crit3, m.crit4, m.crit5, m.changes_planned, m.changes_made,
               m.replied_5, m.replied_20, still.waiting_5 if still else 0, still.waiting_20 if still else 0,
               median_of(workdays.get(key, {})), m.changes_confirmed, m.changes_disputed])


def _still_waiting(session: Session, today: date) -> dict[tuple[int, date], Figures]:
    """Per provider and month, the unanswered stories still within their 5 and 20 working days today: counted as
    the provider page counts them (app.insight.services.Figures.add_waiting), from provider_day_unreplied."""
    area = region()
    out: dict[tuple[int, date], Figures] = {}
    for provider_id, day, n in _stream(session, select(
            ProviderDayUnreplied.provider_id, ProviderDayUnreplied.day, ProviderDayUnreplied.stories)
            .where(ProviderDayUnreplied.day >= today - timedelta(days=WAITING_LOOKBACK_DAYS))):
        out.setdefault((provider_id, month_of(day)), Figures()).add_waiting(day, n, today, area)
    return out


def release_version(created: datetime) -> str:
    """A release's version: the UTC moment it was created, YYYY.MM.DD.HHMMSS (date-based, and it sorts)."""
    return created.astimezone(UTC).strftime("%Y.%m.%d.%H%M%S")


def citation(title: str, created: datetime, version: str, url: str, licence: str) -> str:
    """How to cite one release (the text datapackage.json, CITATION.cff and README.md give)."""
    return f"{title} contributors ({created.year}). {title} open dataset (version {version}) [Data set]. {url}. " \
           f"Licence: {licence}."


PACKAGE_FILES = ("datapackage.json", "LICENSE", "CITATION.cff", "README.md")  # what write_package writes


def write_package(out: Path, counts: dict[str, int], site_url: str, created: datetime) -> None:
    """The package's description of the tables in out, as a release created at `created` (to the second)."""
    config = current_app.config
    licence = {"name": config["CONTENT_LICENCE"], "path": config["CONTENT_LICENCE_URL"],
               "title": config["CONTENT_LICENCE_NAME"]}
    moment = created.astimezone(UTC).replace(microsecond=0)
    created, version = iso(moment), release_version(moment)
    cite = citation(config["SITE_NAME"], moment, version, f"{site_url}/data", config["CONTENT_LICENCE"])
    package = {
        "profile": "tabular-data-package",
        "name": "storyloop",
        "title": f"{config['SITE_NAME']}: published stories of care, replies and changes",
        "description": "Every published story, provider reply, author answer and change planned or made, each "
                       "story's progress (its events), with the provider directory. In the CSV files a text cell "
                       "that begins with =, +, -, @, a tab, a carriage return or an apostrophe has an apostrophe "
                       "added in front, so that spreadsheets do not run it as a formula. See README.md.",
        "homepage": f"{site_url}/data",
        "version": version,
        "created": created,
        "citation": cite,
        "licenses": [licence],
        "resources": [
            {"name": t.name, "path": t.path, "profile": "tabular-data-resource", "format": "csv",
             "mediatype": "text/csv", "encoding": "utf-8", "description": t.description, "schema": table_schema(t)}
            for t in TABLES
        ],
    }
    (out / "datapackage.json").write_text(json.dumps(package, indent=2, ensure_ascii=False), encoding="utf-8")
    context = dict(licence=licence, created=created, version=version, citation=cite, site_url=site_url,
                   released=moment.date().isoformat())
    (out / "LICENSE").write_text(render_template("opendata/LICENSE.txt", **context), encoding="utf-8")
    (out / "CITATION.cff").write_text(render_template("opendata/CITATION.cff.txt", **context), encoding="utf-8")
    (out / "README.md").write_text(render_template("opendata/README.md.txt", tables=TABLES, counts=counts, **context),
                                   encoding="utf-8")
