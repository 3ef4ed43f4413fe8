"""The signals domains react through. A lower domain sends one; a higher domain connects a handler to it in its
own init_app, so the sender never imports the receivers (blinker, which Flask already ships).

Every signal is sent inside the transaction of the event, with `session=` the SQLAlchemy session: a handler adds
its rows (outbox mail, digest items) to that session, so they commit or roll back with the event itself.
Handlers run in the order they were connected and must not commit.

Changes to rows that other domains keep copies of (the search index, the insight figures, the dataset) are
followed by SQLAlchemy's own session events, which each of those domains connects in its init_app: they see
every change, however it was made (a bulk import, the demo, a moderator's edit).
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

story_published = _signals.signal("story-published")
"""A story was published for the first time. sender: the Story; session."""

story_moved = _signals.signal("story-moved")
"""A published story now belongs to another provider. sender: the Story; session, old_provider_id."""
