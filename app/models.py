"""Imports every model so the metadata (and Alembic) sees all tables."""
from app.accounts.models import Invitation, Membership, User  # noqa: F401
from app.admin.models import WorkerHeartbeat  # noqa: F401
from app.audit import AuditEvent  # noqa: F401
from app.directory.models import Provider, ProviderRedirect  # noqa: F401
from app.following.models import Follow  # noqa: F401
from app.insight.models import ProviderMonth, ProviderMonthTag, ProviderMonthWait, RedFlag  # noqa: F401
from app.insight.transparency import TransparencyMonth  # noqa: F401
from app.jobs import JobRun  # noqa: F401
from app.mail.models import OutboxMessage  # noqa: F401
from app.moderation.models import ReplyRevision, Report, StoryRevision  # noqa: F401
from app.replies.models import Change, DigestItem, Reply  # noqa: F401
from app.search.models import SearchQueue  # noqa: F401
from app.stories.models import Story, Tag  # noqa: F401
from app.stories.timeline import StoryEvent  # noqa: F401
from app.web.models import ContentVersion  # noqa: F401
