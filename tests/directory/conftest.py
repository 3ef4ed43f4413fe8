"""Helpers and fixtures shared by the provider directory's black-box tests (import, hierarchy, pages)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.directory.models import Provider
from app.extensions import db


def by_code(code: str) -> Provider | None:
    db.session.expire_all()
    return db.session.execute(select(Provider).where(Provider.code == code)).scalar_one_or_none()


def provider_count() -> int:
    return db.session.execute(select(func.count()).select_from(Provider)).scalar_one()


@pytest.fixture
def tree(make_provider):
    """trust → hospital → department → ward, plus a stand-alone GP practice."""
    trust = make_provider(code="TR1", name="Northshire Trust", kind="trust", postcode="RD1 2AB",
                          email="trust-contact@secret.example.org", website="https://trust.example.org")
    hospital = make_provider(code="HO1", name="Northshire General Hospital", kind="hospital", parent=trust,
                             postcode="RD1 3CD", email="hospital-contact@secret.example.org")
    department = make_provider(code="DE1", name="Cardiology", kind="department", parent=hospital,
                               email="cardio-contact@secret.example.org")
    ward = make_provider(code="WA1", name="Ward Seven", kind="department", parent=department,
                         email="ward-contact@secret.example.org")
    gp = make_provider(code="GP1", name="Riverside Surgery", kind="gp_practice", postcode="RD12 9ZZ",
                       email="gp-contact@secret.example.org")
    return {"trust": trust, "hospital": hospital, "department": department, "ward": ward, "gp": gp}
