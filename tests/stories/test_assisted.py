"""Stories entered for someone (assisted, paper, phone): the story taker role, the person's agreement, their optional
address, the list of stories a taker entered (theirs only), never about their own service; the paper form prints on
one or two A4 pages."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.mail.models import OutboxMessage
from app.stories.models import ASSISTED, AWAITING_CONFIRMATION, PAPER, PENDING, PHONE, Story

BODY = "My neighbour told me the reception staff were patient with her and found her an interpreter quickly."


@pytest.fixture
def taker(make_user, session):
    user = make_user(email="taker@example.org")
    user.is_story_taker = True
    session.commit()
    return user


def sign_in(client, user) -> None:
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True


def entry(**fields) -> dict:
    return {"provider_code": "W1", "title": "Kind reception staff", "body": BODY, "month": "2", "year": "2025",
            "author_role": "patient", "route": ASSISTED, "agreed": "y", "submission_key": "s" * 32,
            "action": "tell", **fields}


def _count(session) -> int:
    return session.scalar(select(func.count(Story.id)))


def test_a_story_taker_enters_a_story_without_an_address_straight_to_moderation(client, session, tree, taker):
    sign_in(client, taker)
    response = client.post("/tell/for-someone", data=entry())
    assert response.status_code == 302 and "/tell/for-someone/entered" in response.headers["Location"]
    story = session.scalar(select(Story))
    assert (story.route, story.status, story.entered_by_id, story.author_id) == (ASSISTED, PENDING, taker.id, taker.id)
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kind reception staff" in listing and "Told with help from a story taker" in listing


def test_with_the_persons_address_the_story_is_theirs_once_they_confirm(client, session, tree, taker):
    sign_in(client, taker)
    client.post("/tell/for-someone", data=entry(person_email="Person@Example.org", route=PHONE))
    story = session.scalar(select(Story))
    assert (story.status, story.route, story.author.email) == (AWAITING_CONFIRMATION, PHONE, "person@example.org")
    assert story.entered_by_id == taker.id
    assert session.scalar(select(OutboxMessage.to_addr)) == "person@example.org"


def test_the_person_must_have_agreed(client, session, tree, taker):
    sign_in(client, taker)
    response = client.post("/tell/for-someone", data=entry(agreed=""))
    assert response.status_code == 200 and "Only enter a story the person agreed to" in response.get_data(as_text=True)
    assert _count(session) == 0


def test_a_story_taker_cannot_enter_a_story_about_a_service_they_work_for_or_below_it(
        client, session, tree, make_user):
    staff_taker = make_user(provider=tree["hospital"])
    staff_taker.is_story_taker = True
    session.commit()
    sign_in(client, staff_taker)
    for code in ("H1", "W1"):  # their own hospital, and a ward in it
        html = client.post("/tell/for-someone", data=entry(provider_code=code)).get_data(as_text=True)
        assert "You work for this service" in html
    assert _count(session) == 0
    client.post("/tell/for-someone", data=entry(provider_code="G1"))  # an unrelated practice is fine
    assert _count(session) == 1


def test_a_story_taker_sees_only_the_stories_they_entered(client, session, tree, taker, make_user, make_story):
    other = make_user(email="other-taker@example.org")
    other.is_story_taker = True
    session.commit()
    make_story(tree["ward"], title="Entered by the other taker", entered_by_id=other.id, route=PAPER)
    sign_in(client, taker)
    client.post("/tell/for-someone", data=entry(title="Entered by me"))
    html = client.get("/tell/for-someone/entered").get_data(as_text=True)
    assert "Entered by me" in html and "Entered by the other taker" not in html
    # Nor can they reach the other taker's pending story through the story page.
    hidden = session.scalar(select(Story).where(Story.title == "Entered by the other taker"))
    assert client.get(f"/stories/{hidden.id}").status_code == 404


@pytest.mark.parametrize("route, allowed", [(ASSISTED, False), (PAPER, True), (PHONE, True)])
def test_moderators_enter_paper_and_phone_stories_only(client, session, tree, make_user, route, allowed):
    sign_in(client, make_user(moderator=True))
    html = client.post("/tell/for-someone", data=entry(route=route)).get_data(as_text=True)
    assert _count(session) == (1 if allowed else 0), html[:2000]


def test_people_without_the_role_are_refused(client, session, tree, make_user):
    assert client.get("/tell/for-someone").status_code in (302, 401)  # sent to log in
    sign_in(client, make_user())
    assert client.get("/tell/for-someone").status_code == 403
    assert client.post("/tell/for-someone", data=entry()).status_code == 403
    assert client.get("/tell/for-someone/entered").status_code == 403
    assert _count(session) == 0


def test_a_story_taker_cannot_reach_the_moderators_pages(client, tree, taker, make_story):
    sign_in(client, taker)
    pending = make_story(tree["ward"])
    assert client.get("/moderation/").status_code == 403
    assert client.get(f"/moderation/stories/{pending.id}").status_code == 403
    assert client.post(f"/moderation/stories/{pending.id}/publish", data={}).status_code == 403


def test_the_route_is_public_but_not_who_entered_it(client, session, tree, taker, make_story):
    story = make_story(tree["ward"], status="published", route=PAPER, entered_by_id=taker.id, language="cy")
    html = client.get(f"/stories/{story.id}").get_data(as_text=True)
    assert "Sent on paper" in html and "Welsh" in html and "taker@example.org" not in html
    api = client.get(f"/api/v1/stories/{story.id}").get_json()["data"]
    assert (api["route"], api["language"]) == (PAPER, "cy")
    assert "entered_by" not in str(api)
    listed = client.get("/api/v1/stories").get_json()["data"]
    assert [(s["route"], s["language"]) for s in listed] == [(PAPER, "cy")]


def test_an_admin_grants_the_story_taker_role(client, session, make_user):
    admin = make_user(admin=True)
    person = make_user(email="volunteer@example.org")
    sign_in(client, admin)
    page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "Grant story taker" in page
    client.post(f"/admin/people/{person.id}/role", data={"role-role": "story_taker", "role-grant": "1",
                                                         "role-csrf_token": client.csrf_token()})
    session.refresh(person)
    assert person.is_story_taker


@pytest.mark.browser
def test_the_paper_form_prints_on_one_or_two_a4_pages(live_server, page):
    page.goto(live_server.url + "/tell/paper-form")
    pdf = page.pdf(format="A4", print_background=False)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= 2, f"{pages} pages"


def test_the_story_takers_list_says_the_person_has_not_yet_confirmed(client, session, tree, taker):
    sign_in(client, taker)
    response = client.post("/tell/for-someone", data=entry(person_email="person@example.org"))
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting for the person to confirm their email address" in listing
    assert "Waiting for you to confirm" not in listing


def test_the_persons_confirmation_says_the_story_was_entered_for_them(app, client, session, tree, taker,
                                                                      smtp_server, deliver):
    from tests.conftest import link_in, text_of

    sign_in(client, taker)
    client.post("/tell/for-someone", data=entry(person_email="person@example.org"))
    deliver()
    sent = smtp_server.last_to("person@example.org")
    words = " ".join(text_of(sent).split())
    assert 'Someone entered a story for you about Ward One, "Kind reception staff".' in words
    assert "If you did not ask anyone to enter a story for you, ignore this message" in words
    assert "Thank you for your story" not in words and "If you did not write this story" not in words
    html = " ".join(sent.get_body(preferencelist=("html",)).get_content().split())
    assert "Someone entered a story for you about Ward One" in html and "did not write this story" not in html
    page = app.test_client().get(link_in(sent, "/stories/confirm/")).get_data(as_text=True)
    assert "If you did not ask anyone to enter this story for you, leave this page" in page
    assert "If you did not write this story" not in page


def test_a_story_taker_entering_in_welsh_sends_the_person_welsh_words(client, session, tree, taker, smtp_server,
                                                                      deliver):
    from tests.conftest import text_of

    sign_in(client, taker)
    client.post("/tell/for-someone?lang=cy", data=entry(person_email="person@example.org"))
    assert session.scalar(select(Story.language)) == "cy"
    deliver()
    words = " ".join(text_of(smtp_server.last_to("person@example.org")).split())
    assert 'Mae rhywun wedi cofnodi stori ar eich rhan am Ward One, "Kind reception staff".' in words
    assert "Os na wnaethoch ofyn i neb gofnodi stori ar eich rhan" in words


def test_a_story_told_for_oneself_keeps_the_usual_confirmation(client, session, tree, smtp_server, deliver):
    from tests.conftest import text_of

    client.post("/tell", data={**entry(email="self@example.org", consent="y", public_name=""), "route": ""})
    deliver()
    words = " ".join(text_of(smtp_server.last_to("self@example.org")).split())
    assert "Thank you for your story about Ward One" in words and "If you did not write this story" in words
