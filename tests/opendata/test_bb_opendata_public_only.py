"""Black-box tests of Storyloop's open data holding only what is public: the sweep for secrets, moderators'
edits, and what belongs to unpublished stories.

Written from the issue's spec only; the site is observed through the test client and the CLI.
"""
from __future__ import annotations

import io
import zipfile

from tests.conftest import PASSWORD, login
from tests.opendata.conftest import add_reply, api_all, assert_clean, export, form_data, read_csv

# ---------------------------------------------------------------- the whole sweep

def test_sweep_of_every_file_response_and_feed_finds_no_secret(app, client, record, tmp_path, deliver):
    deliver()
    out = export(app, tmp_path / "ds")
    for path in out.iterdir():
        assert_clean(path.read_text(encoding="utf-8"), path.name)
    ids = [record["published"].id, record["other"].id] + [s.id for s in record["secrets"].values()]
    urls = ["/api/v1/stories?limit=100", "/api/v1/stories?updated_since=2000-01-01T00:00:00Z&limit=100",
            "/api/v1/providers?limit=100", "/api/v1/providers/T1", "/api/v1/providers/W1", "/api/v1/openapi.json",
            "/feeds/stories.atom", "/feeds/providers/T1.atom", "/feeds/providers/W1.atom", "/data"]
    urls += [f"/api/v1/stories/{i}" for i in ids]
    for url in urls:
        assert_clean(client.get(url).get_data(as_text=True), url)
    with zipfile.ZipFile(io.BytesIO(client.get("/data/storyloop-dataset.zip").data)) as z:
        for name in z.namelist():
            assert_clean(z.read(name).decode("utf-8"), name)


# ---------------------------------------------------------------- more edges

def _moderator(app, make_user):
    make_user(email="moderator-y@example.org", moderator=True)
    moderator = app.test_client()
    login(moderator, "moderator-y@example.org", PASSWORD)
    return moderator


def test_moderator_edits_before_publishing_reach_open_data_not_the_original(app, client, session, record,
                                                                            make_user, make_story, tmp_path):
    story = make_story(record["ward"], status="pending", title="Nurse Zebedee Quill was rude",
                       body="Nurse Zebedee Quill on the ward was rude to my mother and would not listen to her.")
    moderator = _moderator(app, make_user)
    action = f"/moderation/stories/{story.id}/publish"
    data = form_data(moderator.get(f"/moderation/stories/{story.id}").get_data(as_text=True), action)
    data.update({"publish-criticality": "3", "publish-title": "A nurse was rude",
                 "publish-body": "A nurse on the ward was rude to my mother and would not listen to her.",
                 "publish-edit_reason": "removed a staff name"})
    response = moderator.post(action, data=data, csrf=False)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:3000]
    session.refresh(story)
    assert story.status == "published"
    out = export(app, tmp_path / "ds")
    texts = [p.read_text(encoding="utf-8") for p in out.iterdir()]
    texts += [client.get(u).get_data(as_text=True) for u in (
        "/api/v1/stories", f"/api/v1/stories/{story.id}", "/api/v1/stories?updated_since=2000-01-01T00:00:00Z",
        "/feeds/stories.atom", "/feeds/providers/W1.atom")]
    joined = "\n".join(texts)
    assert "A nurse was rude" in joined
    assert "Zebedee" not in joined and "Quill" not in joined


def test_children_of_unpublished_stories_are_not_exported(app, client, session, record, tmp_path):
    from sqlalchemy import select

    from app.replies.models import Change
    from app.stories.models import Tag

    hidden = record["secrets"]["hidden"]
    pending = record["secrets"]["pending"]
    tag = session.scalar(select(Tag).where(Tag.slug == "improve-parking"))
    hidden.tags = [tag]
    pending.tags = [tag]
    session.add_all([Change(story_id=hidden.id, provider_id=record["ward"].id, kind="planned",
                            description="UNPUBLISHED change on a hidden story", reporter_name="Sam Staff"),
                     Change(story_id=pending.id, provider_id=record["ward"].id, kind="planned",
                            description="UNPUBLISHED change on a pending story", reporter_name="Sam Staff")])
    session.commit()
    out = export(app, tmp_path / "ds")
    secret_ids = {str(s.id) for s in record["secrets"].values()}
    for name in ("responses.csv", "changes.csv", "story_tags.csv"):
        assert not {r["story_id"] for r in read_csv(out / name)} & secret_ids, name
    for path in out.iterdir():
        assert_clean(path.read_text(encoding="utf-8"), path.name)
    assert api_all(client, "/api/v1/stories?tag=improve-parking") == []


def test_published_author_answer_is_part_of_the_conversation(app, client, session, record, tmp_path):
    story = record["published"]
    add_reply(session, story, record["ward"], story.author, "Thank you, that helps — the author", kind="author")
    detail = client.get(f"/api/v1/stories/{story.id}").get_json()["data"]
    assert "Thank you, that helps — the author" in [r["body"] for r in detail["responses"]]
    out = export(app, tmp_path / "ds")
    kinds = {r["body"]: r["kind"] for r in read_csv(out / "responses.csv")}
    assert kinds["Thank you, that helps — the author"] == "author"
    for path in out.iterdir():
        assert_clean(path.read_text(encoding="utf-8"), path.name)
