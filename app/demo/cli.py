"""`flask --app wsgi demo load`: a demo directory, demo staff and site accounts, stories taken through the response
loop, and N stories in every state."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.accounts.models import Membership, User
from app.accounts.passwords import hash_password
from app.demo.loop import load_loop
from app.demo.stories import load_stories
from app.directory.importer import KIND_SERVICE_TYPES
from app.directory.models import Provider
from app.extensions import db, utcnow
from app.stories.tags import ensure_tags

demo_cli = AppGroup("demo", help="Demo data for local runs.")

DEMO_PASSWORD = "storyloop demo password"

TRUSTS = [
    ("RDM", "Riverside Health NHS Foundation Trust", "RD1 1AA", [
        ("RDM01", "Riverside General Hospital", "RD1 2BB",
         ["Accident and Emergency", "Ward 7 (Acute Medicine)", "Maternity Unit", "Children's Ward", "Outpatients"]),
        ("RDM02", "St Anne's Community Hospital", "RD4 3CC",
         ["Rehabilitation Ward", "Minor Injuries Unit", "Physiotherapy"]),
    ]),
    ("HLT", "Hillside Teaching Hospitals NHS Trust", "HL2 4DD", [
        ("HLT01", "Hillside Royal Infirmary", "HL2 5EE",
         ["Cardiology", "Ward 12 (Surgery)", "Intensive Care Unit", "Oncology Day Unit", "Radiology"]),
        ("HLT02", "Hillside Eye Hospital", "HL3 6FF", ["Eye Casualty", "Cataract Clinic"]),
    ]),
    ("CMH", "Coastal Mental Health Partnership", "CM5 7GG", [
        ("CMH01", "Harbour View Unit", "CM5 8HH", ["Bay Ward (Adult Acute)", "Crisis Team"]),
    ]),
    # In Wales: Welsh names first, as the services there write them.
    ("CGW", "Bwrdd Iechyd Prifysgol Cwm Gwyrdd (Cwm Gwyrdd University Health Board)", "CG1 1AA", [
        ("CGW01", "Ysbyty Cwm Gwyrdd (Cwm Gwyrdd Hospital)", "CG1 2BB",
         ["Adran Achosion Brys (Emergency Department)", "Ward Dewi", "Uned Mamolaeth (Maternity Unit)",
          "Tîm Iechyd Meddwl Cymunedol (Community Mental Health Team)"]),
    ]),
]
STANDALONE = [
    ("Y10001", "Market Street Surgery", "gp_practice", "RD1 4JJ"),
    ("Y10002", "Parkside Medical Centre", "gp_practice", "HL2 9KK"),
    ("Y10003", "The Green Health Centre", "gp_practice", "CM5 1LL"),
    ("CH0001", "Willow Court Care Home", "care_home", "RD6 2MM"),
    ("CH0002", "Beacon House Nursing Home", "care_home", "HL7 3NN"),
    ("SV0001", "County Patient Transport Service", "service", "RD9 4PP"),
    ("SV0002", "Northshire Community Dental Service", "service", "HL8 5QQ"),
    ("W10001", "Meddygfa'r Bont (Bridge Surgery)", "gp_practice", "CG2 3CC"),
    ("CW0001", "Cartref Gofal Bryn Haul (Bryn Haul Care Home)", "care_home", "CG4 5DD"),
]
# The service type each demo service has, as an import file would give it (app/directory/models.py SERVICE_TYPES):
# by words of its name, else by its kind (GP practices, care homes), else by its trust (mental health).
SERVICE_TYPE_WORDS = [
    (("emergency", "minor injuries", "casualty"), "emergency_department"),
    (("maternity", "mamolaeth"), "maternity"),
    (("mental health", "crisis", "adult acute"), "mental_health"),
    (("outpatients", "clinic", "physiotherapy", "radiology", "cardiology", "oncology day"), "outpatients"),
    (("ward", "intensive care"), "ward"),
    (("transport",), "ambulance"),
    (("community dental",), "community"),
]


def service_type_of(row: dict) -> str | None:
    name = row["name"].lower()
    for words, service_type in SERVICE_TYPE_WORDS:
        if any(word in name for word in words):
            return service_type
    if row["kind"] in KIND_SERVICE_TYPES:
        return KIND_SERVICE_TYPES[row["kind"]]
    return "mental_health" if row["code"].startswith("CMH") else None


# The services in Wales, where the demo's Welsh stories are told.
WALES = ("CGW", "W10001", "CW0001")
PEOPLE = [
    # email, name, site role, provider code, member role, job title
    ("moderator@example.org", "Morgan Moderator", "moderator", None, None, None),
    ("admin@example.org", "Alex Admin", "admin", None, None, None),
    ("pxlead@example.org", "Priya Shah", None, "RDM", "manager", "Head of Patient Experience"),
    ("ward7@example.org", "Tom Evans", None, "RDM01-W02", "responder", "Ward 7 Manager"),
    ("practice@example.org", "Jo Brown", None, "Y10001", "manager", "Practice Manager"),
    ("cwmgwyrdd@example.org", "Carys Jones", None, "CGW", "manager", "Pennaeth Profiad Cleifion"),
    ("storytaker@example.org", "Rhian Hughes", "story_taker", None, None, None),
]


def _providers() -> list[dict]:
    rows: list[dict] = []
    for code, name, postcode, hospitals in TRUSTS:
        rows.append(dict(code=code, name=name, kind="trust", parent=None, postcode=postcode))
        for h_code, h_name, h_postcode, wards in hospitals:
            rows.append(dict(code=h_code, name=h_name, kind="hospital", parent=code, postcode=h_postcode))
            for i, ward in enumerate(wards, 1):
                rows.append(dict(code=f"{h_code}-W{i:02d}", name=ward, kind="department", parent=h_code,
                                 postcode=h_postcode))
    for code, name, kind, postcode in STANDALONE:
        rows.append(dict(code=code, name=name, kind=kind, parent=None, postcode=postcode))
    return rows


def load_demo() -> dict[str, int]:
    session = db.session
    by_code = {p.code: p for p in session.scalars(select(Provider))}
    added = 0
    for row in _providers():
        if row["code"] in by_code:
            continue
        slug = row["code"].lower()
        provider = Provider(code=row["code"], name=row["name"], kind=row["kind"], postcode=row["postcode"],
                            service_type=service_type_of(row),
                            email=f"feedback+{slug}@example.org", website=f"https://{slug}.example.org/",
                            parent=by_code[row["parent"]] if row["parent"] else None)
        session.add(provider)
        by_code[row["code"]] = provider
        added += 1
    session.flush()
    people = 0
    for email, name, site_role, code, member_role, title in PEOPLE:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, display_name=name, password_hash=hash_password(DEMO_PASSWORD),
                        email_confirmed_at=utcnow(), is_moderator=site_role == "moderator",
                        is_admin=site_role == "admin", is_story_taker=site_role == "story_taker")
            session.add(user)
            session.flush()
            people += 1
        if code and not session.scalar(select(Membership.id).where(
                Membership.user_id == user.id, Membership.provider_id == by_code[code].id)):
            session.add(Membership(user_id=user.id, provider_id=by_code[code].id, role=member_role,
                                   job_title=title))
    ensure_tags(session)
    session.commit()
    return {"providers": added, "people": people}


@demo_cli.command("load")
@click.option("--stories", "story_count", type=click.IntRange(min=0), default=200, show_default=True,
              help="How many demo stories to add, in every state.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds providers.")
def load(story_count: int, if_empty: bool) -> None:
    """Load demo providers, provider staff, site accounts, stories taken through the response loop (once) and N
    stories in every state."""
    if if_empty and db.session.scalar(select(func.count(Provider.id))):
        click.echo("database already holds data; demo not loaded")
        return
    counts = load_demo()
    click.echo(f"demo loaded: {counts['providers']} providers, {counts['people']} people")
    # Before the N stories: the loop's steps lie in the past, and the reminders job they run then would
    # otherwise remind those stories too.
    looped = load_loop(db.session)
    if looped:
        click.echo(f"{looped} stories taken through the response loop (reminded, escalated, moved, changes checked)")
    with click.progressbar(length=story_count, label="stories", show_pos=True) as bar:
        made = load_stories(db.session, story_count, progress=bar.update)
    click.echo(f"{made} stories added")
    click.echo(f"demo accounts (password: {DEMO_PASSWORD!r}):")
    for email, _name, site_role, code, member_role, _title in PEOPLE:
        role = site_role or f"{member_role} at {code}"
        click.echo(f"  {email:24} {role}")
