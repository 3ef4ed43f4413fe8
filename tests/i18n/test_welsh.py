"""Storyloop in Welsh: every public page type, a Welsh story page, Welsh mail to an author whoever acts, real plurals
in both languages, and a Welsh telling that reaches moderation as a Welsh story."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select

from app.insight import words
from app.insight.response import describe_wait
from app.mail.models import OutboxMessage
from app.moderation.services import send_back
from app.stories import readcounts
from app.stories.models import PENDING, PUBLISHED, Story
from tests.conftest import link_in, login
from tests.hardening.conftest import world  # noqa: F401  (the hardening tests' world, every kind of visitor)
from tests.hardening.test_accessibility import PAGE_TYPES, _path
from tests.i18n.telling import tell_in_welsh
from tests.i18n.test_catalogue import CATALOGUE

# Who meets Welsh pages: visitors, authors and a provider's responders (staff, moderator and admin pages stay
# English, as the accessibility statement says).
PUBLIC_ROLES = ("anonymous", "author", "staff")
WELSH_PAGES = [(name, role, path) for name, role, path in PAGE_TYPES if role in PUBLIC_ROLES]


@pytest.fixture(scope="module")
def english_sentences() -> set[str]:
    """Whole English sentences from the catalogue (no placeholders, no markup): none may show on a Welsh page."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="cy")
    return {m.id for m in catalogue if isinstance(m.id, str) and len(m.id) >= 25 and "%" not in m.id
            and "<" not in m.id and m.string and m.string != m.id}


@pytest.fixture(scope="module")
def english_labels() -> set[str]:
    """Short English words and labels from the catalogue (a status, a role, a kind of service, a button): on a
    Welsh page none may be the whole text of an element."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle, locale="cy")
    return {m.id for m in catalogue if isinstance(m.id, str) and "%" not in m.id and "<" not in m.id
            and len(m.id) >= 4 and m.string and m.string != m.id}


def text_of(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.mark.parametrize("name, role, template", WELSH_PAGES, ids=[n for n, _r, _p in WELSH_PAGES])
def test_every_public_page_type_speaks_welsh(app, world, english_sentences, english_labels, name, role,  # noqa: F811
                                             template):
    client = app.test_client()
    client.set_cookie("lang", "cy")
    if role != "anonymous":
        login(client, world.users[role].email)
    response = client.get(_path(template, world))
    assert response.status_code < 500
    page = response.get_data(as_text=True)
    assert '<html lang="cy">' in page and response.headers["Content-Language"] == "cy"
    shown = " ".join(text_of(response).split())
    leaked = sorted(s for s in english_sentences if s in shown)
    assert leaked == [], f"{name}: English left on a Welsh page: {leaked}"
    elements = {html.unescape(" ".join(t.split())) for t in re.findall(r">([^<>]+)<", page)}
    elements -= {world.published.title, world.pending.title}  # what people wrote stays as they wrote it
    assert sorted(elements & english_labels) == [], f"{name}: English labels on a Welsh page"
    assert 'hreflang="en">English</a>' in page


def test_a_story_told_in_welsh_says_so_on_its_page(client, tree, make_story):
    story = make_story(tree["ward"], status=PUBLISHED, language="cy", title="Nyrsys caredig")
    welsh = client.get(f"/stories/{story.id}?lang=cy").get_data(as_text=True)
    assert "adroddwyd yn Gymraeg" in welsh and "Ymatebion" in welsh and "Nyrsys caredig" in welsh
    english = client.get(f"/stories/{story.id}?lang=en").get_data(as_text=True)
    assert "told in Welsh" in english and "Responses" in english


def test_an_author_who_told_in_welsh_hears_in_welsh_whoever_acts(app, session, tree, make_story, make_user):
    story = make_story(tree["ward"], status=PENDING, language="cy", title="Aros yn hir")
    moderator = make_user(moderator=True)
    # The moderator's own page is English: the author's mail still goes in the story's language.
    with app.test_request_context("/moderation/", headers={"Accept-Language": "en"}):
        send_back(session, moderator, story, story.version, "Tynnwch enw'r nyrs, os gwelwch yn dda.")
        session.commit()
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == story.author.email)).one()
    assert message.subject == "Newidiwch eich stori cyn i ni ei chyhoeddi"
    assert message.body_text.startswith("Helo,") and "Golygu eich stori:" in message.body_text
    assert "Aros yn hir" in message.body_text and "Hello" not in message.body_text
    assert '<html lang="cy">' in message.body_html


def test_an_author_who_told_in_english_hears_in_english_from_a_welsh_moderator(app, session, tree, make_story,
                                                                               make_user):
    story = make_story(tree["ward"], status=PENDING, language="en")
    moderator = make_user(moderator=True)
    with app.test_request_context("/moderation/?lang=cy"):
        send_back(session, moderator, story, story.version, "Please take out the nurse's name.")
        session.commit()
    message = session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == story.author.email)).one()
    assert message.subject == "Please change your story before we publish it"
    assert message.body_text.startswith("Hello,")


def test_telling_in_welsh_makes_a_welsh_story_and_a_welsh_confirmation(client, session, tree, smtp_server,
                                                                       deliver):
    response = tell_in_welsh(client, "welsh-1")
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Diolch am eich stori" in thanks
    story = session.scalar(select(Story))
    assert story.language == "cy"
    deliver()
    sent = smtp_server.last_to("awdur@example.org")
    assert sent["Subject"] == "Cadarnhewch eich stori ar gyfer Storyloop"
    assert link_in(sent, "/stories/confirm/")


def test_an_account_email_goes_in_the_language_of_the_page_that_asked(client, session, smtp_server, deliver):
    client.get("/?lang=cy")
    client.post("/account/signup", data={"email": "newydd@example.org", "password": "correct horse battery",
                                         "confirm": "correct horse battery"})
    deliver()
    assert smtp_server.last_to("newydd@example.org")["Subject"] == "Cadarnhewch eich cyfeiriad e-bost"


def test_a_welsh_form_error_is_in_welsh(client, tree):
    page = client.post("/tell?lang=cy", data={"action": "tell", "provider_code": "W1"}).get_data(as_text=True)
    assert "Mae problem" in page and "Rhowch deitl o ychydig eiriau i'ch stori." in page


@pytest.mark.parametrize("locale, one, two, many", [
    ("en", "1 minute", "2 minutes", "45 minutes"),
    ("cy", "1 munud", "2 munud", "45 munud"),
])
def test_waits_have_real_plurals(app, locale, one, two, many):
    with app.test_request_context(), force_locale(locale):
        assert describe_wait(timedelta(seconds=50)) == one
        assert describe_wait(timedelta(minutes=2)) == two
        assert describe_wait(timedelta(minutes=45)) == many


@pytest.mark.parametrize("locale, expected", [
    ("en", ["1 working day", "2 working days", "1 story", "3 stories"]),
    ("cy", ["1 diwrnod gwaith", "2 diwrnod gwaith", "1 stori", "3 stori"]),
])
def test_counts_in_the_insight_words_have_real_plurals(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert [words.working_days(1), words.working_days(2), words._stories(1), words._stories(3)] == expected


# Kept pages and kept story content do not show read counts as they move (within PAGE_CACHE_SECONDS): off here.
@pytest.mark.settings(FRAGMENT_CACHE_MB=0)
@pytest.mark.parametrize("locale, once, twice", [("en", "Read 1 time.", "Read 2 times."),
                                                 ("cy", "Darllenwyd 1 gwaith.", "Darllenwyd 2 gwaith.")])
def test_the_story_page_counts_reads_with_real_plurals(app, client, tree, make_story, session, locale, once, twice):
    story = make_story(tree["ward"], status=PUBLISHED)
    story.read_count = 1  # the page shows the count before this read adds one
    session.commit()
    assert once in client.get(f"/stories/{story.id}?lang={locale}").get_data(as_text=True)
    readcounts.flush(app)
    # Another address: the first is now a kept page, which does not show read counts as they move.
    assert twice in client.get(f"/stories/{story.id}?lang={locale}&again=1").get_data(as_text=True)


def test_no_template_builds_a_plural_by_hand():
    """"1 minutes" and "of 1 replies" came from `{{ 's' if n != 1 }}` and friends: plurals go through ngettext
    ({% pluralize %}) now, on every page people read."""
    from tests.i18n.test_catalogue import BASE_DIR, PUBLIC_TEMPLATES

    hand_made = re.compile(r"""else ['"]s['"]|if [^%}]*== 1 else|stor\{\{|'y' if""")
    offenders = [p for p in PUBLIC_TEMPLATES if hand_made.search((BASE_DIR / p).read_text(encoding="utf-8"))]
    assert offenders == []
