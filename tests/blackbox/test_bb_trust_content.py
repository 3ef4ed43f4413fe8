"""Black-box attack tests for issue 17: nothing harmful goes public, and nothing stops the mail.

Written from the issue text and README only; every step goes through the site's pages, API, feeds, CSVs and mail.
"""
from __future__ import annotations

import csv
import io
import json
import re
import xml.dom.minidom

import pytest

from tests.blackbox.conftest import BODY, main_text, moderate, reply_form_action, tell
from tests.conftest import link_in, login, text_of

NHS = "943 476 5919"
PHONE = "07700 900123"


@pytest.fixture
def people(make_user, tree):
    return {
        "author": make_user(email="author@example.org"),
        "staff": make_user(email="staff@example.org", provider=tree["hospital"], display_name="Sam Staff"),
        "mod": make_user(email="mod@example.org", moderator=True),
        "admin": make_user(email="admin@example.org", admin=True),
    }


def signed(app, email):
    client = app.test_client()
    login(client, email)
    return client


def public_story(app, story) -> str:
    return app.test_client().get(f"/stories/{story.id}").get_data(as_text=True)


def api_story(app, story) -> dict:
    response = app.test_client().get(f"/api/v1/stories/{story.id}")
    payload = response.get_json() or {}
    return payload.get("data", payload)


def published(make_story, tree, people, **fields):
    return make_story(tree["ward"], author=people["author"], status="published", **fields)


# ---------------------------------------------------------------- replies checked like stories

@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
@pytest.mark.parametrize("detail", [NHS, PHONE, "ring 020 7946 0018", "mail me at jo.bloggs@example.com",
                                    "I live at SW1A 1AA", "ask for Dr Patel"])
def test_a_trusted_responders_reply_with_personal_details_waits(app, tree, people, make_story, smtp_server, deliver,
                                                                detail):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    text = f"Thank you for your story. Please contact us about this: {detail}."
    assert staff.post(f"/stories/{story.id}/replies", data={"body": text}).status_code == 302
    assert detail not in public_story(app, story)
    assert detail not in json.dumps(api_story(app, story))
    assert "waiting for a moderator" in main_text(staff.get(f"/stories/{story.id}"))
    deliver()
    assert not smtp_server.to("author@example.org"), "the author was told before the reply was public"
    mod = signed(app, "mod@example.org")
    queue = mod.get("/moderation/").get_data(as_text=True)
    assert "<mark" in queue and detail.split()[-1].rstrip(".") in queue


def test_a_new_responders_first_replies_wait_and_then_publish_at_once(app, tree, people, make_story, smtp_server,
                                                                      deliver):
    staff = signed(app, "staff@example.org")
    mod = signed(app, "mod@example.org")
    stories = [published(make_story, tree, people, title=f"Story {n}") for n in range(6)]
    for n, story in enumerate(stories[:5]):
        staff.post(f"/stories/{story.id}/replies", data={"body": f"Thank you for telling us, reply {n}."})
        assert f"reply {n}" not in public_story(app, story)
        rid = re.search(r'/moderation/replies/(\d+)', mod.get("/moderation/").get_data(as_text=True)).group(1)
        assert reply_form_action(mod, f"/moderation/replies/{rid}/publish").status_code == 302
        assert f"reply {n}" in public_story(app, story)
    staff.post(f"/stories/{stories[5].id}/replies", data={"body": "Thank you for telling us, reply 5."})
    assert "reply 5" in public_story(app, stories[5])


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_a_public_reply_edited_to_add_an_nhs_number_leaves_public_view(app, tree, people, make_story):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": "Thank you for telling us about this."})
    assert "Thank you for telling us" in public_story(app, story)
    edit = re.search(r'href="(/replies/\d+/edit)"', staff.get(f"/stories/{story.id}").get_data(as_text=True)).group(1)
    staff.post(edit, data={"body": f"Thank you. The patient's NHS number is {NHS}."})
    assert NHS not in public_story(app, story)
    assert NHS not in json.dumps(api_story(app, story))
    assert NHS not in app.test_client().get("/feeds/providers/W1/replies.atom").get_data(as_text=True)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
@pytest.mark.parametrize("kind", ["planned", "made"])
def test_a_change_description_with_a_phone_number_waits(app, tree, people, make_story, kind):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    data = {"kind": kind, "description": f"We will call every patient from {PHONE} after discharge."}
    if kind == "made":
        data["made_on"] = "2025-06-01"
    assert staff.post(f"/stories/{story.id}/changes", data=data).status_code == 302
    assert PHONE not in public_story(app, story)
    assert PHONE not in app.test_client().get("/feeds/providers/W1/replies.atom").get_data(as_text=True)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_a_change_made_before_the_story_happened_is_refused(app, tree, people, make_story):
    story = published(make_story, tree, people)  # experienced January 2025
    staff = signed(app, "staff@example.org")
    response = staff.post(f"/stories/{story.id}/changes", data={
        "kind": "made", "description": "We changed the appointment letters.", "made_on": "2024-11-30"})
    assert response.status_code in (200, 400)
    assert "appointment letters" not in public_story(app, story)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_an_authors_answer_always_waits(app, tree, people, make_story, smtp_server, deliver):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": "Thank you for telling us about this."})
    deliver()
    answer = link_in(smtp_server.last_to("author@example.org"), "/answer/")
    visitor = app.test_client()
    visitor.get(answer)
    visitor.post(answer, data={"body": "Thanks. My sister's number is 07700 900456 if you want her view."})
    assert "07700 900456" not in public_story(app, story)
    queue = signed(app, "mod@example.org").get("/moderation/").get_data(as_text=True)
    assert "07700 900456" in queue


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_a_removed_responder_can_no_longer_edit_their_reply(app, session, tree, people, make_story):
    from sqlalchemy import select

    from app.accounts.models import Membership
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": "Thank you for telling us about this."})
    edit = re.search(r'href="(/replies/\d+/edit)"', staff.get(f"/stories/{story.id}").get_data(as_text=True)).group(1)
    session.delete(session.scalar(select(Membership).where(Membership.user_id == people["staff"].id)))
    session.commit()
    response = staff.post(edit, data={"body": "Edited after leaving: please disregard the trust."})
    assert response.status_code in (403, 404)
    assert "Edited after leaving" not in public_story(app, story)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_a_reply_a_moderator_hid_cannot_be_edited_back(app, tree, people, make_story):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    staff.post(f"/stories/{story.id}/replies", data={"body": "Thank you, this is a rude reply."})
    edit = re.search(r'href="(/replies/(\d+)/edit)"', staff.get(f"/stories/{story.id}").get_data(as_text=True))
    mod = signed(app, "mod@example.org")
    page = mod.get(f"/moderation/replies/{edit.group(2)}").get_data(as_text=True)
    hide = re.search(r'action="(/moderation/replies/\d+/hide)"', page).group(1)
    assert reply_form_action(mod, hide, reason="rude").status_code == 302
    assert "rude reply" not in public_story(app, story)
    response = staff.post(edit.group(1), data={"body": "Thank you, a polite reply now."})
    assert response.status_code in (403, 404)
    assert "polite reply" not in public_story(app, story)


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


def report(app, story, address, reply=None, client=None):
    client = client or app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    path = f"/stories/{story.id}/report" + (f"?reply={reply}" if reply else "")
    return client.post(path, data={"reason": "offensive", "note": "please look"})


def is_public(app, story) -> bool:
    return app.test_client().get(f"/stories/{story.id}").status_code == 200


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


# ---------------------------------------------------------------- outbox and jobs

def catch_recipients(smtp_server) -> list[str]:
    """Record the SMTP envelope recipients (RCPT TO) the relay is given."""
    recipients: list[str] = []

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        recipients.append(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.handle_RCPT = handle_RCPT
    return recipients


BAD_RECIPIENTS = ["bad\r\nBcc: evil@example.org", "@@@ not an address <<", "a@example.org, evil2@example.org"]


def test_good_messages_go_out_once_beside_bad_ones(app, session, smtp_server, deliver):
    from app.mail.models import OutboxMessage
    good = [OutboxMessage(message_id=f"<good{n}@storyloop.test>", to_addr=f"good{n}@example.org",
                          subject=f"Good {n}", body_text="Hello") for n in range(3)]
    bad = [OutboxMessage(message_id=f"<bad{n}@storyloop.test>", to_addr=address, subject="Bad\r\nX: y",
                         body_text="x") for n, address in enumerate(BAD_RECIPIENTS)]
    session.add_all([good[0], *bad, *good[1:]])
    session.commit()
    deliver()
    deliver()
    delivered = [str(m["To"]) for m in smtp_server.messages]
    for n in range(3):
        assert delivered.count(f"good{n}@example.org") == 1, delivered


def test_a_message_with_a_malformed_recipient_fails_alone_and_goes_nowhere(app, session, smtp_server, deliver):
    from app.mail.models import OutboxMessage
    recipients = catch_recipients(smtp_server)
    bad = [OutboxMessage(message_id=f"<bad{n}@storyloop.test>", to_addr=address, subject="Bad", body_text="x")
           for n, address in enumerate(BAD_RECIPIENTS)]
    good = OutboxMessage(message_id="<good@storyloop.test>", to_addr="good@example.org", subject="Good",
                         body_text="Hello")
    session.add_all([*bad, good])
    session.commit()
    deliver()
    assert recipients == ["good@example.org"], recipients
    session.expire_all()
    for message in bad:
        session.refresh(message)
        assert message.status != "sent" and message.last_error, (message.to_addr, message.status)


def test_a_failing_dataset_job_does_not_stop_the_mail(app, session, tree, people, make_story, smtp_server, deliver,
                                                      tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the dataset folder should be")
    app.config["DATASET_DIR"] = str(blocker / "dataset")
    app.config["SEARCH_INDEX_DIR"] = str(blocker / "index")
    story = make_story(tree["ward"], author=people["author"], status="pending")
    mod = signed(app, "mod@example.org")
    moderate(mod, story)
    deliver()
    deliver()
    assert smtp_server.to("author@example.org")
    assert smtp_server.to("staff@example.org")
    admin = signed(app, "admin@example.org")
    assert admin.get("/admin/").status_code == 200


# ---------------------------------------------------------------- public means public now

@pytest.mark.parametrize("how", ["withdraw", "hide"])
def test_search_never_shows_a_story_taken_out_of_view_while_the_worker_is_stopped(app, session, tree, people,
                                                                                  make_story, deliver, how):
    story = make_story(tree["ward"], author=people["author"], status="pending", title="Zebracorn parking",
                       body="The zebracorn parking meters were broken all week. " + BODY)
    mod = signed(app, "mod@example.org")
    moderate(mod, story)
    deliver()  # the worker indexes it
    client = app.test_client()
    assert "Zebracorn" in main_text(client.get("/search?q=zebracorn"))
    if how == "withdraw":
        author = signed(app, "author@example.org")
        assert author.post(f"/my/stories/{story.id}/withdraw").status_code == 302
    else:
        assert moderate(mod, story, "hide", reason="reported").status_code == 302
    # the worker is stopped: no deliver()
    result = main_text(client.get("/search?q=zebracorn"))
    assert "Zebracorn" not in result
    assert "Zebracorn" not in main_text(client.get("/search?q=parking"))


# ---------------------------------------------------------------- updated_at

def test_reading_a_story_moves_nothing(app, session, tree, people, make_story, make_user):
    story = published(make_story, tree, people, title="Read me")
    before = api_story(app, story)
    feed_before = app.test_client().get("/feeds/stories.atom").get_data(as_text=True)
    since = before.get("updated_at") or before.get("data", {}).get("updated_at")
    assert since
    for client in (app.test_client(), signed(app, "staff@example.org"), signed(app, "mod@example.org"),
                   signed(app, "author@example.org")):
        client.get(f"/stories/{story.id}")
        client.get(f"/api/v1/stories/{story.id}")
    mod = signed(app, "mod@example.org")
    mod.get(f"/moderation/stories/{story.id}")
    mod.post(f"/moderation/stories/{story.id}/claim", data={"claim-csrf_token": mod.csrf_token()})
    after = api_story(app, story)
    assert (after.get("updated_at") or after.get("data", {}).get("updated_at")) == since
    feed_after = app.test_client().get("/feeds/stories.atom").get_data(as_text=True)
    assert re.findall(r"<updated>[^<]+</updated>", feed_before) == re.findall(r"<updated>[^<]+</updated>",
                                                                              feed_after)
    sync = app.test_client().get("/api/v1/stories", query_string={"updated_since": since}).get_json()
    ids = [item.get("id") for item in sync.get("data", sync.get("items", []))]
    assert ids in ([], [story.id])  # at most the story itself if updated_since is inclusive


def test_a_report_does_not_move_updated_at(app, tree, people, make_story):
    story = published(make_story, tree, people)
    since = api_story(app, story)["updated_at"]
    report(app, story, "198.51.100.1")
    assert api_story(app, story)["updated_at"] == since


# ---------------------------------------------------------------- odd numbers and dates

ODD_PATHS = ["/stories/\u00b2", "/stories/99999999999999999999", "/stories/-1", "/stories/0",
             "/stories/\u0661\u0662", "/api/v1/stories/\u00b2", "/api/v1/stories/99999999999999999999",
             "/replies/99999999999999999999/edit", "/stories/99999999999999999999/report",
             "/my/stories/99999999999999999999/correction", "/moderation/stories/99999999999999999999",
             "/moderation/replies/99999999999999999999", "/tell/thanks/99999999999999999999"]

ODD_VALUES = ["\u00b2", "\u0661\u0662", "99999999999999999999", "-99999999999999999999", "", " 1", "1e3", "0x10",
              "9223372036854775808", "NaN", "\uff11"]
ODD_DATES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31", "0001-01-01",
             "0000-01-01", "10000-01-01", "2025-02-30", "\u0662\u0660\u0662\u0665-01-01", "2025-01-01T25:00:00",
             "", "2025-01-01T00:00:00+99:00"]


@pytest.mark.parametrize("path", ODD_PATHS)
def test_odd_ids_in_paths_are_404_not_500(app, people, path):
    client = signed(app, "mod@example.org")
    response = client.get(path)
    assert response.status_code in (302, 403, 404), (path, response.status_code)


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_numbers_in_parameters_are_never_500(app, tree, people, make_story, value):
    published(make_story, tree, people)
    client = app.test_client()
    for path, name in [("/stories", "criticality"), ("/stories", "after"), ("/stories", "page"),
                       ("/api/v1/stories", "limit"), ("/api/v1/stories", "criticality"),
                       ("/api/v1/stories", "cursor"), ("/api/v1/providers/W1", "period_days"),
                       ("/search", "page"), ("/search", "criticality"), ("/compare", "months"),
                       ("/stories/1/report", "reply")]:
        response = client.get(path, query_string={name: value})
        assert response.status_code < 500, (path, name, value, response.status_code)


@pytest.mark.parametrize("value", ODD_DATES)
def test_odd_dates_in_parameters_are_never_500(app, tree, people, make_story, value):
    published(make_story, tree, people)
    client = app.test_client()
    for path, name in [("/stories", "published_from"), ("/stories", "published_to"), ("/stories", "after"),
                       ("/api/v1/stories", "published_since"), ("/api/v1/stories", "updated_since"),
                       ("/api/v1/providers/W1", "period_from"), ("/search", "published_from"),
                       ("/search", "published_to")]:
        response = client.get(path, query_string={name: value})
        assert response.status_code < 500, (path, name, value, response.status_code)
        if path.startswith("/api") and value and response.status_code == 400:
            assert name in response.get_data(as_text=True)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
@pytest.mark.parametrize("value", ["\u0662\u0660\u0662\u0665-01-01", "9999-12-31", "0001-01-01", "2025-13-01",
                                   "99999999999999999999"])
def test_odd_dates_in_forms_are_never_500(app, tree, people, make_story, value):
    story = published(make_story, tree, people)
    staff = signed(app, "staff@example.org")
    response = staff.post(f"/stories/{story.id}/changes",
                          data={"kind": "made", "description": "We changed the letters.", "made_on": value})
    assert response.status_code < 500
    teller = app.test_client()
    for month, year in [("\u00b2", "2025"), ("3", "\u0662\u0660\u0662\u0665"), ("99999999999999999999", "2025"),
                        ("3", "9999"), ("", "")]:
        response = tell(teller, month=month, year=year, key=f"{month}{year}".encode().hex()[:32].ljust(32, "z"))
        assert response.status_code < 500, (month, year)


def test_two_moderators_on_one_story_get_it_changed(app, tree, people, make_story, make_user):
    story = make_story(tree["ward"], author=people["author"], status="pending")
    make_user(email="mod2@example.org", moderator=True)
    one, two = signed(app, "mod@example.org"), signed(app, "mod2@example.org")
    two.get(f"/moderation/stories/{story.id}")
    assert moderate(one, story).status_code == 302
    token = two.csrf_token()
    response = two.post(f"/moderation/stories/{story.id}/reject", data={
        "reject-csrf_token": token, "reject-version": "1", "reject-reason_code": "other", "reject-note": "no"})
    assert response.status_code == 409
    assert is_public(app, story)
