"""Numbers and dates read from requests (query strings, forms, cursors): one reading for the whole site.

Only the digits 0 to 9 count: "²" passes str.isdigit() but int("²") raises, and int("٣") is 3, so a page could be
reached by several spellings of one number. An empty value is an absent one. Anything else that is not a number
or a date in range is a BadParameter: a 400 with a message naming the parameter (problem+json in the API), never
a 500 from Python or an overflow in the database.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

from wtforms import DateField, IntegerField
from wtforms.widgets import HiddenInput

from app.errors import Invalid

INT_MAX = 2_147_483_647  # what an INTEGER column holds, in PostgreSQL and in every id
_DIGITS = re.compile(r"[0-9]{1,10}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# ISO 8601 as datetime.fromisoformat reads it, in ASCII: a date, then optionally a time and a UTC offset.
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.,]{2,}(Z|[+-][0-9:.]{2,})?)?", re.IGNORECASE)
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


class BadParameter(Invalid):
    """A query or form value that is not what its parameter takes."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message, field=name)
        self.name, self.detail = name, message


def _present(raw: str | None) -> str | None:
    if raw is None:
        return None
    raw = raw.strip()
    return raw or None


def whole_number(raw: str | None, name: str, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """A whole number from minimum to maximum written in ASCII digits; None when absent or empty."""
    value = _present(raw)
    if value is None:
        return None
    if _DIGITS.fullmatch(value) and minimum <= int(value) <= maximum:
        return int(value)
    raise BadParameter(name, f"{name} must be a whole number from {minimum:,} to {maximum:,}, written with the "
                             f"digits 0 to 9.")


def one_of_numbers(raw: str | None, name: str, allowed) -> int | None:
    """One of a few offered numbers (a select's choices); None when absent or empty."""
    allowed = sorted(allowed)
    value = _present(raw)
    if value is None:
        return None
    if _DIGITS.fullmatch(value) and int(value) in allowed:
        return int(value)
    raise BadParameter(name, f"{name} must be one of {', '.join(str(a) for a in allowed)}.")


def iso_date(raw: str | None, name: str) -> date | None:
    """A date written YYYY-MM-DD (years 1 to 9999); None when absent or empty."""
    value = _present(raw)
    if value is None:
        return None
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise BadParameter(name, f"{name} must be a date written YYYY-MM-DD, such as 2026-01-31.")


def iso_datetime(raw: str | None, name: str) -> datetime | None:
    """An ISO 8601 date or time, in UTC (a time without an offset is taken as UTC); None when absent or empty.

    A time whose offset takes it past the years 1 to 9999 in UTC (0001-01-01T00:00+05:00) is the earliest or
    latest time there is, which is what it asks for, rather than an overflow."""
    value = _present(raw)
    if value is None:
        return None
    if _DATETIME.fullmatch(value):
        try:
            parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "zZ" else value)
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=UTC)
            try:
                return parsed.astimezone(UTC)
            except OverflowError:
                return _EARLIEST if parsed.year == 1 else _LATEST
    raise BadParameter(name, f"{name} must be an ISO 8601 date or time, such as 2026-01-31 or "
                             f"2026-01-31T09:00:00Z.")


def database_int(value: int) -> bool:
    """Whether an int (from a cursor, say) fits the INTEGER columns it is compared with."""
    return -INT_MAX - 1 <= value <= INT_MAX


# ---------------------------------------------------------------- form fields

class WholeNumberField(IntegerField):
    """IntegerField reading only ASCII digits, within an INTEGER column's range (int("٣") is 3 to WTForms)."""

    def __init__(self, label=None, validators=None, minimum: int = 0, maximum: int = INT_MAX, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = whole_number(valuelist[0], self.name, self.minimum, self.maximum)
        except BadParameter as exc:
            self.data = None
            raise ValueError(f"Enter a whole number from {self.minimum:,} to {self.maximum:,}.") from exc


class HiddenNumberField(WholeNumberField):
    widget = HiddenInput()


class IsoDateField(DateField):
    """DateField reading only YYYY-MM-DD in ASCII digits (strptime's %Y takes "٢٠٢٦")."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = iso_date(valuelist[0], self.name)
        except BadParameter as exc:
            self.data = None
            raise ValueError("Enter a date written YYYY-MM-DD, such as 2026-01-31.") from exc

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.isoformat() if self.data else ""  # strftime("%Y") writes the year 1 as "1"
