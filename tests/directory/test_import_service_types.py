"""The import sets each provider's service type where the file says (a service_type column, or a kind that says
it), leaves an admin's choice when the file does not, and refuses a code that was merged or changed."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.admin import providers
from app.directory.importer import import_providers
from app.directory.models import Provider

HEADER = "code,name,kind,parent_code,postcode,email,website"


def _import(session, text: str):
    report = import_providers(session, io.StringIO(text))
    session.commit()
    return report


def _types(session) -> dict[str, str | None]:
    session.expire_all()
    return {code: kind for code, kind in session.execute(select(Provider.code, Provider.service_type))}


def test_the_file_says_the_service_type_or_the_kind_does(session):
    report = _import(session, f"{HEADER},service_type\n"
                              "T1,Trust One,trust,,,,,\n"
                              "E1,Emergency Department,department,T1,,,,emergency_department\n"
                              "M1,Maternity unit,department,T1,,,,Maternity\n"
                              "P1,Mental health ward,department,T1,,,,mental-health\n"
                              "G1,A practice,gp_practice,,,,,\n"
                              "C1,A home,care_home,,,,,\n")
    assert report.summary() == "6 added, 0 updated, 0 unchanged, 0 rejected"
    assert _types(session) == {"T1": None, "E1": "emergency_department", "M1": "maternity",
                               "P1": "mental_health", "G1": "gp_practice", "C1": "care_home"}


def test_an_unknown_service_type_is_rejected_with_its_reason(session):
    report = _import(session, f"{HEADER},service_type\nT1,Trust One,trust,,,,,spa\n")
    [rejection] = report.rejected
    assert "unknown service_type 'spa'" in str(rejection) and _types(session) == {}


def test_a_file_without_the_column_keeps_what_an_admin_chose(session, admin_user):
    _import(session, f"{HEADER}\nT1,Trust One,trust,,,,\nW1,Ward,department,T1,,,\n")
    ward = session.scalar(select(Provider).where(Provider.code == "W1"))
    providers.edit(session, admin_user, ward, providers.ProviderEdit(name="Ward", kind="department",
                                                                     service_type="ward"))
    report = _import(session, f"{HEADER}\nT1,Trust One,trust,,,,\nW1,Ward renamed,department,T1,,,\n")
    assert report.updated == 1 and _types(session)["W1"] == "ward"
    report = _import(session, f"{HEADER},service_type\nW1,Ward renamed,department,T1,,,,maternity\n")
    assert report.updated == 1 and _types(session)["W1"] == "maternity"


def test_an_old_code_is_refused_so_a_merged_duplicate_never_comes_back(session, admin_user):
    _import(session, f"{HEADER}\nT1,Trust One,trust,,,,\nT1DUP,Trust One (again),trust,,,,\nT9,Trust Nine,trust,,,,\n")
    duplicate = session.scalar(select(Provider).where(Provider.code == "T1DUP"))
    providers.merge(session, admin_user, duplicate, "T1")
    providers.change_code(session, admin_user, session.scalar(select(Provider).where(Provider.code == "T9")), "T10")
    report = _import(session, f"{HEADER}\nT1DUP,Trust One (again),trust,,,,\nt9,Trust Nine,trust,,,,\n")
    assert [str(r) for r in report.rejected] == ["line 2: T1DUP: T1DUP is an old code of T1: use T1",
                                                 "line 3: T9: T9 is an old code of T10: use T10"]
    assert set(_types(session)) == {"T1", "T10"}


@pytest.fixture
def admin_user(make_user):
    return make_user(email="root@example.org", admin=True)
