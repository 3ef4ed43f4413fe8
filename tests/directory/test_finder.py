"""The service finder: each kind of match, the chain and kind in every result, best first (SQLite and, with
TEST_DATABASE_URL, PostgreSQL)."""
from __future__ import annotations

import pytest

from app.demo.cli import load_demo
from app.directory import finder
from app.directory.matching import load_equivalents, postcode_parts, tokens
from app.extensions import db


@pytest.fixture
def demo(app):
    load_demo()


def codes(query: str, **kw) -> list[str]:
    return [m.code for m in finder.find(db.session, query, **kw)]


def test_a_typo_or_two_still_finds_the_hospital(demo):
    assert codes("rivrside genral")[0] == "RDM01"
    assert codes("hilside royl")[0] == "HLT01"


def test_saint_and_st_and_apostrophes_are_the_same(demo):
    for typed in ("St Annes", "saint anne's", "ST. ANNE’S community", "st annes hosp"):
        assert codes(typed)[0] == "RDM02", typed


def test_abbreviations_and_their_long_forms(demo):
    for typed in ("A&E", "a and e riverside", "accident & emergency", "emergency department riverside", "ED"):
        assert codes(typed)[0] == "RDM01-W01", typed
    assert codes("parkside surgery")[0] == "Y10002"  # "Parkside Medical Centre": GP, surgery, practice...
    assert codes("market st gp")[0] == "Y10001"  # "Market Street Surgery": St is also Street
    assert codes("beacon house care home")[0] == "CH0002"  # a nursing home
    assert codes("itu hillside")[0] == "HLT01-W03"


def test_invisible_and_compatibility_characters_are_ignored(demo):
    assert codes("Ｒｉｖｅｒ\u200bside General\u202e")[0] == "RDM01"


def test_a_full_postcode_finds_its_place_then_its_sector_then_its_outward_code(demo, make_provider):
    make_provider(code="NEAR", name="Sector Neighbour Clinic", kind="service", postcode="RD1 2ZZ")
    make_provider(code="DIST", name="District Neighbour Clinic", kind="service", postcode="RD1 9XX")
    make_provider(code="FAR", name="Far Clinic", kind="service", postcode="RD9 9XX")
    found = finder.find(db.session, "rd12bb", limit=30)
    order = [m.code for m in found]
    assert order[0] == "RDM01" and {m.how for m in found} == {"postcode"}
    # the same postcode, then the same sector (RD1 2), then the same outward code (RD1); no other district
    assert order.index("RDM01-W01") < order.index("NEAR") < order.index("DIST")
    assert {"RDM", "Y10001"} < set(order)
    assert "FAR" not in order and "RDM02" not in order


def test_a_hospitals_name_brings_its_wards_after_it_with_their_chain(demo):
    found = finder.find(db.session, "riverside general")
    assert found[0].code == "RDM01"
    wards = [m for m in found[1:6]]
    assert {m.code for m in wards} == {f"RDM01-W0{i}" for i in range(1, 6)}
    ward7 = next(m for m in found if m.code == "RDM01-W02")
    assert ward7.chain_text == ("Ward 7 (Acute Medicine) · Riverside General Hospital · "
                                "Riverside Health NHS Foundation Trust")
    assert ward7.kind_label == "Department or ward"


def test_part_of_a_ward_and_part_of_its_hospital_find_the_ward(demo):
    assert codes("ward 7 riverside")[0] == "RDM01-W02"
    assert codes("children river")[0] == "RDM01-W04"


def test_a_code_comes_first(demo):
    found = finder.find(db.session, "hlt01")
    assert found[0].code == "HLT01" and found[0].how == "code"


def test_inactive_services_only_when_asked(demo, session):
    from app.directory.services import find_by_code

    find_by_code(session, "Y10003").active = False
    session.commit()
    assert "Y10003" not in codes("green health centre")
    assert codes("green health centre", active_only=False)[0] == "Y10003"


def test_a_renamed_service_is_found_by_its_new_name_at_once(demo, session):
    from app.directory.services import find_by_code

    assert codes("riverside general")[0] == "RDM01"
    find_by_code(session, "RDM01").name = "Riverbank Royal Hospital"
    session.commit()
    assert codes("riverbank royal")[0] == "RDM01"


def test_nothing_typed_or_nothing_like_it_finds_nothing(demo):
    assert finder.find(db.session, "") == []
    assert finder.find(db.session, "   \u200b ") == []
    assert finder.find(db.session, "zzqx wibble") == []
    assert len(finder.find(db.session, "x" * 10_000)) == 0  # long input is cut, not an error


def test_the_equivalents_list_is_well_formed():
    eq = load_equivalents()
    assert eq.phrases[("a", "and", "e")] == ("emergency",)
    assert tokens("Children's Ward") == ["children", "ward"]
    assert tokens("The Green Health Centre") == ["green", "gp"]


@pytest.mark.parametrize("typed, parts", [
    ("RD1 2BB", ("RD", "1", "2", "BB")), ("rd12bb", ("RD", "1", "2", "BB")), ("RD1 2", ("RD", "1", "2", None)),
    ("HL2", ("HL", "2", None, None)), ("SW1A1AA", ("SW", "1A", "1", "AA")), ("ward", None), ("", None)])
def test_postcodes_as_people_type_them(typed, parts):
    assert postcode_parts(typed) == parts


def test_the_typeahead_json_shows_only_public_fields_of_active_services(client, demo, session):
    from app.directory.services import find_by_code

    find_by_code(session, "Y10003").active = False
    session.commit()
    response = client.get("/providers/find.json?q=rivrside+general")
    data = response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    assert data["matches"][0]["code"] == "RDM01"
    ward7 = next(m for m in data["matches"] if m["code"] == "RDM01-W02")
    assert ward7["above"] == "Riverside General Hospital · Riverside Health NHS Foundation Trust"
    assert set(ward7) == {"code", "name", "kind", "above", "postcode"}
    assert "@" not in response.get_data(as_text=True)  # never a contact address
    deactivated = client.get("/providers/find.json?q=green+health+centre").get_json()["matches"]
    assert "Y10003" not in {m["code"] for m in deactivated}
    assert client.get("/providers/find.json?q=" + "a" * 5000).status_code == 200
    assert client.get("/providers/find.json").get_json() == {"matches": []}
    # searching by a contact address finds nothing
    assert client.get("/providers/find.json?q=feedback%2Brdm01%40example.org").get_json()["matches"] == []
