"""Black-box attack tests for issue 17, hostile text: one normaliser, single-line mail headers, well-formed
feeds and CSVs that no spreadsheet runs.

Written from the issue text and README only; every step goes through the site's pages, API, feeds, CSVs and mail.
"""
from __future__ import annotations

import csv
import io
import xml.dom.minidom

import pytest

from tests.blackbox.conftest import (
    BODY,
    api_story,
    main_text,
    moderate,
    public_story,
    published,
    signed,
    tell,
)

# ---------------------------------------------------------------- one normaliser

NASTY_TITLE = "Ward\u202e evil \ufffftitle\u200b ok"
EMOJI = "\U0001F469\u200D\u2695\uFE0F"  # woman health worker: a ZWJ sequence


def told_and_published(app, session, tree, people, smtp_server, deliver, title, body):
    client = app.test_client()
    assert tell(client, "author@example.org", title=title, body=body).status_code == 302
    from app.stories.models import Story
    story = session.query(Story).filter(Story.status != "withdrawn").order_by(Story.id.desc()).first()
    if story.status != "pending":
        deliver()
        from tests.conftest import link_in as _link
        link = _link(smtp_server.last_to("author@example.org"), "/stories/confirm/")
        client.get(link)
        client.post(link)
    session.expire_all()
    mod = signed(app, "mod@example.org")
    response = moderate(mod, story)
    return story, response


def test_typed_invisible_characters_are_removed_and_emoji_joiners_kept(app, session, tree, people, smtp_server,
                                                                       deliver):
    body = (f"Line one\u2028Line two\u2029Para two with caf\u0065\u0301 and {EMOJI} nurse "
            "and a bell\u0007 and \ufffe noncharacter. " + BODY)
    story, response = told_and_published(app, session, tree, people, smtp_server, deliver, NASTY_TITLE, body)
    assert response.status_code == 302, main_text(response)[:500]
    data = api_story(app, story)
    text = data.get("title", "") + data.get("body", data.get("text", ""))
    for bad in ("\u202e", "\uffff", "\ufffe", "\u0007", "\u2028", "\u2029"):
        assert bad not in text, repr(bad)
    assert EMOJI in text
    assert "caf\u00e9" in text
    assert "Line one\nLine two" in text


def test_publishing_untouched_text_makes_no_revision(app, session, tree, people, smtp_server, deliver):
    """Idempotent: the moderator sends back exactly the text the form showed; nothing was edited."""
    body = f"Tabs\tand  double  spaces,\r\ncarriage returns and {EMOJI} and caf\u0065\u0301. " + BODY
    story, response = told_and_published(app, session, tree, people, smtp_server, deliver, "A  title\t", body)
    assert response.status_code == 302, main_text(response)[:800]
    history = main_text(signed(app, "mod@example.org").get(f"/moderation/stories/{story.id}/history"))
    assert "Text after" not in history and "Text before" not in history, history[:1500]


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_a_reply_and_a_public_name_are_normalised_too(app, session, tree, people, make_story, smtp_server, deliver):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": f"Thank\u202e you\uffff, {EMOJI} team\u2028here."})
    page = public_story(app, story)
    assert "\u202e" not in page and "\uffff" not in page and EMOJI in page


# ---------------------------------------------------------------- single-line headers

def test_a_story_title_with_line_breaks_never_splits_a_mail_header(app, session, tree, people, make_user, make_story,
                                                                    smtp_server, deliver):
    titles = ["Bad\r\nBcc: evil@example.org", "Bad\u2028Bcc: evil2@example.org", "Bad\u0085Bcc: evil3@example.org",
              "Bad\nX-Injected: yes"]
    mod = signed(app, "mod@example.org")
    for title in titles:
        story = make_story(tree["ward"], author=people["author"], status="pending", title=title)
        moderate(mod, story)
    client = app.test_client()
    tell(client, "teller@example.org", title="Told\r\nBcc: evil4@example.org")
    deliver()
    assert smtp_server.messages
    for message in smtp_server.messages:
        assert message["X-Injected"] is None
        for name, value in message.items():
            assert "\n" not in str(value) and "\r" not in str(value) and "\u2028" not in str(value), (name, value)
    assert not any("evil" in str(m["To"]) + str(m.get("Bcc", "")) for m in smtp_server.messages)
    assert len([m for m in smtp_server.messages if "evil" in str(m["To"])]) == 0


# ---------------------------------------------------------------- feeds

FEED_NASTY = "x\u0001\u000b\u000c\ufffe\uffff\ud800y\u202e \x7f\x85 ]]> <![CDATA[ &amp; <b>"


@pytest.mark.parametrize("path", ["/feeds/stories.atom", "/feeds/providers/W1.atom", "/feeds/providers/T1.atom",
                                  "/feeds/providers/W1/replies.atom"])
def test_feeds_are_well_formed_whatever_is_in_the_database(app, session, tree, people, make_story, path):
    """Old rows stored before the normaliser (or written by psql) must not break a feed."""
    from app.extensions import utcnow
    from app.replies.models import Reply
    story = published(make_story, tree, people, title="T" + FEED_NASTY.replace("\ud800", ""),
                      body="B" + FEED_NASTY.replace("\ud800", "") + BODY)
    story.public_name = "N\u0002"
    session.add(Reply(story_id=story.id, author_id=people["staff"].id, provider_id=tree["hospital"].id,
                      responder_name="R\u0003", responder_title="T\u0004", body="Reply\u0005\ufffe" + BODY,
                      status="visible", published_at=utcnow()))
    session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 200
    xml.dom.minidom.parseString(response.data)


def test_feeds_are_well_formed_for_what_visitors_typed(app, session, tree, people, smtp_server, deliver):
    story, _ = told_and_published(app, session, tree, people, smtp_server, deliver,
                                  "Typed" + FEED_NASTY.replace("\ud800", ""), "Body" + FEED_NASTY.replace(
                                      "\ud800", "") + BODY)
    for path in ("/feeds/stories.atom", "/feeds/providers/W1.atom"):
        xml.dom.minidom.parseString(app.test_client().get(path).data)


# ---------------------------------------------------------------- CSV formulas

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(1)", "\t=1+1", "\r=1+1",
            " =1+1", "\uff1d1+1"]


def dangerous(cell: str) -> bool:
    return cell[:1] in ("=", "+", "-", "@", "\t", "\r")


def export(app, tmp_path):
    out = tmp_path / "export"
    result = app.test_cli_runner().invoke(args=["dataset", "export", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_dataset_csvs_neutralise_formulas(app, session, tree, people, make_story, make_provider, tmp_path):
    from app.extensions import utcnow
    from app.replies.models import Reply
    evil = make_provider(code="EV1", name="=cmd|' /C calc'!A0", kind="gp_practice")
    for n, formula in enumerate(FORMULAS):
        story = make_story(evil if n == 0 else tree["ward"], author=people["author"], status="published",
                           title=formula, body=formula + " " + BODY)
        story.public_name = formula
        session.add(Reply(story_id=story.id, author_id=people["staff"].id, provider_id=tree["hospital"].id,
                          responder_name=formula, responder_title=formula, body=formula + " thanks",
                          status="visible", published_at=utcnow()))
    session.commit()
    out = export(app, tmp_path)
    found = 0
    for path in out.glob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))):
            for cell in row:
                if any(f.strip().lstrip("=+-@")[:4] in cell for f in FORMULAS[:4]) or "calc" in cell:
                    found += 1
                    assert not dangerous(cell), (path.name, cell)
    assert found
    readme = (out / "README.md").read_text()
    assert "formula" in readme.lower()


def test_numbers_in_csvs_stay_numbers(app, session, tree, people, make_story, tmp_path):
    """Neutralising formulas must not turn numeric columns (ids, criticality) into text."""
    make_story(tree["ward"], author=people["author"], status="published", criticality=0)
    out = export(app, tmp_path)
    rows = list(csv.DictReader(io.StringIO((out / "stories.csv").read_text(encoding="utf-8-sig"))))
    assert rows and rows[0]["id"].isdigit()


def test_compare_and_insight_csvs_neutralise_provider_names(app, session, tree, people, make_provider, make_story):
    bad = make_provider(code="EV2", name="@SUM(A1:A9)", kind="hospital")
    make_provider(code="EV3", name="=1+2", kind="department", parent=bad)
    make_story(bad, author=people["author"], status="published")
    client = app.test_client()
    for path in ("/compare.csv?kind=hospital", "/compare.csv?parent=EV2", "/providers/EV2/insight.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        for row in csv.reader(io.StringIO(response.get_data(as_text=True))):
            for cell in row:
                assert not dangerous(cell), (path, cell)
