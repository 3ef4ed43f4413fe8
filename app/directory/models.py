"""The Provider model: one node in the hierarchy of services."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, event, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.directory.matching import match_name
from app.extensions import db, utcnow
from app.text import N_

KINDS: dict[str, str] = {
    "trust": N_("Trust"),
    "hospital": N_("Hospital"),
    "department": N_("Department or ward"),
    "gp_practice": N_("GP practice"),
    "care_home": N_("Care home"),
    "service": N_("Service"),
}

# What a service does, for research across the hierarchy (kind says where it sits in it): one small controlled
# list, published in the dataset's and the API's schemas. Set on import when the file says, editable in the
# console; empty when nobody said.
SERVICE_TYPES: dict[str, str] = {
    "emergency_department": N_("Emergency department"),
    "maternity": N_("Maternity"),
    "mental_health": N_("Mental health"),
    "gp_practice": N_("GP practice"),
    "care_home": N_("Care home"),
    "home_care": N_("Home care"),
    "ward": N_("Hospital ward"),
    "outpatients": N_("Outpatients"),
    "community": N_("Community service"),
    "ambulance": N_("Ambulance service"),
}
SERVICE_TYPE_MAX = 30
# Where a provider's code went: merged into another provider, or given a new code.
MERGED, RECODED = "merged", "recoded"
REDIRECT_KINDS = (MERGED, RECODED)

CODE_MAX = 40
NAME_MAX = 200
POSTCODE_MAX = 8
EMAIL_MAX = 254
WEBSITE_MAX = 500
MATCH_NAME_MAX = 400


class Provider(db.Model):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    service_type: Mapped[str | None] = mapped_column(String(SERVICE_TYPE_MAX), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    postcode: Mapped[str | None] = mapped_column(String(POSTCODE_MAX))
    # The contact address for alerts when no staff are registered: never shown publicly.
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    website: Mapped[str | None] = mapped_column(String(WEBSITE_MAX))
    # The name as the finder compares it (app/directory/matching.py): kept in step with `name` on every flush.
    match_name: Mapped[str] = mapped_column(String(MATCH_NAME_MAX), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # Whether the contact address still wants alerts (it can unsubscribe from the emails).
    contact_alerts: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moves with any change to the row, and with a change above it that changes what the open data says of it
    # (its ancestors, its parent's code): see app.directory.services.touch_subtree. The API's updated_since.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped[Provider | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Provider]] = relationship(back_populates="parent", order_by="Provider.name")

    __table_args__ = (
        Index("ix_providers_name_lower", func.lower(name)),
        Index("ix_providers_postcode", "postcode"),
        Index("ix_providers_updated", "updated_at", "id"),
    )

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def service_type_label(self) -> str:
        return SERVICE_TYPES.get(self.service_type, self.service_type) if self.service_type else ""

    def __repr__(self) -> str:
        return f"<Provider {self.code}>"


class ProviderRedirect(db.Model):
    """A code a provider no longer has, merged into another or changed: old URLs answer 301 to the provider it
    leads to, the API's filters follow it, and the dataset lists it (provider_redirects.csv). It names the
    provider, not a code, so a chain of merges and renames never needs following and can never loop."""

    __tablename__ = "provider_redirects"

    code: Mapped[str] = mapped_column(String(CODE_MAX), primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default=MERGED, server_default=MERGED)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Provider] = relationship()


@event.listens_for(Provider, "before_insert")
@event.listens_for(Provider, "before_update")
def _keep_match_name(mapper, connection, provider: Provider) -> None:
    provider.match_name = match_name(provider.name)
