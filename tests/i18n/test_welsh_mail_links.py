"""Links in email written in Welsh open Welsh pages in a browser without the language cookie (`lang=cy` added when
the email is rendered), and still do what they did: the tokens and signatures are untouched."""
from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.stories.models import PUBLISHED, Story
from app.web.i18n import in_language
from config import BASE_DIR
from tests.conftest import PASSWORD, link_in, login, text_of
from tests.i18n.telling import tell_in_welsh


def test_a_link_gets_the_language_only_in_mail_written_in_another_language(app):
    with app.test_request_context():
        with force_locale("cy"):
            assert in_language("http://localhost/stories/confirm/abc.def-_1") == \
                "http://localhost/stories/confirm/abc.def-_1?lang=cy"
            assert in_language("http://localhost/x?token=a.b&n=1#top") == "http://localhost/x?token=a.b&n=1&lang=cy#top"
            assert in_language("http://localhost/x?lang=en") == "http://localhost/x?lang=en"
            assert in_language("http://localhost") == "http://localhost/?lang=cy"
        with force_locale("en"):
            assert in_language("http://localhost/stories/confirm/abc") == "http://localhost/stories/confirm/abc"


def _opens_in_welsh(app, path: str) -> str:
    """A browser without the language cookie (and asking for English) opens the path."""
    fresh = app.test_client()
    response = fresh.get(path, headers={"Accept-Language": "en-GB,en"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert '<html lang="cy">' in response.get_data(as_text=True)
    return path


def test_every_link_in_a_welsh_confirmation_opens_a_welsh_page_and_still_works(app, client, session, tree,
                                                                               smtp_server, deliver):
    tell_in_welsh(client, "welsh-link")
    deliver()
    sent = smtp_server.last_to("awdur@example.org")
    link = link_in(sent, "/stories/confirm/")
    assert link.endswith("?lang=cy")
    assert f'href="http://localhost{link}"' in html.unescape(sent.get_body(preferencelist=("html",)).get_content())
    _opens_in_welsh(app, link)
    fresh = app.test_client()
    fresh.get(link)
    assert fresh.post(link, data={}).status_code == 302  # the token still confirms
    assert session.scalar(select(Story.status)) == "pending"


def test_a_welsh_sign_in_link_opens_welsh_pages(app, session, tree, make_user, make_story, smtp_server, deliver):
    author = make_user(email="cymro@example.org", display_name="")
    author.password_hash = None
    session.commit()
    make_story(tree["ward"], author=author, language="cy", title="Fy stori")
    asking = app.test_client()
    asking.get("/account/login?lang=cy")
    asking.post("/account/login/link", data={"link_email": "cymro@example.org"})
    deliver()
    link = link_in(smtp_server.last_to("cymro@example.org"), "/account/link/")
    assert link.endswith("?lang=cy")
    fresh = app.test_client()
    _opens_in_welsh(app, link)
    fresh.get(link)
    response = fresh.post(link, data={})
    assert response.status_code == 302
    mine = fresh.get(response.headers["Location"])
    assert '<html lang="cy">' in mine.get_data(as_text=True) and "Fy stori" in mine.get_data(as_text=True)


@pytest.mark.settings(RESPONDER_MODERATED_REPLIES=0)
def test_the_answer_and_change_check_links_to_a_welsh_author_open_welsh_pages(app, session, tree, make_user,
                                                                            make_story, smtp_server, deliver):
    author = make_user(email="awdur@example.org")
    make_user(email="ward@example.org", provider=tree["ward"], job_title="Ward sister")
    story = make_story(tree["ward"], author=author, status=PUBLISHED, language="cy", title="Llythyrau dryslyd")
    staff = app.test_client()
    login(staff, "ward@example.org", PASSWORD)
    staff.post(f"/stories/{story.id}/replies", data={"body": "Mae'n ddrwg gennym: byddwn yn newid y llythyrau."})
    deliver()
    update = smtp_server.last_to("awdur@example.org")
    assert "lang=cy" in link_in(update, f"/stories/{story.id}")
    answer = _opens_in_welsh(app, link_in(update, "/answer/"))
    assert app.test_client().post(answer, data={"body": "Diolch, ond roedd fy llythyr olaf yn hwyr."}).status_code \
        == 302
    smtp_server.clear()
    staff.post(f"/stories/{story.id}/changes", data={
        "kind": "made", "description": "Rydym wedi ailysgrifennu'r llythyrau apwyntiad.",
        "made_on": date.today().isoformat()})
    deliver()
    check = _opens_in_welsh(app, link_in(smtp_server.last_to("awdur@example.org"), "/check/"))
    assert "?lang=cy" in check


def test_an_english_authors_links_carry_no_language(app, client, session, tree, smtp_server, deliver):
    client.post("/tell?lang=en", data={
        "provider_code": "W1", "title": "Kind nurses", "month": "3", "year": "2025", "author_role": "patient",
        "body": "The nurses on the ward were kind and explained everything about my operation. Thank you.",
        "public_name": "", "email": "writer@example.org", "consent": "y", "submission_key": "english-link",
        "action": "tell"})
    deliver()
    assert "lang=" not in text_of(smtp_server.last_to("writer@example.org"))


def test_every_link_in_a_mail_template_goes_through_in_language():
    """A new link added to an email without |in_language would open in English for a Welsh reader."""
    offenders = []
    for path in sorted(Path(BASE_DIR, "templates", "mail").iterdir()):
        source = path.read_text(encoding="utf-8")
        for expression in re.findall(r"{{(.*?)}}", source) + re.findall(r"\burl=([^,%]+)", source):
            name = expression.strip()
            value = re.match(r"[\w.]+(\[[^\]]+\])?", name)  # a variable, not a sentence that says "link"
            if value and re.search(r"link|my_stories|site_url", value.group(0)) and "|in_language" not in name \
                    and not (name == "site_url" and f">{{{{ {name} }}}}<" in source):
                offenders.append(f"{path.name}: {name}")
    assert offenders == []
