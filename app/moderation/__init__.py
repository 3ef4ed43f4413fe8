"""Moderation: the queue, claims, flags, actions, audit events, revisions and reports."""
