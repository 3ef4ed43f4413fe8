"""Every text that comes in goes through the one normaliser: stories, replies, reports, the provider CSV, the
console's fields, staff job titles and searches."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.directory.importer import import_providers
from app.directory.models import Provider
from app.moderation.models import Report
from app.stories.services import Draft, check_draft
from tests.conftest import PASSWORD, login

NFD_CAFE = "Cafe\u0301"  # how macOS and some keyboards send "Café"


def test_a_story_title_with_a_line_separator_is_one_line_and_composed(session, tree):
    draft = Draft(provider_code="W1", title=f"Awful\u2028Subject: {NFD_CAFE}\u202e", month=1, year=2025,
                  body=f"They said\u2028wait.\u2029Then {NFD_CAFE} closed. " + "More words to be long enough. " * 3,
                  author_role="patient", public_name="Ann\u2066 \u0041\u030a", consent=True)
    clean = check_draft(session, draft)
    assert clean.title == "Awful Subject: Café"
    assert clean.body.startswith("They said\nwait.\n\nThen Café closed.")
    assert clean.public_name == "Ann Å"


def test_replies_answers_and_reports_are_normalised(session, tree, make_user, make_story):
    from app.moderation.services import report
    from app.replies.services import add_reply

    staff = make_user(email="staff@example.org", provider=tree["hospital"])
    story = make_story(tree["ward"], status="published")
    reply = add_reply(session, staff, story, "Thank you.\u2028We have\u202e changed the rota.")
    assert reply.body == "Thank you.\nWe have changed the rota."
    item = report(session, story, "other", "Names\u2029a nurse\x85here", None)
    assert isinstance(item, Report) and item.note == "Names\n\na nurse\nhere"


def test_provider_csv_fields_are_normalised(app, session):
    csv_text = ("code,name,kind,parent_code,postcode,email,website\n"
                f"H9,\"St\u202e Mary\u2019s\u2028{NFD_CAFE}\",hospital,,,,example.org/\u2066x\n")
    report = import_providers(session, io.StringIO(csv_text))
    session.commit()
    assert report.added == 1, report.rejected
    provider = session.scalar(select(Provider).where(Provider.code == "H9"))
    assert provider.name == "St Mary’s Café"
    assert provider.website == "https://example.org/x"
    # Importing the same file again changes nothing: the stored name is already in its normal form.
    assert import_providers(session, io.StringIO(csv_text)).unchanged == 1


@pytest.fixture
def admin_client(client, make_user):
    make_user(email="root@example.org", admin=True)
    login(client, "root@example.org", PASSWORD)
    return client


def test_the_consoles_provider_fields_and_reasons_are_normalised(admin_client, session, tree):
    response = admin_client.post("/admin/providers/H1/edit", data={
        "edit-name": f"\u2067Hospital\u2069 {NFD_CAFE}\u2028Wing", "edit-kind": "hospital", "edit-postcode": "",
        "edit-email": "", "edit-website": ""})
    assert response.status_code == 302
    assert session.get(Provider, tree["hospital"].id).name == "Hospital Café Wing"
    response = admin_client.post("/admin/providers/G1/active", data={"active": "0",
                                                                     "active-reason": "Closed\u202e for good\x07"})
    assert response.status_code == 302
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "admin.provider.deactivate"))
    assert event.reason == "Closed for good"


def test_a_staff_job_title_is_normalised(session, tree):
    from app.accounts.staff import invite

    invitation = invite(session, tree["hospital"], "new@example.org", job_title="\u202eWard\u2028manager\ufeff")
    assert invitation.job_title == "Ward manager"


def test_a_directory_search_typed_decomposed_finds_the_composed_name(client, make_provider):
    make_provider(code="C1", name="Café Surgery", kind="gp_practice")
    page = client.get("/providers", query_string={"q": f"{NFD_CAFE}\u200b"}).get_data(as_text=True)
    assert "Café Surgery" in page


def test_a_search_typed_decomposed_finds_the_composed_story(app, client, session, tree, make_user, make_story):
    from app.moderation import services as moderation
    from app.search.services import drain_queue

    moderator = make_user(email="mod@example.org", moderator=True)
    story = make_story(tree["ward"], status="pending", title="The café was closed")
    moderation.publish(session, moderator, story, story.version, moderation.Publication(
        criticality=1, tags=[], title=story.title, body=story.body))
    session.commit()
    drain_queue(session)
    page = client.get("/search", query_string={"q": f"{NFD_CAFE.lower()}\u202e"}).get_data(as_text=True)
    assert "The café was closed" in page
