"""The pages staff and moderators see, signed in, under load beside the bare-Flask floor.

    .venv/bin/python bench/staff.py --work /tmp/bench-100k [--connections 8 32] [--seconds 10]

Uses the corpus of an earlier `bench/run.py` in --work (or DATABASE_URL). Makes two accounts once (a
moderator, and a responder of the trust with the most stories below it, so their dashboard covers the
most rows), signs each in through the real login form, and loads with wrk, carrying the session cookie:
the story list, a story page (another service's, and one of the responder's own with its reply forms), a
provider page and search as the responder sees them, the staff dashboard, the moderation queue, a
moderation item page, and the provider insight page. Each page's paths are loaded three times before it is
measured, so the figures are the steady state, not each story's first render. The
floor is measured again before each page and connection count. Signed-in pages are never kept by the
page cache, so these are rendered figures. `bench/run.py` calls `measure` for the same rows.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench staff password 2026"
MODERATOR = "bench-moderator@example.org"
RESPONDER = "bench-responder@example.org"


def prepare(session) -> dict:
    """The two accounts (made once) and the paths each page is loaded with."""
    from sqlalchemy import func, select

    from app.accounts.models import Membership, User
    from app.accounts.passwords import hash_password
    from app.accounts.services import create_site_user
    from app.directory.models import Provider
    from app.directory.services import descendant_ids_cte
    from app.extensions import utcnow
    from app.stories.models import PENDING, PUBLISHED, Story

    if session.scalar(select(User).where(User.email == MODERATOR)) is None:
        create_site_user(session, MODERATOR, "moderator", PASSWORD)
    responder = session.scalar(select(User).where(User.email == RESPONDER))
    if responder is None:
        responder = User(email=RESPONDER, password_hash=hash_password(PASSWORD), email_confirmed_at=utcnow(),
                         display_name="Bench responder")
        session.add(responder)
        session.flush()
    if not responder.memberships:
        best, most = None, -1
        for trust in session.scalars(select(Provider.id).where(Provider.kind == "trust",
                                                                Provider.parent_id.is_(None))):
            below = descendant_ids_cte(trust)
            n = session.scalar(select(func.count(Story.id)).where(Story.status == PUBLISHED,
                                                                  Story.provider_id.in_(select(below.c.id))))
            if n > most:
                best, most = trust, n
        session.add(Membership(user_id=responder.id, provider_id=best, role="manager", job_title="Bench"))
    session.commit()
    pending = list(session.scalars(select(Story.id).where(Story.status == PENDING)
                                   .order_by(func.random()).limit(100)))
    trust_code = session.scalar(select(Provider.code).join(Membership, Membership.provider_id == Provider.id)
                                .where(Membership.user_id == responder.id))
    codes = list(session.scalars(select(Provider.code).order_by(func.random()).limit(50)))
    trust_id = session.scalar(select(Provider.id).where(Provider.code == trust_code))
    own = list(session.scalars(select(Story.id).where(Story.status == PUBLISHED,
                                                      Story.provider_id.in_(select(descendant_ids_cte(trust_id).c.id)))
                               .order_by(func.random()).limit(100)))
    others = list(session.scalars(select(Story.id).where(Story.status == PUBLISHED).order_by(func.random()).limit(100)))
    return {
        # The public pages, signed in: never given kept pages, they reuse the parts the same for every viewer.
        "story list (signed in)": (RESPONDER, ["/stories"]),
        "story page, another service's (signed in)": (RESPONDER, [f"/stories/{i}" for i in others]),
        "story page, own service's, with its forms": (RESPONDER, [f"/stories/{i}" for i in own]),
        "provider page (signed in)": (RESPONDER, [f"/providers/{c}" for c in codes]),
        "search (signed in)": (RESPONDER, ["/search?q=nurse", "/search?q=waiting+parking", '/search?q="ward+staff"']),
        "staff dashboard": (RESPONDER, ["/dashboard"]),
        "moderation queue": (MODERATOR, ["/moderation/"]),
        "moderation item": (MODERATOR, [f"/moderation/stories/{i}" for i in pending]),
        "insight (trust, signed in)": (RESPONDER, [f"/providers/{trust_code}/insight"]),
        "insight (any, signed in)": (RESPONDER, [f"/providers/{c}/insight" for c in codes]),
    }


def sign_in(base: str, email: str) -> str:
    """The session cookie a real sign-in through the form gives."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", "storyloop-bench")]
    page = opener.open(base + "/account/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token.group(1)}).encode()
    opener.open(base + "/account/login", data=data).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    check = urllib.request.Request(base + "/dashboard", headers={"Cookie": cookie, "User-Agent": "storyloop-bench"})
    with urllib.request.urlopen(check) as answer:
        if "/account/login" in answer.url:
            raise RuntimeError(f"signing in as {email} failed")
    return cookie


def wrk(binary: str, base: str, paths: list[str], cookie: str, seconds: int, connections: int, work: Path) -> dict:
    from bench.run import wrk as run_wrk

    return run_wrk(binary, base, paths, seconds, connections, work,
                   headers={"Cookie": cookie, "User-Agent": "storyloop-bench"})


def measure(binary: str, site: str, floor: str, pages: dict, connections: list[int], seconds: int,
            work: Path, only: list[str] | None = None) -> list[tuple]:
    """Rows of (page, connections, page figures, floor figures), the floor measured just before each page."""
    cookies = {email: sign_in(site, email) for email in {e for e, _ in pages.values()}}
    rows = []
    for name, (email, paths) in pages.items():
        if only and not any(o in name for o in only):
            continue
        # Warm the workers: every path a few times (both workers see each story once or more), so the figures are
        # the steady state of kept parts, not the first render of each of 100 stories (10-15 ms each).
        for path in paths * 3:
            with urllib.request.urlopen(urllib.request.Request(
                    site + path, headers={"Cookie": cookies[email], "User-Agent": "storyloop-bench"})) as answer:
                answer.read()
        wrk(binary, site, paths, cookies[email], 1, max(connections), work)
        for c in connections:
            base = wrk(binary, floor, ["/"], "", seconds, c, work)
            page = wrk(binary, site, paths, cookies[email], seconds, c, work)
            rows.append((name, c, page, base))
            print(f"  {name} @{c}: {page['rps']:.0f} req/s, p99 {page['p99']:.1f} ms "
                  f"(floor {base['rps']:.0f}) ratio {page['rps'] / base['rps']:.2f}"
                  + (f" [{page['errors']} errors, {page['bad_status']} non-2xx]"
                     if page["errors"] or page["bad_status"] else ""), flush=True)
    return rows


def table(rows: list[tuple]) -> str:
    lines = ["| page (signed in) | connections | req/s | p50 ms | p99 ms | floor req/s | floor p99 | **ratio** |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, c, page, base in rows:
        lines.append(f"| {name} | {c} | {page['rps']:.0f} | {page['p50']:.1f} | {page['p99']:.1f} | "
                     f"{base['rps']:.0f} | {base['p99']:.1f} | **{page['rps'] / base['rps']:.2f}** |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", required=True, help="the work folder of an earlier bench/run.py")
    parser.add_argument("--database", help="SQLAlchemy URL; default: the SQLite file in the work folder")
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="pages whose name holds one of these words")
    args = parser.parse_args()
    from bench.run import ensure_wrk, free_port, gunicorn

    work = Path(args.work).resolve()
    url = args.database or f"sqlite:///{work / 'bench.db'}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "STORYLOOP_INSTANCE_DIR": str(work),
           "SEARCH_INDEX_DIR": str(work / "search-index"),
           "SEARCH_BACKEND": "postgres" if url.startswith("postgresql") else "whoosh",
           "RATELIMIT_ENABLED": "0", "MAIL_FILE_DIR": str(work / "mail"), "DATASET_DIR": str(work / "dataset"),
           "FLOOR_DB": str(work / "floor.db")}
    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from bench.floor import create as create_floor

    app = create_app()
    with app.app_context():
        pages = prepare(db.session)
    create_floor(env["FLOOR_DB"])
    binary = ensure_wrk()
    with gunicorn("wsgi:app", free_port(), args.workers, env) as site, \
            gunicorn("floor:app", free_port(), args.workers, env, chdir=ROOT / "bench") as floor:
        rows = measure(binary, site, floor, pages, args.connections, args.seconds, work, args.only)
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
