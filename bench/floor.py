"""The floor: a bare Flask + SQLite page listing 20 rows, what no real page can beat on this machine.

    FLOOR_DB=/tmp/floor.db gunicorn --chdir bench floor:app

bench/run.py serves it under the same gunicorn settings as the site, in the same run, and reports each
page's throughput as a ratio of this one's.
"""
from __future__ import annotations

import os
import sqlite3

from flask import Flask, g, render_template_string

DATABASE = os.environ.get("FLOOR_DB", "/tmp/storyloop-floor.db")
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stories</title></head><body>
<h1>Stories</h1><ul>{% for id, title, body in rows %}<li><a href="/stories/{{ id }}">{{ title }}</a>
<p>{{ body }}</p></li>{% endfor %}</ul></body></html>"""


def create(path: str = DATABASE) -> None:
    """A table of 1,000 rows, enough that the page reads from an index and not a single page."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS stories (id INTEGER PRIMARY KEY, title TEXT, body TEXT)")
        if not conn.execute("SELECT count(*) FROM stories").fetchone()[0]:
            conn.executemany("INSERT INTO stories (title, body) VALUES (?, ?)",
                             [(f"Story {i}", "The staff were kind and the ward was clean. " * 5)
                              for i in range(1000)])


app = Flask(__name__)


def connection() -> sqlite3.Connection:
    if "db" not in g:
        g.db = sqlite3.connect(DATABASE)
    return g.db


@app.teardown_appcontext
def close(exc) -> None:
    if (conn := g.pop("db", None)) is not None:
        conn.close()


@app.route("/")
def index():
    rows = connection().execute("SELECT id, title, substr(body, 1, 200) FROM stories ORDER BY id DESC LIMIT 20")
    return render_template_string(PAGE, rows=rows.fetchall())


if __name__ == "__main__":
    create()
