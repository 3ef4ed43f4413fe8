"""Words a black-box tester found still in English on Welsh pages: the comparison chart's axes (marked inside an
f-string, where the extraction never saw them), the transparency page's months and waits, and the dataset's table
descriptions on /data."""
from __future__ import annotations

import ast
import html
import re
from datetime import date

import pytest
from flask_babel import force_locale

from app.insight.transparency import TransparencyMonth
from app.opendata.schema import TABLES
from app.web.i18n import label
from config import BASE_DIR
from tests.insight.test_compare import hospitals  # noqa: F401  (four hospitals in a trust, two outside the limits)


def words_of(response_or_text) -> str:
    text = response_or_text if isinstance(response_or_text, str) else response_or_text.get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


# ---------------------------------------------------------------- messages the extraction cannot see

_GETTEXT = {"_", "gettext", "ngettext", "lazy_gettext", "_l", "lazy_ngettext", "N_", "pgettext"}


def _messages_inside_f_strings(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id in _GETTEXT
                        and inner.args and isinstance(inner.args[0], ast.Constant)):
                    found.append(inner.args[0].value)
    return found


def test_no_message_is_marked_inside_an_f_string():
    """pybabel reads an f-string as one token: a message marked inside one never reaches the catalogue, so it stays
    English on every page (the comparison chart's axis labels did)."""
    assert _messages_inside_f_strings('x = f"<t>{escape(_(\'Hidden words\', n=1))}</t>"') == ["Hidden words"]
    offenders = [f"{path.relative_to(BASE_DIR)}: {message!r}" for path in sorted((BASE_DIR / "app").rglob("*.py"))
                 for message in _messages_inside_f_strings(path.read_text(encoding="utf-8"))]
    assert offenders == []


# ---------------------------------------------------------------- the comparison chart

def test_the_comparison_charts_axes_speak_welsh(client, hospitals):  # noqa: F811
    page = client.get("/compare?kind=hospital&lang=cy").get_data(as_text=True)
    [svg] = re.findall(r"<svg.*?</svg>", page, re.S)
    texts = {html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]+)</text>", svg)}
    assert "Wedi'u hateb o fewn 20 diwrnod gwaith" in texts
    assert "Straeon sydd wedi cael 20 diwrnod gwaith" in texts
    assert not any("working days" in t for t in texts)
    english = client.get("/compare?kind=hospital&lang=en").get_data(as_text=True)
    assert "Replied to within 20 working days</text>" in english
    assert "Stories that have had 20 working days</text>" in english


# ---------------------------------------------------------------- transparency

@pytest.fixture
def two_months(session):
    for month, wait in ((date(2026, 11, 1), 4800), (date(2026, 10, 1), 3 * 86400)):
        session.add(TransparencyMonth(month=month, received=5, published=4, rejected=1, withdrawn=0, decided=5,
                                      median_wait_seconds=wait, replies=2))
    session.add(TransparencyMonth(month=date(2026, 9, 1), received=0, published=0, rejected=0, withdrawn=0,
                                  decided=0, median_wait_seconds=None, replies=0))
    session.add(TransparencyMonth(month=date(2026, 8, 1), received=1, published=1, rejected=0, withdrawn=0,
                                  decided=1, median_wait_seconds=30, replies=0))
    session.commit()


def test_the_transparency_page_gives_months_and_waits_in_welsh(client, two_months):
    welsh = words_of(client.get("/transparency?lang=cy"))
    assert "Tachwedd 2026" in welsh and "Hydref 2026" in welsh and "Medi 2026" in welsh
    assert "80 munud" in welsh and "3 diwrnod" in welsh
    assert "dim penderfyniadau" in welsh and "llai na munud" in welsh
    for english in ("November", "October", "minutes", "days", "no decisions", "under a minute"):
        assert english not in welsh
    assert "November 2026" in words_of(client.get("/transparency?lang=en"))
    english = words_of(client.get("/transparency?lang=en"))
    assert "80 minutes" in english and "3 days" in english and "no decisions" in english
    assert "under a minute" in english


def test_the_transparency_csv_stays_data_in_any_language(client, two_months):
    csv = client.get("/transparency.csv?lang=cy").get_data(as_text=True)
    assert csv.splitlines()[1] == "2026-11,5,4,1,0,5,4800,2"
    assert "Tachwedd" not in csv and "munud" not in csv


# ---------------------------------------------------------------- the open data page

def test_the_data_page_describes_every_file_in_welsh(app, client):
    page = words_of(client.get("/data?lang=cy"))
    assert "Cyfeiriadur y gwasanaethau: ymddiriedolaethau, ysbytai, wardiau" in page
    for table in TABLES:
        assert " ".join(table.description.split()) not in page, table.name
        with app.test_request_context(), force_locale("cy"):
            welsh = label(table.description)
        assert welsh != table.description and " ".join(welsh.split()) in page, table.name
    # The dataset's own description (datapackage.json, README) stays English: it is data.
    assert TABLES[0].description.startswith("The directory of services")
