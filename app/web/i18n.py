"""The language a page speaks: `?lang=` (then kept in a cookie), else the cookie, else the browser's
Accept-Language, else English. Public pages, author pages and author email have a Welsh catalogue
(translations/cy); staff, moderator and admin pages stay in English.

A page's words depend on the language, so the kept pages (app/web/cache.py) are keyed by it and every response
whose language came from the cookie or Accept-Language says `Vary: Cookie, Accept-Language` to any cache
between us and the visitor.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from flask import Flask, Response, g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString

from app.extensions import babel

log = logging.getLogger(__name__)

# The languages the site speaks, by code, each named in its own words (for the switch).
LANGUAGES = {"en": "English", "cy": "Cymraeg"}
DEFAULT = "en"
# The language attribute of <html> for each: the site writes British English.
HTML_LANG = {"en": "en-GB", "cy": "cy"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(app.root_path).parent / "translations"))
    compile_catalogues(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    babel.init_app(app, locale_selector=select_locale)
    # A {% trans %} block's line breaks and indents are one space, in the catalogue too (babel.cfg).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Flask-Babel's callables find the request's catalogue again for every string (a page has a hundred or more):
    # the same catalogue, found once per request and locale.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.after_request(keep_language)
    app.jinja_env.filters["in_language"] = in_language

    @app.context_processor
    def language_for_templates():
        return {"current_language": current_language, "html_lang": lambda: HTML_LANG[current_language()],
                "language_links": language_links, "label": label}


def compile_catalogues(folder: Path) -> None:
    """Compile each language's .po into the .mo the site reads, when the .mo is missing or older.

    `make run` and `make test` compile too (make translations-compile); this covers a deployment or a test run
    that did not, so a Welsh visitor never silently gets English. Written beside and renamed into place, so
    processes starting together never read half a file.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        try:
            if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
                continue
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parent.parent.name)
            partial = mo.with_suffix(f".{os.getpid()}.tmp")
            with partial.open("wb") as target:
                write_mo(target, catalogue)
            os.replace(partial, mo)
        except OSError:
            log.exception("cannot compile %s: run `make translations-compile`", po)


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT  # a job or the command line: English unless a caller forces another
    chosen, source = _choose()
    g.language_source = source
    return chosen


def _choose() -> tuple[str, str]:
    asked = request.args.get("lang", "")
    if asked in LANGUAGES:
        return asked, "query"
    kept = request.cookies.get(COOKIE, "")
    if kept in LANGUAGES:
        return kept, "cookie"
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT), "header"


def translations():
    """Flask-Babel's catalogue for this request's locale, kept beside the locale it was found for, so a
    `force_locale` (email in the author's language) or a `refresh` finds its own."""
    try:
        context = g._flask_babel
        kept_for, kept = context.storyloop_translations
        if kept_for is context.babel_locale:
            return kept
    except (AttributeError, RuntimeError):
        pass  # not looked up yet in this request, or no application context at all
    found = get_translations()
    if has_app_context() and (context := g.get("_flask_babel")) is not None \
            and getattr(context, "babel_locale", None) is not None:
        context.storyloop_translations = (context.babel_locale, found)
    return found


def _gettext_now(string: str, **variables) -> str:
    found = translations().ugettext(string)
    return found % variables if variables else found


def lazy_gettext(string: str, **variables) -> LazyString:
    """Flask-Babel's lazy_gettext, looked up through `translations()`: a form's labels and hints are read on every
    render, and Flask-Babel's own path finds the request's catalogue again for each (three context lookups)."""
    return LazyString(_gettext_now, string, **variables)


def current_language() -> str:
    """The chosen language's code ("en" or "cy")."""
    try:
        locale = g._flask_babel.babel_locale
    except (AttributeError, RuntimeError):
        locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


def label(text: str) -> str:
    """A label kept in data (a status, a role, a tag, a reason; marked with N_) in the visitor's language.

    Templates use this, not _(), for text that is not written in the template: Jinja's _() treats its text as a
    format string, and a label holding "%" (a tag an administrator named "50% off") must not break the page.
    """
    return translations().ugettext(text) if text else text


def in_language(url: str) -> str:
    """A link in an email, opening the page in the language the email is written in (`|in_language` on every link
    of templates/mail/). A browser without the language cookie, or with another, would show the default language:
    for any other, `lang=` is added (the page then keeps it in the cookie). Email is rendered under force_locale, so
    this is the email's language, not that of the request that queued it. Only a query parameter is added: the
    path, and any token in it or in the query, are untouched, so no signature changes."""
    code = current_language()
    if not url or code == DEFAULT:
        return url
    parts = urlsplit(url)
    if "lang" in parse_qs(parts.query):
        return url
    query = f"{parts.query}&lang={code}" if parts.query else f"lang={code}"
    return urlunsplit(parts._replace(path=parts.path or "/", query=query))


def language_links() -> list[dict[str, str]]:
    """The switch: a plain link to this same page in each other language (no JavaScript needed)."""
    links = []
    for code, name in LANGUAGES.items():
        if code == current_language():
            continue
        args = [("lang", code)] + [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        links.append({"code": code, "name": name, "href": f"{request.path}?{urlencode(args)}"})
    return links


def keep_language(response: Response) -> Response:
    """Keep a language chosen with ?lang= in a cookie, and tell caches what the language depended on."""
    current_language()  # make sure the choice was made (and its source noted) even on a page without words
    source = g.get("language_source")
    asked = request.args.get("lang", "")
    if source == "query" and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    if source in ("cookie", "header"):
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
    if not request.path.startswith("/api/"):
        # The API's answers are the same data, in English field names and words, whatever the visitor chose.
        response.headers.setdefault("Content-Language", HTML_LANG[current_language()])
    return response


def translated_choices(labels: dict[str, str]) -> list[tuple[str, object]]:
    """A form's choices from a dict of English labels (marked with N_), each shown in the visitor's language."""
    return [(key, lazy_gettext(label)) for key, label in labels.items()]
