"""Black-box tests for the provider directory's hierarchy queries: ancestors and descendants in one query.

Written from the specification only; the site is observed through the CLI, the Python API named in the
spec and the test client.
"""
from __future__ import annotations

from sqlalchemy import insert

from app.directory.models import Provider
from app.directory.services import ancestors, descendants
from app.extensions import db
from tests.directory.conftest import by_code, provider_count

# ---------------------------------------------------------------- hierarchy queries

def test_ancestors_is_one_query_root_first(app, tree, count_queries):
    ward = by_code("WA1")
    _ = (ward.id, ward.parent_id)
    with count_queries() as counter:
        found = ancestors(db.session, ward)
        codes = [p.code for p in found]
        names = [p.name for p in found]
    assert codes == ["TR1", "HO1", "DE1"]
    assert names == ["Northshire Trust", "Northshire General Hospital", "Cardiology"]
    assert counter.count == 1, counter.statements


def test_descendants_is_one_query_and_complete(app, tree, count_queries):
    trust = by_code("TR1")
    _ = (trust.id, trust.parent_id)
    with count_queries() as counter:
        found = descendants(db.session, trust)
        codes = sorted(p.code for p in found)
        parents = {p.code: p.parent_id for p in found}
    assert codes == ["DE1", "HO1", "WA1"]
    assert counter.count == 1, counter.statements
    assert parents["WA1"] == by_code("DE1").id
    assert [p.code for p in descendants(db.session, by_code("WA1"))] == []
    assert [p.code for p in ancestors(db.session, by_code("TR1"))] == []


def test_fifty_thousand_providers_hierarchy_queries_are_still_one_query(app, session, count_queries):
    rows = [{"id": 1, "code": "BIGTRUST", "name": "Big Trust", "kind": "trust", "parent_id": None}]
    rows.append({"id": 2, "code": "OTHERTRUST", "name": "Other Trust", "kind": "trust", "parent_id": None})
    next_id = 3
    hospitals, departments = [], []
    for h in range(50):
        rows.append({"id": next_id, "code": f"H{h:03d}", "name": f"Hospital {h}", "kind": "hospital",
                     "parent_id": 1 if h < 40 else 2})
        hospitals.append(next_id)
        next_id += 1
    for i, hospital_id in enumerate(hospitals):
        for d in range(20):
            rows.append({"id": next_id, "code": f"D{i:03d}-{d:02d}", "name": f"Department {i}/{d}",
                         "kind": "department", "parent_id": hospital_id})
            departments.append(next_id)
            next_id += 1
    w = 0
    while len(rows) < 50_000:
        department_id = departments[w % len(departments)]
        rows.append({"id": next_id, "code": f"W{w:06d}", "name": f"Ward {w}", "kind": "department",
                     "parent_id": department_id})
        next_id += 1
        w += 1
    session.execute(insert(Provider), rows)
    session.commit()
    assert provider_count() == 50_000

    parent_of = {r["id"]: r["parent_id"] for r in rows}

    def under(root):
        return sum(1 for r in rows if _has_ancestor(parent_of, r["id"], root))

    trust = session.get(Provider, 1)
    _ = (trust.id, trust.parent_id)
    with count_queries() as counter:
        found = descendants(session, trust)
        count = len(found)
    assert counter.count == 1, counter.statements[:3]
    assert count == under(1)
    assert count > 30_000

    deepest = session.get(Provider, rows[-1]["id"])
    _ = (deepest.id, deepest.parent_id)
    with count_queries() as counter:
        chain = ancestors(session, deepest)
        ids = [p.id for p in chain]
    assert counter.count == 1, counter.statements
    assert len(ids) == 3 and parent_of[ids[1]] == ids[0] and parent_of[ids[2]] == ids[1]
    assert parent_of[ids[0]] is None and parent_of[deepest.id] == ids[2]


def _has_ancestor(parent_of, node, root):
    node = parent_of[node]
    while node is not None:
        if node == root:
            return True
        node = parent_of[node]
    return False
