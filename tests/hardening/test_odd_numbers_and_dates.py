"""Every parameter or field that takes a number or a date: Unicode digits ("²" passes str.isdigit() but int("²")
raises; int("٣") is 3), numbers past 64 bits, the years 1 and 9999 with any UTC offset and empty values get a
clear 400 (a 404 in a path), never a 500. Runs on SQLite and, in the PostgreSQL pass, on PostgreSQL, where a
number past an INTEGER column used to overflow."""
from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.web.pagination import encode_cursor

# ---------------------------------------------------------------- what odd input looks like

unicode_digits = st.text(st.characters(categories=["Nd", "No", "Nl"], exclude_characters="0123456789"),
                         min_size=1, max_size=4)
odd_numbers = st.one_of(
    st.sampled_from(["²", "٣", "۳", "１２", "໓", "Ⅻ", "½", "9" * 20, "-1", "+1", "1e3", "0x10", "1 2", "1.0",
                     "١٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠", "2" * 5000]),
    unicode_digits,
    st.tuples(st.integers(0, 99).map(str), unicode_digits).map("".join),
    st.integers(2**31, 2**80).map(str),
    st.integers(-(2**80), -1).map(str),
)
offsets = st.one_of(st.sampled_from(["", "Z", "+00:00", "+23:59", "-23:59", "+14:00", "-12:00"]),
                    st.builds("{}{:02d}:{:02d}".format, st.sampled_from("+-"), st.integers(0, 23), st.integers(0, 59)))
extreme_datetimes = st.builds("{}T{}{}".format, st.sampled_from(["0001-01-01", "9999-12-31", "0001-12-31",
                                                                    "9999-01-01"]),
                              st.sampled_from(["00:00:00", "23:59:59", "12:00", "00:00:00.000001"]), offsets)
extreme_dates = st.sampled_from(["0001-01-01", "9999-12-31", "0001-12-31", "9999-01-01"])
odd_dates = st.one_of(
    st.sampled_from(["٢٠٢٦-٠١-٣١", "２０２６-０１-３１", "2026-0²-01", "2026-13-45", "99999-01-01", "0000-01-01",
                     "2026-02-30", "31/01/2026", "2026-1-1x", "10000-01-01", "1" * 300]),
    st.builds("{}-{}-{}".format, unicode_digits, unicode_digits, unicode_digits),
    extreme_datetimes.filter(lambda v: not v.endswith("T")),  # a time is not a date
)
odd_datetimes = st.one_of(
    st.sampled_from(["٢٠٢٦-٠١-٣١T09:00:00Z", "2026-01-31T٠٩:00:00Z", "2026-01-31T09:00:00+٠٥:00", "9999-12-32",
                     "2026-01-31T25:00", "2026-01-31T09:00+24:00", "tomorrow", "1" * 300]),
    st.builds("{}T00:00{}".format, unicode_digits, offsets),
)
CLEAR = ("digits 0 to 9", "YYYY-MM-DD", "must be one of", "ISO 8601", "Enter a number", "Enter a date")

FUZZ = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False, "PAGE_CACHE_MB": 0}


# ---------------------------------------------------------------- the parameters

# (path, who asks, parameter, kind): every query parameter that takes a number or a date.
QUERY = [
    ("/stories", "anonymous", "criticality", "number"),
    ("/stories", "anonymous", "from", "date"),
    ("/stories", "anonymous", "to", "date"),
    ("/search", "anonymous", "criticality", "number"),
    ("/search", "anonymous", "page", "number"),
    ("/search", "anonymous", "from", "date"),
    ("/search", "anonymous", "to", "date"),
    ("/stories/{published}/report", "anonymous", "reply", "number"),
    ("/moderation/", "moderator", "waiting", "number"),
    ("/admin/audit", "admin", "subject_id", "number"),
    ("/admin/audit", "admin", "since", "date"),
    ("/admin/audit", "admin", "until", "date"),
    ("/api/v1/stories", "anonymous", "limit", "number"),
    ("/api/v1/stories", "anonymous", "criticality", "number"),
    ("/api/v1/stories", "anonymous", "published_since", "datetime"),
    ("/api/v1/stories", "anonymous", "updated_since", "datetime"),
    ("/api/v1/providers", "anonymous", "limit", "number"),
]
# Keyset cursors carry a time and an id: both are numbers and dates a visitor can write.
CURSORS = [("/stories", "anonymous", "after"), ("/providers", "anonymous", "after"),
           ("/moderation/", "moderator", "after"), ("/admin/audit", "admin", "after"),
           ("/admin/providers", "admin", "after"), ("/api/v1/stories", "anonymous", "cursor"),
           ("/api/v1/providers", "anonymous", "cursor")]
# (path, who posts, field, kind, the rest of the form): every form field that takes a number or a date.
FORMS = [
    ("/tell", "anonymous", "month", "number", {"title": "A title", "body": "x" * 60, "year": "2025",
                                               "provider_code": "W1", "action": "tell"}),
    ("/tell", "anonymous", "year", "number", {"title": "A title", "body": "x" * 60, "month": "1",
                                              "provider_code": "W1", "action": "tell"}),
    ("/my/stories/{pending}/edit", "author", "year", "number", {"month": "1", "title": "A title"}),
    ("/my/stories/{pending}/edit", "author", "version", "number", {"month": "1", "year": "2025"}),
    ("/moderation/stories/{pending}/publish", "moderator", "publish-version", "number",
     {"publish-criticality": "1", "publish-title": "Waiting for a moderator"}),
    ("/moderation/stories/{pending}/publish", "moderator", "publish-criticality", "number",
     {"publish-version": "1"}),
    ("/moderation/stories/{pending}/reject", "moderator", "reject-version", "number", {"reject-reason_code": "other"}),
    ("/stories/{published}/changes", "staff", "made_on", "date", {"kind": "made", "description": "A new rota."}),
    ("/dashboard/alerts/{membership}", "staff", "m{membership}-min_criticality", "number",
     {"m{membership}-frequency": "immediate"}),
]


def _fill(text: str, world) -> str:
    return text.format(published=world.published.id, pending=world.pending.id, membership=world.membership.id)


def _body(response) -> str:
    return response.get_data(as_text=True)


def _is_clear_400(response) -> bool:
    return response.status_code == 400 and any(phrase in _body(response) for phrase in CLEAR)


# ---------------------------------------------------------------- query parameters

@pytest.mark.parametrize("path, role, name, kind", QUERY, ids=[f"{q[0]}?{q[2]}" for q in QUERY])
@FUZZ
@given(data=st.data())
def test_an_odd_number_or_date_in_a_query_is_a_clear_400(world, client_as, path, role, name, kind, data):
    odd = {"number": odd_numbers, "date": odd_dates, "datetime": odd_datetimes}[kind]
    value = data.draw(odd, label=name)
    response = client_as(role).get(_fill(path, world), query_string={name: value})
    assert _is_clear_400(response), (response.status_code, _body(response)[:500])
    assert name in _body(response) or path.startswith("/admin/")  # the API and the error page name it


@pytest.mark.parametrize("path, role, name, kind", [q for q in QUERY if q[3] != "number"],
                         ids=[f"{q[0]}?{q[2]}" for q in QUERY if q[3] != "number"])
@FUZZ
@given(data=st.data())
def test_the_years_1_and_9999_with_any_offset_are_answered(world, client_as, path, role, name, kind, data):
    value = data.draw(extreme_dates if kind == "date" else extreme_datetimes, label=name)
    response = client_as(role).get(_fill(path, world), query_string={name: value})
    assert response.status_code == 200, (value, _body(response)[:500])


@pytest.mark.parametrize("path, role, name, kind", QUERY, ids=[f"{q[0]}?{q[2]}" for q in QUERY])
def test_an_empty_number_or_date_is_as_if_absent(world, client_as, path, role, name, kind):
    for value in ("", " "):
        response = client_as(role).get(_fill(path, world), query_string={name: value})
        assert response.status_code == 200, (value, _body(response)[:500])


def test_numbers_in_range_still_work(world, client_as):
    anonymous = client_as("anonymous")
    assert anonymous.get("/stories?criticality=1&from=2020-01-01&to=2099-12-31").status_code == 200
    assert anonymous.get("/api/v1/stories?limit=5&criticality=1&updated_since=2020-01-01T00:00:00Z").status_code == 200
    assert anonymous.get("/search?q=letters&page=2&from=2020-01-01").status_code == 200
    assert client_as("admin").get(f"/admin/audit?subject_id={world.published.id}&since=2020-01-01").status_code == 200


@pytest.mark.parametrize("path, role, name", CURSORS, ids=[f"{c[0]}?{c[2]}" for c in CURSORS])
@FUZZ
@given(data=st.data())
def test_a_cursor_holding_odd_numbers_and_times_starts_the_list_again(world, client_as, path, role, name, data):
    key = data.draw(st.one_of(extreme_datetimes, extreme_dates, odd_numbers, st.just("\x00"), st.just("\ud800"),
                              st.integers(-(2**80), 2**80)), label="key")
    number = data.draw(st.one_of(st.integers(-(2**80), 2**80), odd_numbers, st.floats(allow_nan=True)), label="id")
    response = client_as(role).get(path, query_string={name: encode_cursor([key, number])})
    assert response.status_code in (200, 400), (response.status_code, _body(response)[:500])


# ---------------------------------------------------------------- form fields

@pytest.mark.parametrize("path, role, name, kind, rest", FORMS, ids=[f"{f[0]}:{f[2]}" for f in FORMS])
@FUZZ
@given(data=st.data())
def test_an_odd_number_or_date_in_a_form_is_refused_clearly(world, client_as, path, role, name, kind, rest, data):
    value = data.draw(st.one_of(odd_numbers if kind == "number" else odd_dates, st.just("")), label=name)
    form = {_fill(k, world): v for k, v in rest.items()}
    form[_fill(name, world)] = value
    response = client_as(role).post(_fill(path, world), data=form)
    assert response.status_code < 500, _body(response)[:1000]
    if response.status_code == 302:  # only a value read as empty may pass, never a garbled number
        assert value.strip() == "" or "/dashboard" in response.headers["Location"]


def test_the_dashboard_says_why_an_odd_criticality_was_refused(world, client_as):
    client = client_as("staff")
    field = f"m{world.membership.id}"
    response = client.post(f"/dashboard/alerts/{world.membership.id}", data={
        f"{field}-frequency": "immediate", f"{field}-min_criticality": "²"}, follow_redirects=True)
    assert response.status_code == 200 and "digits 0 to 9" in _body(response)


def test_a_change_made_on_an_arabic_indic_date_is_refused_not_misread(world, client_as, session):
    from app.replies.models import Change

    response = client_as("staff").post(f"/stories/{world.published.id}/changes", data={
        "kind": "made", "description": "A new rota for the night shift.", "made_on": "٢٠٢٥-٠١-٣١"})
    assert response.status_code == 400 and "YYYY-MM-DD" in _body(response)
    assert session.query(Change).filter_by(description="A new rota for the night shift.").count() == 0


# ---------------------------------------------------------------- path segments

def _int_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if any(type(conv).__name__ == "DatabaseInt" for conv in rule._converters.values())]


def _path(rule, number: str) -> str:
    path = rule.rule
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        if kind == "DatabaseInt":
            value = number
        elif kind == "AnyConverter":
            value = sorted(converter.items)[0] if hasattr(converter, "items") else re.search(
                r"\(([^,)]+)", converter.regex).group(1)
        else:
            value = "H1"
        path = re.sub(r"<[^>]*\b" + re.escape(name) + ">", value, path)
    return path


def test_every_numeric_path_segment_is_tested(app):
    # The table below is the url_map itself: a new route with <int:...> is fuzzed without anyone adding it.
    assert len(_int_rules(app)) >= 15


@FUZZ
@given(data=st.data())
def test_an_odd_number_in_any_path_is_a_404(app, world, client_as, data):
    client = client_as("admin")
    for rule in _int_rules(app):
        number = data.draw(odd_numbers.filter(lambda v: not re.fullmatch(r"[0-9]{1,10}", v) or int(v) >= 2**31),
                           label=rule.rule)
        path = _path(rule, number)
        method = "get" if "GET" in rule.methods else "post"
        response = getattr(client, method)(path)
        assert response.status_code == 404, (path, response.status_code, _body(response)[:300])


@pytest.mark.parametrize("path", ["/stories/٣", "/stories/２", "/api/v1/stories/٣", "/moderation/stories/٣",
                                  "/stories/99999999999999999999", "/stories/2147483648"])
def test_a_story_is_reached_by_one_spelling_of_its_number(client, path, world):
    assert client.get(path).status_code == 404
