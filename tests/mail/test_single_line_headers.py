"""Every mail header is one line: a subject built from a story title holding CR, LF or U+2028 neither breaks the
message nor injects a header, checked on built messages and through the real SMTP server."""
from __future__ import annotations

import email
import email.policy
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.extensions import utcnow
from app.mail.models import OutboxMessage
from app.mail.services import queue_email
from app.mail.transports import build_email, header_value

BREAKS = ["\r\n", "\r", "\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x00",
          "Bcc: victim@example.org", "\r\nBcc: victim@example.org", "\u2028X-Injected: yes", ": ", " ", "\t",
          "=?utf-8?q?=0D=0A?=", "é", "\u202e", "\ud800", "\ufffe", "\U0001f468\u200d\U0001f469"]
values = st.lists(st.one_of(st.sampled_from(BREAKS), st.text(max_size=30)), max_size=25).map("".join)
EXPECTED = {"from", "to", "subject", "message-id", "date", "auto-submitted", "list-unsubscribe",
            "list-unsubscribe-post", "content-type", "mime-version"}
HEADER_LINE = re.compile(rb"^(?:[!-9;-~]+:|[ \t])")


def _message(subject: str, header: str = "<https://example.org/u>") -> OutboxMessage:
    return OutboxMessage(message_id="<m1@example.org>", to_addr="staff@example.org", subject=subject,
                         body_text="Hello", body_html="<p>Hello</p>", created_at=utcnow(),
                         headers={"List-Unsubscribe": header, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


def _words(value) -> str:
    return "".join(str(value).split())


def _headers_of(raw: bytes) -> list[bytes]:
    return raw.split(b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n", 1)[0].splitlines()


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(values, values)
def test_a_built_message_keeps_one_line_per_header_whatever_the_subject(subject, unsubscribe):
    built = build_email(_message(subject, unsubscribe), "Storyloop <no-reply@example.org>")
    raw = bytes(built)
    # Each physical line of the head is a header or the folded continuation of one (leading space).
    assert all(HEADER_LINE.match(line) for line in _headers_of(raw)), raw[:2000]
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert {name.lower() for name in parsed.keys()} == EXPECTED
    # The same text (RFC 2047 drops the space between two encoded words, so a fold may lose one).
    assert _words(parsed["Subject"]) == _words(header_value(subject))
    assert _words(parsed["List-Unsubscribe"]) == _words(header_value(unsubscribe))
    assert len(str(parsed["Subject"]).splitlines()) <= 1


def test_a_subject_with_a_line_separator_builds_and_says_the_same_on_one_line():
    built = build_email(_message("Re: Ward 7\u2028Bcc: victim@example.org\r\nX-Injected: yes"), "s@example.org")
    parsed = email.message_from_bytes(bytes(built), policy=email.policy.default)
    assert parsed["Subject"] == "Re: Ward 7 Bcc: victim@example.org X-Injected: yes"
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None


def test_a_header_name_that_is_not_one_is_refused():
    message = _message("Hello")
    message.headers = {"X-Bad\r\nBcc": "victim@example.org"}
    try:
        build_email(message, "s@example.org")
    except ValueError:
        return
    raise AssertionError("a header name with a line break was accepted")


def test_a_queued_subject_is_stored_on_one_line(session):
    message = queue_email(session, "a@example.org", "confirm_email", "New story:\u2028\u202eBcc: x@example.org",
                          link="http://localhost/x")
    assert message.subject == "New story: Bcc: x@example.org"


def test_an_encoded_word_in_a_subject_cannot_become_a_bcc():
    """Python's email package decodes encoded words in a value it is given and writes out the CR LF they hold."""
    built = build_email(_message("Care =?utf-8?q?=0D=0ABcc:_victim@example.org?= at night"), "s@example.org")
    parsed = email.message_from_bytes(bytes(built), policy=email.policy.default)
    assert parsed["Bcc"] is None
    assert parsed["Subject"] == "Care =\u200b?utf-8?q?=0D=0ABcc:_victim@example.org?= at night"  # as typed, to a reader


@pytest.mark.parametrize("name", ["Ward\u2028Bcc: victim@example.org\r\nX-Injected: 1",
                                  "Ward =?utf-8?q?=0D=0ABcc:_victim@example.org=0D=0AX-Injected:_1?="])
def test_an_old_provider_name_reaches_staff_in_one_subject_line(session, make_provider, make_user, make_story,
                                                                smtp_server, deliver, name):
    """A name stored before the normaliser (straight into the database) still makes one sound alert."""
    from app.moderation import services as moderation

    ward = make_provider(code="W9", name=name, kind="hospital")
    make_user(email="staff@example.org", provider=ward)
    moderator = make_user(email="mod@example.org", moderator=True)
    story = make_story(ward, status="pending")
    moderation.publish(session, moderator, story, story.version, moderation.Publication(
        criticality=1, tags=[], title=story.title, body=story.body))
    session.commit()
    deliver()
    received = smtp_server.last_to("staff@example.org")
    assert received["Bcc"] is None and received["X-Injected"] is None
    assert len(str(received["Subject"]).splitlines()) == 1 and "Ward" in str(received["Subject"])
    assert not smtp_server.to("victim@example.org")
    assert session.query(OutboxMessage).filter(OutboxMessage.status != "sent").count() == 0


@pytest.mark.parametrize("tail", ["Stori arall 👩‍⚕️ i’w chyhoeddi", "café 👨‍👩‍👧 naïve résumé — “quoted” text",
                                  "Ysbyty Gwynedd: ‘Roedd y nyrsys yn garedig iawn’ 🏴󠁧󠁢󠁷󠁬󠁳󠁿 diolch"])
def test_a_subject_of_words_outside_ascii_keeps_every_space_at_any_length(tail):
    """Found by a black-box check: Python's folding at 78 split non-ASCII words into encoded words of their own,
    and RFC 2047 readers drop the space between two encoded words ("Stori arall  👩‍⚕️i’w chyhoeddi")."""
    for n in range(1, 120):
        subject = "x" * n + " New story: " + tail
        parsed = email.message_from_bytes(bytes(build_email(_message(subject), "s@example.org")),
                                          policy=email.policy.default)
        assert str(parsed["Subject"]) == subject, n
