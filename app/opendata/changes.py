"""What the open data shows of a change beyond its text: its due date and owner, its evidence, the author's verdict
and whether it is overdue. Exactly what the story page shows of it (templates/pages/_change.html), nothing more:
the API and changes.csv both read it from here.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.replies.models import CHANGE_MADE, CHANGE_PLANNED, DISPUTED, VISIBLE

# In the order of changes.csv's last columns (app.opendata.schema.CHANGES).
FIELDS = ("due_on", "owner", "evidence", "evidence_url", "verdict", "verdict_at", "dispute_text", "overdue")


def shown(kind: str, due_on: date | None, owner: str | None, evidence: str | None, evidence_url: str | None,
          verdict: str | None, verdict_status: str | None, verdict_at: datetime | None, verdict_note: str | None,
          today: date) -> list[Any]:
    """FIELDS of one visible change, as the public sees them.

    The due date and owner of a change planned, kept when it is made; evidence of a change made; the author's
    verdict only once public (a dispute waiting for a moderator, or one turned down, is not), with the author's
    words for a dispute only; overdue: still planned, and its due date before today. Empty text is None.
    """
    planned_first = kind in (CHANGE_PLANNED, CHANGE_MADE)
    made = kind == CHANGE_MADE
    public_verdict = verdict if made and verdict and verdict_status == VISIBLE else None
    return [
        due_on if planned_first else None,
        (owner or None) if planned_first else None,
        (evidence or None) if made else None,
        (evidence_url or None) if made else None,
        public_verdict,
        verdict_at if public_verdict else None,
        (verdict_note or None) if public_verdict == DISPUTED else None,
        kind == CHANGE_PLANNED and due_on is not None and today > due_on,
    ]
