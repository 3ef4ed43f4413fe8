"""Words people understand in every email (issue #21): the outbox rows the app writes, each kind of email made the
way the app makes it (through the services and the worker's jobs), in English and, for an author who told in
Welsh, in Welsh. No raw identifier (a status, a kind, a route, a role or language code, snake_case), no subject
that starts or ends with a space or runs two spaces together, no doubled quotation marks, no "has change
planned" or "0.0 MB"."""
from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import utcnow
from app.mail.models import OutboxMessage
from tests.hardening.test_words import Page, identifier_slips, raw_identifiers

pytestmark = pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0, SAFEGUARDING_EMAIL="safe@example.org",
                                  RED_FLAG_STORIES=2, RED_FLAG_CRITICALITY=3)

# Slips found before, looked for in every subject and body.
SLIPS = re.compile(r"has change planned|has no change planned|\b0\.0 MB|““|””|\"\"|“\"|\"”|“ |,,")
BODY = ("I waited four hours in the corridor before anyone told me what was happening. The nurse who came was "
        "kind but could not find my notes.")
WORDS = {"en": "English", "cy": "Welsh"}  # titles name the language in words: a code in a title would be a slip
# Every template in templates/mail has a message here: a new kind of email is held to these rules by
# test_every_kind_of_email_is_made until the scenario below makes one (or it is named here, with why).
NOT_MADE_HERE: set[str] = set()


def _published(make_story, provider, author, title, **fields):
    return make_story(provider, author=author, status="published", title=title, body=BODY, **fields)


@pytest.fixture
def templates_used(monkeypatch) -> set[str]:
    """The mail templates queue_email rendered."""
    from app.mail import services

    used: set[str] = set()
    real = services.render_template

    def render(name, **context):
        used.add(name.removeprefix("mail/").rsplit(".", 1)[0])
        return real(name, **context)

    monkeypatch.setattr(services, "render_template", render)
    return used


@pytest.fixture
def every_email(app, session, tree, make_user, make_story, client, clock, templates_used):
    """Drive the app through each event that writes mail; return the outbox rows it wrote."""
    from app.accounts import links
    from app.accounts import services as accounts
    from app.accounts.staff import invite
    from app.following import services as following
    from app.insight import flags as red_flags
    from app.moderation import conversation, fixing, reroutes
    from app.moderation import services as moderation
    from app.replies import changes, reminders, verdicts
    from app.replies import services as replies

    ward, hospital = tree["ward"], tree["hospital"]
    # A name typed with a space and an invisible character before it (as a careless import might leave it): no
    # subject may start with either.
    ward.name = "\u200b\u00a0Ward One "
    hospital.email = "contact@hospital.example.org"
    staff = make_user(email="sister@example.org", provider=ward, display_name="Sam Sister")
    make_user(email="matron@example.org", provider=hospital, role="manager", display_name="Mo Matron")
    moderator = make_user(email="mod@example.org", moderator=True)
    author = make_user(email="author@example.org")
    welsh_author = make_user(email="awdur@example.org")
    passwordless = make_user(email="nopassword@example.org")
    passwordless.password_hash = None
    session.commit()

    with app.test_request_context("/"):
        # Accounts: sign up, sign up again, forgotten password, sign-in links with and without a password.
        accounts.sign_up(session, "new@example.org", "correct horse battery")
        accounts.sign_up(session, "author@example.org", "correct horse battery")
        accounts.request_password_reset(session, "author@example.org")
        links.request_link(session, "author@example.org")
        links.request_link(session, "nopassword@example.org")
        invite(session, ward, "invited@example.org", job_title="Ward clerk", invited_by=staff)
        following.ask_to_follow(session, ward, "follower@example.org")
        session.commit()

    # Telling a story (the confirmation), as a visitor does.
    client.post("/tell", data={
        "provider_code": "W1", "title": "Told on the web", "month": "3", "year": "2025", "author_role": "patient",
        "body": BODY, "public_name": "Ann", "email": "teller@example.org", "consent": "y",
        "submission_key": "words-1", "action": "tell"})

    with app.test_request_context("/"):
        # Moderation: publish (the author is told, the staff alerted), turn down, send back, hide, correct.
        for who, language in ((author, "en"), (welsh_author, "cy")):
            pending = [make_story(ward, author=who, title=f"Waiting {n} in {WORDS[language]}", body=BODY,
                                  language=language) for n in range(3)]
            moderation.publish(session, moderator, pending[0], pending[0].version,
                               moderation.Publication(3, [], pending[0].title, pending[0].body))
            moderation.reject(session, moderator, pending[1], pending[1].version, "spam", "It is an advert.")
            moderation.send_back(session, moderator, pending[2], pending[2].version, "Take out the nurse's name.")
            hidden = _published(make_story, ward, who, f"To hide in {WORDS[language]}", language=language)
            moderation.hide(session, moderator, hidden, hidden.version, "It names a patient.")
            corrected = _published(make_story, ward, who, f"To correct in {WORDS[language]}", language=language)
            fixing.correct(session, moderator, corrected, corrected.version, corrected.title,
                           corrected.body.replace("kind", "gentle"), "A name taken out.")
            session.commit()

            # The conversation: a reply, a change planned, no change, a change made; the author answers.
            story = _published(make_story, ward, who, f"Conversation in {WORDS[language]}", language=language,
                               criticality=4)
            replies.add_reply(session, staff, story, "I am sorry you waited. We are looking at the corridor.")
            changes.add_change(session, staff, story, "planned", "A second nurse on the corridor at night.",
                               due_on=utcnow().date() + timedelta(days=10), owner="Ward manager")
            changes.add_change(session, staff, story, "none", "The notes system is the trust's, not the ward's.")
            made = changes.add_change(session, staff, story, "made", "Notes now travel with the patient.",
                                      made_on=utcnow().date())
            session.commit()
            answer = replies.add_answer(session, who, story, "Thank you. I hope the next person waits less.")
            conversation.publish(session, moderator, answer)
            verdicts.record_verdict(session, who, made, "disputed", "I do not see it.")
            session.commit()

        story = _published(make_story, ward, author, "Safeguarding and rerouting", criticality=5)
        fixing.raise_safeguarding(session, moderator, story, "Someone may be at risk.")
        request = reroutes.request_reroute(session, staff, story, tree["other"], "This is the GP's.")
        reroutes.decline(session, moderator, request, "It is about the ward.")
        red_flags.check(session, [ward.id])
        session.commit()

    # Time passes: the follower's digest, the staff reminders and escalation, the change falling due.
    follow = session.scalars(select(following.Follow)).one()
    follow.confirmed_at = follow.last_sent_at = utcnow() - timedelta(days=1)  # confirmed before all this
    session.commit()
    # Ten days on (five working days or more, whatever the bank holidays), after the digest hour.
    later = (utcnow() + timedelta(days=10)).replace(hour=app.config["DIGEST_HOUR"], minute=30)
    clock.set(later)
    with app.test_request_context("/"):
        following.run_digests(session)
        reminders.send_due(session)
        session.commit()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_every_kind_of_email_is_made(every_email, templates_used):
    from config import BASE_DIR

    templates = {p.name.split(".")[0] for p in (BASE_DIR / "templates" / "mail").glob("*.txt")}
    missing = templates - templates_used - NOT_MADE_HERE
    kinds = sorted({m.kind for m in every_email})
    assert missing == set(), f"no email made from {sorted(missing)} (kinds made: {kinds})"


def test_no_email_shows_a_raw_identifier_or_a_known_slip(every_email):
    codes = raw_identifiers()
    problems = []
    for message in every_email:
        where = f"{message.kind} to {message.to_addr} ({message.subject!r})"
        subject = message.subject
        invisible = [c for c in (subject[:1], subject[-1:]) if c and unicodedata.category(c) in ("Cf", "Zs", "Cc")]
        if subject != subject.strip() or "  " in subject or not subject or invisible:
            problems.append(f"{where}: the subject has stray spaces")
        html_page = Page(message.body_html or "")
        texts = [subject, *message.body_text.splitlines(), *html_page.texts, *html_page.attribute_texts]
        # Links carry codes and tokens in their paths; people read the words around them.
        texts = [re.sub(r"https?://\S+", "", t) for t in texts]
        problems += [f"{where}: {slip}" for slip in identifier_slips(texts, codes)]
        problems += [f"{where}: {m.group(0)!r}" for t in texts for m in SLIPS.finditer(t)]
    assert problems == [], "\n".join(problems)


def test_a_welsh_authors_mail_is_welsh(every_email):
    welsh = [m for m in every_email if m.to_addr == "awdur@example.org"]
    assert len({m.kind for m in welsh}) >= 6
    for message in welsh:
        assert '<html lang="cy">' in message.body_html, message.kind
        assert not message.body_text.startswith("Hello"), message.kind
