"""The curated list of tags. The first migration that made the tags table seeds the same list."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.stories.models import Tag
from app.text import N_

CURATED: list[tuple[str, str, str]] = [
    # slug, name, kind
    ("good-kindness", N_("Kindness and compassion"), "good"),
    ("good-communication", N_("Clear communication"), "good"),
    ("good-listened", N_("Listened to me"), "good"),
    ("good-dignity", N_("Dignity and respect"), "good"),
    ("good-explained", N_("Explained my treatment"), "good"),
    ("good-quick", N_("Seen quickly"), "good"),
    ("good-clean", N_("Clean environment"), "good"),
    ("good-pain", N_("Pain well managed"), "good"),
    ("good-food", N_("Good food and drink"), "good"),
    ("good-involved-family", N_("Involved my family"), "good"),
    ("good-discharge", N_("Well-planned discharge"), "good"),
    ("good-staff", N_("Skilled staff"), "good"),
    ("improve-waiting", N_("Waiting times"), "improve"),
    ("improve-communication", N_("Communication"), "improve"),
    ("improve-listening", N_("Listening to patients"), "improve"),
    ("improve-dignity", N_("Dignity and respect"), "improve"),
    ("improve-staffing", N_("Staffing levels"), "improve"),
    ("improve-pain", N_("Pain management"), "improve"),
    ("improve-food", N_("Food and drink"), "improve"),
    ("improve-cleanliness", N_("Cleanliness"), "improve"),
    ("improve-discharge", N_("Discharge planning"), "improve"),
    ("improve-appointments", N_("Booking appointments"), "improve"),
    ("improve-information", N_("Information given"), "improve"),
    ("improve-parking", N_("Parking and access"), "improve"),
]


def ensure_tags(session: Session) -> int:
    """Add any curated tag that is missing (used by the demo and by tests built without migrations)."""
    have = set(session.scalars(select(Tag.slug)))
    added = 0
    for slug, name, kind in CURATED:
        if slug not in have:
            session.add(Tag(slug=slug, name=name, kind=kind, active=True))
            added += 1
    session.flush()
    return added
