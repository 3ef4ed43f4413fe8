"""The dataset README's worked example runs as written: taken from the README.md inside a release, it loads that
release from a live server, syncs from the API past a withdrawal, an edit and a new story, and ends with the
stories the site shows now. The README also says how to cite the release and where each release stays."""
from __future__ import annotations

import contextlib
import io
import re
import zipfile

from app.opendata.bundle import build, zip_path
from app.stories.models import Story


def _readme() -> str:
    with zipfile.ZipFile(zip_path()) as archive:
        return archive.read("README.md").decode("utf-8")


def test_the_worked_example_syncs_a_copy_from_a_live_server(app, session, record, clock, live_server, make_story):
    app.config["SITE_URL"] = live_server.url
    release = build(session)
    readme = _readme()
    [example] = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert f'SITE = "{live_server.url}"' in example

    clock.advance(minutes=1)  # after the release: one story withdrawn, one edited, one published
    session.get(Story, record["other"].id).status = "withdrawn"
    session.get(Story, record["published"].id).title = "A title corrected after the release"
    new = make_story(record["ward"], status="published", title="A story published after the release")
    session.commit()

    printed = io.StringIO()
    namespace: dict = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(example, "README.md example", "exec"), namespace)  # noqa: S102 - our own README's code
    stories = namespace["stories"]
    assert set(stories) == {record["published"].id, new.id}  # the withdrawn one deleted by its tombstone
    assert stories[record["published"].id]["title"] == "A title corrected after the release"
    assert stories[new.id]["title"] == "A story published after the release"
    output = printed.getvalue()
    assert f"Release {release['version']} - " in output and "2 stories" in output


def test_the_readme_says_how_to_cite_the_release_and_where_it_stays(app, session, record):
    release = build(session)
    readme = _readme()
    assert f"version {release['version']}" in readme  # the citation names the version
    assert f"/data/releases/{release['version']}/storyloop-dataset.zip" in readme
    assert "CITATION.cff" in readme and "updated_since" in readme and "410" in readme
