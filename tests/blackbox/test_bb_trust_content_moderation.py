"""Black-box attack tests for issue 17, moderation: safeguarding and signposting, and moderators fixing what
they find (moves, corrections, reports).

Written from the issue text and README only; every step goes through the site's pages, API, feeds, CSVs and mail.
"""
from __future__ import annotations

import json
import re

import pytest

from tests.blackbox.conftest import (
    BODY,
    api_story,
    is_public,
    main_text,
    moderate,
    public_story,
    published,
    report,
    signed,
    tell,
)
from tests.conftest import link_in, text_of

# ---------------------------------------------------------------- safeguarding and signposting

def test_a_safeguarding_phrase_heads_the_queue_with_a_banner(app, tree, people, make_story, smtp_server, deliver):
    make_story(tree["ward"], status="pending", title="An older ordinary story")
    teller = app.test_client()
    tell(teller, "worried@example.org", title="Left alone",
         body="My father fell out of bed and was left on the floor for hours with nobody coming. "
              "He said he wanted to end it all and nobody listened to him at all.")
    deliver()
    link = link_in(smtp_server.last_to("worried@example.org"), "/stories/confirm/")
    teller.get(link)
    assert teller.post(link).status_code == 302
    from app.extensions import db
    from app.stories.models import Story
    story = db.session.query(Story).filter_by(title="Left alone").one()
    mod = signed(app, "mod@example.org")
    queue = main_text(mod.get("/moderation/"))
    assert queue.index("Left alone") < queue.index("An older ordinary story")
    page = main_text(mod.get(f"/moderation/stories/{story.id}"))
    assert "afeguarding" in page


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_a_reply_speaking_of_harm_is_flagged_and_waits(app, tree, people, make_story):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies",
               data={"body": "We are sorry. Your mother was found with bruises after the assault on the ward."})
    assert "assault" not in public_story(app, story)


def test_falls_clinic_is_not_a_safeguarding_flag(app, tree, people, make_story):
    teller = app.test_client()
    tell(teller, "calm@example.org", title="Falls clinic visit",
         body="I went to the falls clinic for my balance check and the physio was lovely and very patient.")
    mod = signed(app, "mod@example.org")
    main_text(mod.get("/moderation/?flag=safeguarding"))
    assert "0 that may speak of a risk of harm" in main_text(mod.get("/moderation/"))


@pytest.mark.settings(SAFEGUARDING_EMAIL="lead@example.org")
def test_safeguarding_concern_raised_is_audited_and_emailed_on_one_subject_line(app, tree, people, make_story,
                                                                               smtp_server, deliver):
    story = make_story(tree["ward"], status="pending", title="Bruises\u2028Bcc: evil@example.org")
    mod = signed(app, "mod@example.org")
    response = mod.post(f"/moderation/stories/{story.id}/safeguarding",
                        data={"safeguarding-csrf_token": mod.csrf_token(),
                              "safeguarding-note": "Rang the ward sister.\r\nBcc: evil@example.org"})
    assert response.status_code == 302
    assert "Rang the ward sister" in main_text(mod.get(f"/moderation/stories/{story.id}/history"))
    deliver()
    message = smtp_server.last_to("lead@example.org")
    for name, value in message.items():
        assert "\n" not in str(value) and "\r" not in str(value) and "\u2028" not in str(value), (name, value)
    assert not smtp_server.to("evil@example.org")


def test_signposting_on_tell_thanks_and_rejection(app, tree, people, make_story, smtp_server, deliver):
    client = app.test_client()
    for page in (main_text(client.get("/tell?provider=W1")), main_text(client.get(tell(client).headers["Location"]))):
        assert "999" in page and "111" in page and "complaint" in page.lower()
    story = make_story(tree["ward"], author=people["author"], status="pending")
    mod = signed(app, "mod@example.org")
    page = mod.get(f"/moderation/stories/{story.id}").get_data(as_text=True)
    reason = re.findall(r'<option[^>]*value="([^"]+)"', page.split('id="reject-reason_code"')[1])[0]
    assert moderate(mod, story, "reject", reason_code=reason, note="Off topic").status_code == 302
    deliver()
    mail = text_of(smtp_server.last_to("author@example.org"))
    assert "999" in mail and "111" in mail and "complain" in mail.lower()


# ---------------------------------------------------------------- moderators fix what they find

def test_a_published_story_moved_to_another_service_alerts_it_and_leaves_the_old_dashboard(
        app, tree, people, make_user, make_story, smtp_server, deliver):
    make_user(email="gp@example.org", provider=tree["other"])
    story = published(make_story, tree, people, title="Wrong service story")
    staff = signed(app, "staff@example.org")
    assert "Wrong service story" in main_text(staff.get("/dashboard"))
    mod = signed(app, "mod@example.org")
    assert moderate(mod, story, "move", provider="G1", reason="author named the GP").status_code == 302
    history = main_text(mod.get(f"/moderation/stories/{story.id}/history"))
    assert "author named the GP" in history
    deliver()
    assert any("Wrong service story" in text_of(m) for m in smtp_server.to("gp@example.org"))
    assert "Wrong service story" not in main_text(staff.get("/dashboard"))
    assert "Wrong service story" in main_text(app.test_client().get("/providers/G1"))


def test_a_move_is_audited_with_the_old_and_new_service(app, tree, people, make_story):
    """README: Move ... (audited with the old and new service)."""
    story = published(make_story, tree, people, title="Wrong service story")
    mod = signed(app, "mod@example.org")
    assert moderate(mod, story, "move", provider="G1", reason="author named the GP").status_code == 302
    history = main_text(mod.get(f"/moderation/stories/{story.id}/history"))
    row = history[history.index("story.moved"):]
    assert ("W1" in row or "Ward One" in row) and ("G1" in row or "Other Practice" in row), row[:300]


def test_correct_after_report_keeps_it_published_resolves_reports_and_tells_the_author(
        app, tree, people, make_story, smtp_server, deliver):
    story = published(make_story, tree, people, body="Nurse Jones on ward 7 was rude. " + BODY)
    visitor = app.test_client()
    visitor.post(f"/stories/{story.id}/report", data={"reason": "identifies", "note": "names a nurse"})
    mod = signed(app, "mod@example.org")
    assert "names a nurse" in main_text(mod.get("/moderation/"))
    response = moderate(mod, story, "correct", title=story.title, body="A nurse on ward 7 was rude. " + BODY,
                        reason="removed a nurse's name after a report")
    assert response.status_code == 302
    assert "Jones" not in public_story(app, story) and "A nurse on ward 7" in public_story(app, story)
    assert "0 open reports" in main_text(mod.get("/moderation/"))
    assert "removed a nurse's name" in main_text(mod.get(f"/moderation/stories/{story.id}/history"))
    deliver()
    assert smtp_server.to("author@example.org")


@pytest.mark.settings(RATELIMIT_POSTING="1000 per minute")
def test_three_different_visitors_hide_a_story(app, tree, people, make_story):
    story = published(make_story, tree, people)
    for n in range(2):
        report(app, story, f"198.51.100.{n + 1}")
    assert is_public(app, story)
    report(app, story, "198.51.100.3")
    assert not is_public(app, story)
    assert api_story(app, story).get("tombstone") or "Story number" not in json.dumps(api_story(app, story))


@pytest.mark.settings(RATELIMIT_POSTING="1000 per minute")
def test_one_visitor_reporting_again_and_again_counts_once(app, tree, people, make_story):
    story = published(make_story, tree, people)
    for _ in range(4):
        report(app, story, "198.51.100.7")  # fresh browser each time: no cookie, same address
    report(app, story, "198.51.100.8")
    assert is_public(app, story)


@pytest.mark.settings(RATELIMIT_POSTING="1000 per minute")
def test_one_signed_in_visitor_from_several_addresses_counts_once(app, tree, people, make_story, make_user):
    story = published(make_story, tree, people)
    make_user(email="grudge@example.org")
    grudge = signed(app, "grudge@example.org")
    for n in range(4):
        report(app, story, f"203.0.113.{n + 1}", client=grudge)
    assert is_public(app, story)


@pytest.mark.settings(RATELIMIT_POSTING="1000 per minute")
def test_a_restored_story_is_not_hidden_again_by_one_new_report(app, tree, people, make_story):
    story = published(make_story, tree, people)
    for n in range(3):
        report(app, story, f"198.51.100.{n + 1}")
    assert not is_public(app, story)
    mod = signed(app, "mod@example.org")
    assert moderate(mod, story, "restore", reason="looked: nothing wrong").status_code == 302
    assert is_public(app, story)
    report(app, story, "198.51.100.9")
    assert is_public(app, story), "one new report re-hid a story a moderator had looked at and restored"
    report(app, story, "198.51.100.1")  # an old reporter reporting again after the moderator's look
    assert is_public(app, story)


@pytest.mark.settings(RATELIMIT_POSTING="1000 per minute", RESPONDER_MODERATED_REPLIES=0)
def test_three_visitors_reporting_a_reply_hide_the_reply(app, tree, people, make_story):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": "Thank you, a reply people dislike."})
    rid = re.search(r"\?reply=(\d+)", public_story(app, story)).group(1)
    for n in range(3):
        report(app, story, f"198.51.100.{n + 1}", reply=rid)
    assert "people dislike" not in public_story(app, story)
    assert is_public(app, story)
