"""Black-box attack tests for issue 17, the outbox and jobs: one bad message or job never stops the mail.

Written from the issue text and README only; every step goes through the site's pages, API, feeds, CSVs and mail.
"""
from __future__ import annotations

from tests.blackbox.conftest import moderate, signed

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
