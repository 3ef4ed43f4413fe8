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
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped[Provider | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Provider]] = relationship(back_populates="parent", order_by="Provider.name")

    __table_args__ = (
        Index("ix_providers_name_lower", func.lower(name)),
        Index("ix_providers_postcode", "postcode"),
    )

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Provider {self.code}>"


@event.listens_for(Provider, "before_insert")
@event.listens_for(Provider, "before_update")
def _keep_match_name(mapper, connection, provider: Provider) -> None:
    provider.match_name = match_name(provider.name)
