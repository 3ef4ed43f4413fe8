"""The scale benchmark: the site's pages under load beside a bare Flask page, export, outbox and search rebuild.

    .venv/bin/python bench/run.py [--stories 100000] [--database URL] [--quick]

Builds (or grows) a corpus with bench/corpus.py, rebuilds search with `flask --app wsgi search rebuild`,
serves the site and bench/floor.py under the same gunicorn settings, and loads each page with wrk at 8 and
--connections (32) connections: the site as visitors get it (kept pages), with PAGE_CACHE_MB=0 (rendered, the
parts that are the same for every viewer reused) and with FRAGMENT_CACHE_MB=0 as well (nothing kept). The floor
is measured again just before each page, so a machine busy with other work slows both: the ratio of the page's
requests per second to the floor's is the figure that counts. Then each web worker's resident memory.
Then the pages staff and moderators see, signed in (bench/staff.py), at 8 and --connections connections.
Then the dataset export (stories per second, peak memory of its process) and the outbox worker
delivering to a local aiosmtpd server. Prints one Markdown table. Nothing here is asserted; tests
never time. `make test` does not run this.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
WRK_SCRIPT = """
local paths = {%s}
local n = 0
%s
setup = function(thread) thread:set("offset", math.random(1, #paths)) end
request = function()
  n = n + 1
  return wrk.format("GET", paths[((n + (offset or 0)) %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %%d, "seconds": %%f, "errors": %%d, "bad_status": %%d, '
    .. '"p50": %%f, "p95": %%f, "p99": %%f}\\n', summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""
EXPORT_CHILD = """
import json, resource, sys, time
from app import create_app
from app.extensions import db
from app.opendata.export import export_dataset
app = create_app()
with app.app_context():
    started = time.perf_counter()
    counts = export_dataset(db.session, sys.argv[1])
    seconds = time.perf_counter() - started
print(json.dumps({"counts": counts, "seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "children_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_wrk() -> str:
    if path := shutil.which("wrk"):
        return path
    print("wrk is missing: installing Debian's package")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("wrk") or "wrk"


def ensure_postgres_database(url: str) -> None:
    """Create the named database when it does not exist (the bench never uses a shared one)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


SERVERS: dict[str, subprocess.Popen] = {}  # base URL -> its gunicorn master, for its workers' memory


def workers_rss_mb(base: str) -> list[float]:
    """Resident memory of each worker process of the gunicorn serving `base`, in MB (Linux /proc)."""
    master = SERVERS[base].pid
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master):
            sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
    return sorted(sizes)


@contextmanager
def gunicorn(app_spec: str, port: int, workers: int, env: dict, chdir: Path = ROOT):
    # The site logs a line per request, as in production; to a file, so the bench prints only its figures.
    log = open(Path(env.get("STORYLOOP_INSTANCE_DIR", tempfile.gettempdir())) / f"gunicorn-{port}.log", "ab")
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                             "--log-level", "warning", "--chdir", str(chdir), app_spec], env=env, cwd=ROOT,
                            stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn for {app_spec} did not start") from None
                time.sleep(0.3)
        SERVERS[f"http://127.0.0.1:{port}"] = proc
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def status_of(url: str) -> int:
    try:
        return urllib.request.urlopen(url, timeout=30).status
    except urllib.error.HTTPError as e:
        return e.code


def wrk(binary: str, base: str, paths: list[str], seconds: int, connections: int, work: Path,
        headers: dict[str, str] | None = None) -> dict:
    """wrk over `paths` in turn (each thread from its own offset), sending `headers` (a signed-in cookie)."""
    script = work / "paths.lua"
    header_lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items())
    script.write_text(WRK_SCRIPT % (", ".join(json.dumps(p) for p in paths), header_lines))
    out = subprocess.run([binary, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
                          "-s", str(script), base], capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--database", help="SQLAlchemy URL; default: a SQLite file in the work folder. "
                        "A PostgreSQL database is created if missing and searched with SEARCH_BACKEND=postgres")
    parser.add_argument("--quick", action="store_true", help="3 s per measurement and 200 emails: a smoke run")
    parser.add_argument("--work", help="folder for the SQLite file, search index and export (kept; reused)")
    parser.add_argument("--seconds", type=int, help="wrk duration per measurement (default 10, 3 with --quick)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, for the site and the floor")
    parser.add_argument("--emails", type=int, help="outbox messages to deliver (default 2000, 200 with --quick)")
    parser.add_argument("--pages", help="only these rows, by name, comma-separated (e.g. 'story page,search'); the "
                                        "signed-in rows whose names hold one of them")
    parser.add_argument("--no-extras", action="store_true", help="pages only: no export, no outbox")
    parser.add_argument("--no-rebuild", action="store_true",
                        help="keep the search index of an earlier run in --work (to measure pages again)")
    args = parser.parse_args()
    seconds = args.seconds or (3 if args.quick else 10)
    emails = args.emails or (200 if args.quick else 2000)
    work = Path(args.work or tempfile.mkdtemp(prefix="storyloop-bench-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    url = args.database or f"sqlite:///{work / 'bench.db'}"
    postgres = url.startswith("postgresql")
    if postgres:
        ensure_postgres_database(url)
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "STORYLOOP_INSTANCE_DIR": str(work),
           "SEARCH_INDEX_DIR": str(work / "search-index"), "SEARCH_BACKEND": "postgres" if postgres else "whoosh",
           "RATELIMIT_ENABLED": "0", "MAIL_FILE_DIR": str(work / "mail"), "DATASET_DIR": str(work / "dataset"),
           "FLOOR_DB": str(work / "floor.db")}
    os.environ.update(env)  # the app made below reads the same settings as the servers
    binary = ensure_wrk()
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)

    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.stories.models import PUBLISHED, Story

    app = create_app()
    with app.app_context():
        have = db.session.scalar(select(func.count(Story.id))) or 0
    if have < args.stories:
        print(f"corpus: adding {args.stories - have} stories to {have} in {url}")
        started = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "bench" / "corpus.py"), "--stories", str(args.stories - have)],
                       env=env, cwd=ROOT, check=True)
        corpus_seconds = time.perf_counter() - started
        print(f"corpus: {args.stories - have} stories in {corpus_seconds:.0f} s")
    with app.app_context():
        total = db.session.scalar(select(func.count(Story.id))) or 0
        published = db.session.scalar(select(func.count(Story.id)).where(Story.status == PUBLISHED)) or 0
        story_ids = list(db.session.scalars(select(Story.id).where(Story.status == PUBLISHED)
                                            .order_by(func.random()).limit(200)))
        provider_codes = busiest_providers(db.session)

    rebuild_seconds = None
    if not args.no_rebuild:
        print(f"search rebuild ({env['SEARCH_BACKEND']}): {published} published stories")
        started = time.perf_counter()
        subprocess.run([*flask, "search", "rebuild"], env=env, cwd=ROOT, check=True, capture_output=True)
        rebuild_seconds = time.perf_counter() - started

    from bench.corpus import vocabulary
    from bench.floor import create as create_floor

    create_floor(env["FLOOR_DB"])
    words, _ = vocabulary()
    trust = provider_codes[-1]  # a top-level trust: a filter over its whole subtree
    search = {
        "common word": [f"/search?q={w}" for w in words[0:3]],
        "rare word": [f"/search?q={w}" for w in words[2000:2010]],
        "two words": [f"/search?q={a}+{b}" for a, b in zip(words[1:6], words[30:35], strict=True)],
        "phrase": [f"/search?q=%22{a}+{b}%22" for a, b in zip(words[0:5], words[1:6], strict=True)],
    }
    pages = [
        ("story list", ["/stories"]),
        ("story page", [f"/stories/{i}" for i in story_ids]),
        ("provider page", [f"/providers/{c}" for c in provider_codes]),
        ("insight page", [f"/providers/{c}/insight" for c in provider_codes]),
        *[(f"search: {name}", paths) for name, paths in search.items()],
        *[(f"search: {name}, one trust", [f"{p}&provider={trust}" for p in paths]) for name, paths in search.items()],
        ("API list", ["/api/v1/stories"]),
    ]
    if args.pages:
        wanted = {name.strip() for name in args.pages.split(",")}
        pages = [(name, paths) for name, paths in pages if name in wanted or name.split(":")[0] in wanted]
    connections = sorted({8, args.connections})
    rows = []
    memory = {}
    # The same site twice more: with its page cache off (every request renders its page, reusing the parts that
    # are the same for every viewer, as signed-in people get it), and with nothing kept at all.
    rendered_env = {**env, "PAGE_CACHE_MB": "0"}
    bare_env = {**env, "PAGE_CACHE_MB": "0", "FRAGMENT_CACHE_MB": "0"}
    with gunicorn("wsgi:app", free_port(), args.workers, env) as site, \
            gunicorn("wsgi:app", free_port(), args.workers, rendered_env) as rendering, \
            gunicorn("wsgi:app", free_port(), args.workers, bare_env) as bare, \
            gunicorn("floor:app", free_port(), args.workers, env, chdir=ROOT / "bench") as floor:
        for name, paths in pages:
            answer = status_of(site + paths[0])
            if answer != 200:
                rows.append((name, None, None, None, None, None, f"answers {answer}"))
                continue
            for server in (site, rendering, bare):
                wrk(binary, server, paths, 1, max(connections), work)  # warm the workers and their kept parts
            for c in connections:
                base = wrk(binary, floor, ["/"], seconds, c, work)
                page = wrk(binary, site, paths, seconds, c, work)
                rendered = wrk(binary, rendering, paths, seconds, c, work)
                nothing = wrk(binary, bare, paths, seconds, c, work)
                bad = [f"{r['errors']} socket errors, {r['bad_status']} non-2xx" for r in (page, rendered, nothing)
                       if r["errors"] or r["bad_status"]]
                rows.append((name, c, page, base, rendered, nothing, "; ".join(bad)))
                print(f"  {name} @{c}: kept {page['rps']:.0f} req/s, rendered {rendered['rps']:.0f}, nothing kept "
                      f"{nothing['rps']:.0f} (floor {base['rps']:.0f})", flush=True)
        # The pages staff and moderators see, signed in (never kept): at 8 connections and at --connections.
        from bench.staff import measure as measure_staff
        from bench.staff import prepare as prepare_staff

        with app.app_context():
            staff_pages = prepare_staff(db.session)
        # --pages picks the signed-in rows too, by the start of their names ("story page" takes both story pages).
        only = sorted({n.strip() for n in args.pages.split(",")}) if args.pages else None
        staff_rows = measure_staff(binary, site, floor, staff_pages, connections, seconds, work, only=only)
        memory = {"site (pages kept)": workers_rss_mb(site), "rendered": workers_rss_mb(rendering),
                  "nothing kept": workers_rss_mb(bare), "floor": workers_rss_mb(floor)}

    export = None if args.no_extras else run_export(work, env)
    outbox = None if args.no_extras else run_outbox(app, emails)

    backend = "PostgreSQL" if postgres else "SQLite"
    print(f"\n{backend}, {total:,} stories ({published:,} published), gunicorn {args.workers} sync workers, "
          f"wrk {args.connections} connections, {seconds} s per measurement, {os.cpu_count()} cores\n")
    print("| page | conns | floor req/s | kept req/s | kept p99 ms | **kept ratio** | rendered req/s "
          "| rendered p99 ms | **rendered ratio** | nothing kept req/s | nothing kept p99 ms | nothing kept ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, c, page, base, rendered, nothing, note in rows:
        if page is None:
            print(f"| {name} | {note} | | | | | | | | | | |")
            continue
        print(f"| {name} | {c} | {base['rps']:.0f} | {page['rps']:.0f} | {page['p99']:.1f} | "
              f"**{page['rps'] / base['rps']:.2f}** | {rendered['rps']:.0f} | {rendered['p99']:.1f} | "
              f"**{rendered['rps'] / base['rps']:.2f}** | {nothing['rps']:.0f} | {nothing['p99']:.1f} | "
              f"{nothing['rps'] / base['rps']:.2f}" + (f" ({note})" if note else "") + " |")
    print("\n(kept: the site as visitors get it; rendered: PAGE_CACHE_MB=0, so every request renders its page, "
          "reusing the parts that are the same for every viewer, as signed-in people get them; nothing kept: "
          "FRAGMENT_CACHE_MB=0 as well)")
    if memory:
        print("\nResident memory of each worker after the run (MB): " + "; ".join(
            f"{name} {', '.join(f'{mb:.0f}' for mb in sizes)}" for name, sizes in memory.items()))
    from bench.staff import table as staff_table

    print("\nSigned in (bench/staff.py; each page's floor measured just before it):\n")
    print(staff_table(staff_rows))
    if export is None or outbox is None:
        print(f"\nwork folder: {work}")
        return
    stories = export["counts"].get("stories", 0)
    children = (f", each of its {os.environ.get('EXPORT_PROCS', 2)} writing processes at most "
                f"{export['children_peak_mb']:.0f} MB" if export.get("children_peak_mb") else " (one process)")
    print(f"\n* dataset export: {stories:,} stories in {export['seconds']:.1f} s = "
          f"{stories / export['seconds']:,.0f} stories/s, peak memory {export['peak_mb']:.0f} MB{children}")
    print(f"* outbox: {outbox['sent']:,} emails to a local aiosmtpd in {outbox['seconds']:.1f} s = "
          f"{outbox['sent'] / outbox['seconds']:,.0f} emails/s ({outbox['received']} received, "
          f"{outbox['failed']} failed)")
    if rebuild_seconds is None:
        print("* search rebuild: skipped (--no-rebuild; the index from an earlier run was used)")
    else:
        print(f"* search rebuild ({env['SEARCH_BACKEND']}): {published:,} stories in {rebuild_seconds:.1f} s = "
              f"{published / rebuild_seconds:,.0f} stories/s (the `flask` command, start-up included)")
    print(f"\nwork folder: {work}")


def busiest_providers(session) -> list[str]:
    """Providers with the most stories of their own, across kinds: the provider pages people visit."""
    from sqlalchemy import func, select

    from app.directory.models import Provider
    from app.stories.models import PUBLISHED, Story

    rows = session.execute(select(Provider.code, Provider.kind, func.count(Story.id))
                           .join(Story, Story.provider_id == Provider.id).where(Story.status == PUBLISHED)
                           .group_by(Provider.code, Provider.kind).order_by(func.count(Story.id).desc())
                           .limit(200)).all()
    by_kind: dict[str, list[str]] = {}
    for code, kind, _ in rows:
        by_kind.setdefault(kind, []).append(code)
    picked = [c for codes in by_kind.values() for c in codes[:10]]
    # A trust's page lists everything below it: include the busiest trusts too.
    trusts = session.scalars(select(Provider.code).where(Provider.kind == "trust", Provider.parent_id.is_(None))
                             .order_by(Provider.id).limit(5))
    return picked + list(trusts)


def run_export(work: Path, env: dict) -> dict:
    """The dataset export in a process of its own, so its peak memory is its own."""
    target = work / "export"
    shutil.rmtree(target, ignore_errors=True)
    out = subprocess.run([sys.executable, "-c", EXPORT_CHILD, str(target)], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run_outbox(app, count: int) -> dict:
    """Queue `count` messages through the outbox, then time one worker pass delivering them to aiosmtpd."""
    from aiosmtpd.controller import Controller
    from sqlalchemy import update

    from app.extensions import db
    from app.mail.models import OutboxMessage
    from app.mail.services import queue_email
    from app.mail.worker import OutboxWorker

    class Counting:
        received = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            Counting.received += 1
            return "250 OK"

    port = free_port()
    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False, SMTP_USER=None)
        with app.app_context():
            # Earlier runs' leftovers must not be counted: settle them first.
            db.session.execute(update(OutboxMessage).where(OutboxMessage.status == "queued")
                               .values(status="sent"))
            for i in range(count):
                queue_email(db.session, f"reader-{i}@example.org", "confirm_email", "Confirm your email address",
                            kind="bench", link=f"https://example.org/confirm/{i}")
            db.session.commit()
        # Only delivery is timed: the worker's scheduled jobs (digests, an index rebuild when the index is
        # missing) would otherwise run inside the measurement.
        app.extensions["jobs"] = {}
        worker = OutboxWorker(app)
        started = time.perf_counter()
        sent, failed = worker.run_once()
        seconds = time.perf_counter() - started
    finally:
        controller.stop()
    return {"sent": sent, "failed": failed, "seconds": seconds, "received": Counting.received}


if __name__ == "__main__":
    main()
