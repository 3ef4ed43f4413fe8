"""The signed links that let an author act without a password: answer back, and say whether a change was made.

Each carries the author's id, random key and session version (app.accounts.tokens.user_claims), so it dies with
the account (deleted, disabled, sessions ended) and never acts for another account that reuses the id."""
from __future__ import annotations

from app.accounts.services import external_url
from app.accounts.tokens import make_token, user_claims
from app.replies.models import Change
from app.stories.models import Story

ANSWER_PURPOSE = "answer"
VERDICT_PURPOSE = "verdict"


def answer_link(story: Story) -> str:
    """The "answer back" link: the story and its author's id, random key and session version, so it dies with
    the account (deleted, disabled, sessions ended) and never answers for another account that reuses the id."""
    token = make_token(ANSWER_PURPOSE, {"sid": story.id, **user_claims(story.author)})
    return external_url("replies.answer_by_link", story_id=story.id, token=token)


def verdict_link(change: Change) -> str:
    """The signed link that asks the author about a change made: the change, the story and the author's id, random
    key and session version (app.accounts.tokens.user_claims), so it dies with the account, like answer_link."""
    token = make_token(VERDICT_PURPOSE, {"cid": change.id, "sid": change.story_id, **user_claims(change.story.author)})
    return external_url("replies.check_change", change_id=change.id, token=token)
