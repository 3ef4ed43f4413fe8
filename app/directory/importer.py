"""The provider CSV importer: validate every row, keep the good ones, report the bad by line."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import IO

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.directory.models import (
    CODE_MAX,
    EMAIL_MAX,
    KINDS,
    NAME_MAX,
    SERVICE_TYPES,
    WEBSITE_MAX,
    Provider,
    ProviderRedirect,
)
from app.directory.services import CODE_RE, normalise_code, normalise_postcode, touch_subtree
from app.text import single_line

COLUMNS = ("code", "name", "kind", "parent_code", "postcode", "email", "website")
# An optional column: the service type (app/directory/models.py SERVICE_TYPES, by key or label, any case).
SERVICE_TYPE = "service_type"
# Kinds that say the service type on their own, when the file has no service_type for the row.
KIND_SERVICE_TYPES = {"gp_practice": "gp_practice", "care_home": "care_home"}
SERVICE_TYPE_BY_WORDS = {**{k: k for k in SERVICE_TYPES}, **{str(v).lower(): k for k, v in SERVICE_TYPES.items()}}
URL_RE = re.compile(r"^https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?$", re.IGNORECASE)
# Kinds that only make sense inside another provider.
NEEDS_PARENT = {"department"}


@dataclass
class Rejection:
    line: int
    code: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.code or '(no code)'}: {self.reason}"


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong header, not UTF-8)."""


@dataclass
class _Row:
    line: int
    code: str
    name: str
    kind: str
    parent_code: str | None
    postcode: str | None
    email: str | None
    website: str | None
    # None when the source does not say: an import then leaves what an admin set.
    service_type: str | None = None

    def fields(self) -> tuple:
        return (self.name, self.kind, self.postcode, self.email, self.website)


def _clean(value: str | None) -> str:
    # A line break inside a quoted field separates words like a space; other controls, bidirectional overrides
    # and the like go (app.text.normalise), so a name shows as it reads.
    return single_line(value)


def _parse_row(line: int, raw: dict[str, str | None]) -> _Row | Rejection:
    code = normalise_code(_clean(raw.get("code")))
    if None in raw:
        return Rejection(line, code, "too many fields on this row")
    if not code:
        return Rejection(line, code, "missing code")
    if len(code) > CODE_MAX:
        return Rejection(line, code[:CODE_MAX], f"code is longer than {CODE_MAX} characters")
    if not CODE_RE.match(code):
        return Rejection(line, code, "code may hold only letters, digits, '.', '_' and '-'")
    name = _clean(raw.get("name"))
    if not name:
        return Rejection(line, code, "missing name")
    if len(name) > NAME_MAX:
        return Rejection(line, code, f"name is longer than {NAME_MAX} characters")
    kind = _clean(raw.get("kind")).lower()
    if kind not in KINDS:
        return Rejection(line, code, f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    parent_code = normalise_code(_clean(raw.get("parent_code"))) or None
    if parent_code == code:
        return Rejection(line, code, "parent cycle: a provider cannot be its own parent")
    if parent_code is None and kind in NEEDS_PARENT:
        return Rejection(line, code, f"missing parent: a {KINDS[kind].lower()} must belong to a hospital or trust")
    if parent_code and len(parent_code) > CODE_MAX:
        return Rejection(line, code, f"parent_code is longer than {CODE_MAX} characters")
    postcode_raw = _clean(raw.get("postcode"))
    postcode = None
    if postcode_raw:
        if len(postcode_raw) > 16:
            return Rejection(line, code, "postcode is longer than 16 characters")
        postcode = normalise_postcode(postcode_raw)
        if postcode is None:
            return Rejection(line, code, f"malformed postcode {postcode_raw!r}")
    email_raw = _clean(raw.get("email"))
    email = None
    if email_raw:
        if len(email_raw) > EMAIL_MAX:
            return Rejection(line, code, f"email is longer than {EMAIL_MAX} characters")
        try:
            email = validate_email(email_raw, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            return Rejection(line, code, f"malformed email {email_raw!r}: {exc}")
    website = _clean(raw.get("website")) or None
    if website:
        if len(website) > WEBSITE_MAX:
            return Rejection(line, code, f"website is longer than {WEBSITE_MAX} characters")
        if not re.match(r"^https?://", website, re.IGNORECASE):
            website = "https://" + website
        if not URL_RE.match(website):
            return Rejection(line, code, f"malformed website {website!r}")
    said = _clean(raw.get(SERVICE_TYPE)).lower()
    service_type = SERVICE_TYPE_BY_WORDS.get(said.replace("-", "_").replace(" ", "_")) \
        or SERVICE_TYPE_BY_WORDS.get(said)
    if said and service_type is None:
        return Rejection(line, code, f"unknown service_type {said!r} (expected one of {', '.join(SERVICE_TYPES)}, "
                                     "or empty)")
    service_type = service_type or KIND_SERVICE_TYPES.get(kind)
    return _Row(line, code, name, kind, parent_code, postcode, email, website, service_type)


def _read_rows(stream: IO[str]) -> tuple[list[_Row], list[Rejection]]:
    reader = csv.DictReader(stream)
    try:
        header = reader.fieldnames
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"the file is not UTF-8: {exc}") from exc
    if not header:
        raise ImportFileError("the file is empty")
    header = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            f"the header lacks {', '.join(missing)}; expected: {','.join(COLUMNS)}"
        )
    reader.fieldnames = header
    rows: list[_Row] = []
    rejected: list[Rejection] = []
    first_line: dict[str, int] = {}
    start = reader.line_num + 1
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"the file is not UTF-8 near line {start}: {exc}") from exc
        except csv.Error as exc:
            rejected.append(Rejection(start, "", f"unreadable CSV: {exc}"))
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any((v or "").strip() for k, v in raw.items() if k is not None):
            continue  # a blank line is not a row
        parsed = _parse_row(line, raw)
        if isinstance(parsed, Rejection):
            rejected.append(parsed)
            continue
        if parsed.code in first_line:
            rejected.append(Rejection(line, parsed.code, f"duplicate code (first on line {first_line[parsed.code]})"))
            continue
        first_line[parsed.code] = line
        rows.append(parsed)
    return rows, rejected


def _settle_parents(
    rows: dict[str, _Row], existing_parent: dict[str, str | None], earlier: list[Rejection]
) -> list[Rejection]:
    """Reject rows whose parent is unknown or that close a cycle, until what remains is a forest."""
    rejected: list[Rejection] = []
    rejected_line = {r.code: r.line for r in earlier if r.code}
    changed = True
    while changed:
        changed = False
        for code, row in list(rows.items()):
            p = row.parent_code
            if p and p not in rows and p not in existing_parent:
                if p in rejected_line:
                    reason = f"parent {p!r} was rejected (line {rejected_line[p]})"
                else:
                    reason = f"unknown parent {p!r}"
                rejected.append(Rejection(row.line, code, reason))
                rejected_line.setdefault(code, row.line)
                del rows[code]
                changed = True

        def parent_of(c: str) -> str | None:
            return rows[c].parent_code if c in rows else existing_parent.get(c)

        on_cycle: set[str] = set()
        for code in rows:
            seen: list[str] = []
            c: str | None = code
            while c is not None and c not in seen and c not in on_cycle:
                seen.append(c)
                c = parent_of(c)
            if c is not None and c in seen:
                on_cycle.update(seen[seen.index(c):])
        for code in sorted(on_cycle & rows.keys(), key=lambda c: rows[c].line):
            chain = [code]
            c = parent_of(code)
            while c != code and c is not None and len(chain) < 10:
                chain.append(c)
                c = parent_of(c)
            rejected.append(Rejection(rows[code].line, code, "parent cycle: " + " → ".join(chain + [code])))
            rejected_line.setdefault(code, rows[code].line)
        for code in on_cycle & rows.keys():
            del rows[code]
            changed = True
    return rejected


def import_providers(session: Session, stream: IO[str]) -> ImportReport:
    """Upsert providers from CSV text. Good rows are imported in one transaction; bad rows reported."""
    parsed, rejected = _read_rows(stream)
    rows = {r.code: r for r in parsed}
    # A code that was merged or changed stays the old name of the provider it leads to: a file still listing it
    # would bring the duplicate back at every import.
    existing = {p.code: p for p in session.scalars(select(Provider))}
    for code, current in session.execute(select(ProviderRedirect.code, Provider.code)
                                         .join(Provider, Provider.id == ProviderRedirect.provider_id)):
        if code in rows and code not in existing:
            rejected.append(Rejection(rows.pop(code).line, code, f"{code} is an old code of {current}: use {current}"))
    code_by_id = {p.id: p.code for p in existing.values()}
    existing_parent = {c: code_by_id.get(p.parent_id) if p.parent_id else None for c, p in existing.items()}
    rejected += _settle_parents(rows, existing_parent, rejected)

    report = ImportReport(rejected=sorted(rejected, key=lambda r: r.line))
    by_code = dict(existing)
    touched: list[tuple[_Row, Provider, bool]] = []
    for row in sorted(rows.values(), key=lambda r: r.line):
        provider = existing.get(row.code)
        if provider is None:
            provider = Provider(code=row.code, name=row.name, kind=row.kind, postcode=row.postcode,
                                email=row.email, website=row.website, service_type=row.service_type, active=True)
            session.add(provider)
            by_code[row.code] = provider
            touched.append((row, provider, True))
            continue
        same = (provider.name, provider.kind, provider.postcode, provider.email, provider.website) == row.fields()
        same = same and existing_parent.get(row.code) == row.parent_code
        same = same and row.service_type in (None, provider.service_type)
        if same:
            report.unchanged += 1
            continue
        provider.name, provider.kind, provider.postcode = row.name, row.kind, row.postcode
        provider.email, provider.website = row.email, row.website
        provider.service_type = row.service_type or provider.service_type
        touched.append((row, provider, False))
    session.flush()
    for row, provider, is_new in touched:
        parent_id = by_code[row.parent_code].id if row.parent_code else None
        if not is_new and parent_id != provider.parent_id:
            touch_subtree(session, provider.id)  # the services below it have new ancestors
        provider.parent_id = parent_id
        if is_new:
            report.added += 1
        else:
            report.updated += 1
    session.flush()
    return report
