"""The curated list of tags. The first migration that made the tags table seeds the same list."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.stories.models import Tag

CURATED: list[tuple[str, str, str]] = [
    # slug, name, kind
    ("good-kindness", "Kindness and compassion", "good"),
    ("good-communication", "Clear communication", "good"),
    ("good-listened", "Listened to me", "good"),
    ("good-dignity", "Dignity and respect", "good"),
    ("good-explained", "Explained my treatment", "good"),
    ("good-quick", "Seen quickly", "good"),
    ("good-clean", "Clean environment", "good"),
    ("good-pain", "Pain well managed", "good"),
    ("good-food", "Good food and drink", "good"),
    ("good-involved-family", "Involved my family", "good"),
    ("good-discharge", "Well-planned discharge", "good"),
    ("good-staff", "Skilled staff", "good"),
    ("improve-waiting", "Waiting times", "improve"),
    ("improve-communication", "Communication", "improve"),
    ("improve-listening", "Listening to patients", "improve"),
    ("improve-dignity", "Dignity and respect", "improve"),
    ("improve-staffing", "Staffing levels", "improve"),
    ("improve-pain", "Pain management", "improve"),
    ("improve-food", "Food and drink", "improve"),
    ("improve-cleanliness", "Cleanliness", "improve"),
    ("improve-discharge", "Discharge planning", "improve"),
    ("improve-appointments", "Booking appointments", "improve"),
    ("improve-information", "Information given", "improve"),
    ("improve-parking", "Parking and access", "improve"),
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
