"""Black-box tests for the provider directory's CSV import: good and bad rows, updates, cycles, odd files.

Written from the specification only; the site is observed through the CLI, the Python API named in the
spec and the test client.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.directory.models import Provider
from app.directory.services import ancestors, descendants
from app.extensions import db
from tests.directory.conftest import by_code, provider_count

HEADER = "code,name,kind,parent_code,postcode,email,website\n"


def run_import(app, path):
    result = app.test_cli_runner().invoke(args=["providers", "import", str(path)])
    output = result.output or ""
    try:
        stderr = result.stderr or ""
    except (ValueError, AttributeError):
        stderr = ""
    if stderr and stderr not in output:
        output += stderr
    return result, output


def write_and_import(app, tmp_path, content, name="providers.csv"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return run_import(app, path)


def rejections(output: str) -> dict[int, str]:
    """line number -> the whole rejection line (code and reason)."""
    found = {}
    for match in re.finditer(r"rejected line (\d+):\s*(.*)", output):
        found[int(match.group(1))] = match.group(2)
    return found


def summary(output: str) -> dict[str, int]:
    match = re.search(r"(\d+) added, (\d+) updated, (\d+) unchanged, (\d+) rejected", output)
    assert match, f"no summary line in:\n{output}"
    return dict(zip(("added", "updated", "unchanged", "rejected"), map(int, match.groups()), strict=True))


def snapshot() -> set[tuple]:
    db.session.expire_all()
    return {(p.code, p.name, p.kind, p.parent_id, p.postcode, p.email, p.website)
            for p in db.session.execute(select(Provider)).scalars()}


# ---------------------------------------------------------------- import: good and bad rows

def test_import_mixed_rows_rejects_each_bad_row_with_line_number_and_reason(app, tmp_path):
    rows = [
        "T1,North Trust,trust,,SW1A 1AA,trust@example.org,https://trust.example.org",  # 2 good
        "H1,City Hospital,hospital,T1,sw1a1aa,h@example.org,",                          # 3 good
        "D1,Cardiology,department,H1,,,",                                                # 4 good
        "X1,Spaceport,spaceship,,,,",                                                    # 5 unknown kind
        "D2,Orphan Department,department,,,,",                                           # 6 missing parent
        "D3,Lost Department,department,NOPE,,,",                                         # 7 unknown parent
        "C1,Cycle A,hospital,C2,,,",                                                     # 8 cycle
        "C2,Cycle B,hospital,C1,,,",                                                     # 9 cycle
        "S1,Selfish,hospital,S1,,,",                                                     # 10 self-parent
        "H1,Duplicate Hospital,hospital,T1,,,",                                          # 11 duplicate code
        "E1,Bad Email,hospital,,,not-an-email,",                                         # 12 malformed email
        "P1,Bad Postcode,hospital,,NOTAPOSTCODE,,",                                      # 13 malformed postcode
        "L1," + "n" * 201 + ",hospital,,,,",                                             # 14 name too long
        "Y" * 41 + ",Long Code,hospital,,,,",                                            # 15 code too long
        "W1,Long Website,hospital,,,,https://" + "a" * 500 + ".org",                     # 16 website too long
        "EL,Long Email,hospital,,," + "a" * 60 + "@" + ("b" * 60 + ".") * 4 + "org,",    # 17 email too long
        "G1,Riverside Surgery,gp_practice,,RD1 2AB,,",                                   # 18 good
    ]
    result, output = write_and_import(app, tmp_path, HEADER + "\n".join(rows) + "\n")

    assert result.exit_code == 1, output
    rejected = rejections(output)
    expected = {
        5: r"kind",
        6: r"parent",
        7: r"(unknown|not found|no such).*parent|parent.*(unknown|not found|NOPE)",
        8: r"cycle",
        9: r"cycle",
        10: r"cycle|own parent|itself",
        11: r"duplicate",
        12: r"email",
        13: r"postcode",
        14: r"name.*(long|length|200)",
        15: r"code.*(long|length|40)",
        16: r"website.*(long|length|500)",
        17: r"email.*(long|length|254)",
    }
    assert set(rejected) == set(expected), output
    for line, pattern in expected.items():
        assert re.search(pattern, rejected[line], re.I), f"line {line}: {rejected[line]!r} does not match {pattern}"
    assert summary(output) == {"added": 4, "updated": 0, "unchanged": 0, "rejected": 13}

    assert {p[0] for p in snapshot()} == {"T1", "H1", "D1", "G1"}
    assert by_code("H1").name == "City Hospital"  # the duplicate did not overwrite the first
    assert by_code("D1").parent_id == by_code("H1").id
    assert by_code("H1").parent_id == by_code("T1").id


def test_import_with_only_good_rows_exits_zero(app, tmp_path):
    result, output = write_and_import(app, tmp_path, HEADER + (
        "T1,North Trust,trust,,RD1 2AB,contact@example.org,https://example.org\n"
        "H1,City Hospital,hospital,T1,,,\n"
        "G1,Surgery,gp_practice,,,,\n"
        "C1,Care Home,care_home,,,,\n"
        "S1,Helpline,service,,,,\n"
    ))
    assert result.exit_code == 0, output
    assert rejections(output) == {}
    assert summary(output) == {"added": 5, "updated": 0, "unchanged": 0, "rejected": 0}
    assert provider_count() == 5


def test_child_may_come_before_its_parent_in_the_file(app, tmp_path):
    result, output = write_and_import(app, tmp_path, HEADER + (
        "W1,Ward One,department,D1,,,\n"
        "D1,Surgery Department,department,H1,,,\n"
        "H1,City Hospital,hospital,T1,,,\n"
        "T1,North Trust,trust,,,,\n"
    ))
    assert result.exit_code == 0, output
    assert by_code("W1").parent_id == by_code("D1").id
    assert by_code("D1").parent_id == by_code("H1").id
    assert by_code("H1").parent_id == by_code("T1").id
    assert by_code("T1").parent_id is None


def test_importing_same_file_twice_is_idempotent(app, tmp_path):
    content = HEADER + (
        "T1,North Trust,trust,,sw1a1aa,Trust@Example.org,https://trust.example.org\n"
        "H1,City Hospital,hospital,t1,RD1 2AB,,\n"
        "D1,Cardiology,department,H1,,,\n"
    )
    first, out1 = write_and_import(app, tmp_path, content)
    assert first.exit_code == 0, out1
    assert summary(out1)["added"] == 3
    before = snapshot()

    second, out2 = write_and_import(app, tmp_path, content)
    assert second.exit_code == 0, out2
    assert summary(out2) == {"added": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    assert provider_count() == 3
    assert snapshot() == before


def test_changing_a_name_reports_one_updated(app, tmp_path):
    write_and_import(app, tmp_path, HEADER + "T1,North Trust,trust,,,,\nH1,City Hospital,hospital,T1,,,\n")
    result, output = write_and_import(app, tmp_path,
                                      HEADER + "T1,North Trust,trust,,,,\nH1,City General Hospital,hospital,T1,,,\n")
    assert result.exit_code == 0, output
    assert summary(output) == {"added": 0, "updated": 1, "unchanged": 1, "rejected": 0}
    assert by_code("H1").name == "City General Hospital"
    assert provider_count() == 2


def test_moving_a_provider_to_a_new_parent(app, tmp_path):
    write_and_import(app, tmp_path, HEADER + (
        "T1,North Trust,trust,,,,\nT2,South Trust,trust,,,,\nH1,City Hospital,hospital,T1,,,\n"
        "D1,Cardiology,department,H1,,,\n"))
    result, output = write_and_import(app, tmp_path, HEADER + "H1,City Hospital,hospital,T2,,,\n")
    assert result.exit_code == 0, output
    assert summary(output) == {"added": 0, "updated": 1, "unchanged": 0, "rejected": 0}
    hospital = by_code("H1")
    assert hospital.parent_id == by_code("T2").id
    assert [p.code for p in ancestors(db.session, by_code("D1"))] == ["T2", "H1"]
    assert [p.code for p in descendants(db.session, by_code("T1"))] == []


def test_cycle_against_providers_already_in_database_is_rejected_and_database_unchanged(app, tmp_path):
    write_and_import(app, tmp_path, HEADER + (
        "T1,North Trust,trust,,,,\nH1,City Hospital,hospital,T1,,,\nD1,Cardiology,department,H1,,,\n"))
    before = snapshot()
    # The file makes the trust (an existing ancestor) a child of its own descendant.
    result, output = write_and_import(app, tmp_path, HEADER + "T1,North Trust,trust,D1,,,\n")
    assert result.exit_code == 1, output
    rejected = rejections(output)
    assert list(rejected) == [2], output
    assert re.search(r"cycle", rejected[2], re.I)
    assert summary(output)["rejected"] == 1
    assert snapshot() == before


def test_cycle_through_a_new_row_and_an_existing_provider_is_rejected(app, tmp_path):
    write_and_import(app, tmp_path, HEADER + "T1,North Trust,trust,,,,\nH1,City Hospital,hospital,T1,,,\n")
    before = snapshot()
    result, output = write_and_import(app, tmp_path, HEADER + "T1,North Trust,trust,H2,,,\nH2,New,hospital,H1,,,\n")
    assert result.exit_code == 1, output
    assert set(rejections(output)) == {2, 3}, output
    assert snapshot() == before


def test_row_whose_parent_row_was_rejected_is_rejected_naming_the_parent(app, tmp_path):
    result, output = write_and_import(app, tmp_path, HEADER + (
        "K1,Kid,department,X9,,,\n"
        "X9,Broken,zzz,,,,\n"
        "K2,Grandkid,department,K1,,,\n"
        "G1,Fine,gp_practice,,,,\n"))
    assert result.exit_code == 1, output
    rejected = rejections(output)
    assert set(rejected) == {2, 3, 4}, output
    assert "X9" in rejected[2].split(":", 1)[1]
    assert "K1" in rejected[4].split(":", 1)[1]
    assert {p[0] for p in snapshot()} == {"G1"}


def test_duplicate_codes_differing_only_in_case_are_duplicates(app, tmp_path):
    result, output = write_and_import(app, tmp_path, HEADER + "h1,Hosp,hospital,,,,\nH1,Hosp Again,hospital,,,,\n")
    assert result.exit_code == 1, output
    assert list(rejections(output)) == [3]
    assert re.search("duplicate", rejections(output)[3], re.I)
    assert provider_count() == 1


def test_codes_and_postcodes_are_normalised(app, tmp_path):
    result, output = write_and_import(app, tmp_path,
                                      HEADER + "t1,Trust,trust,,sw1a1aa,,\nh1,Hosp,hospital,t1,ec1a 1bb,,\n")
    assert result.exit_code == 0, output
    assert by_code("T1").postcode == "SW1A 1AA"
    assert by_code("H1").postcode == "EC1A 1BB"
    assert by_code("H1").parent_id == by_code("T1").id


def test_quoted_fields_with_commas_and_a_utf8_bom(app, tmp_path):
    content = ("\ufeff" + HEADER + (
        'T1,"Trust of North, East and ""West""",trust,,,,\n'
        'H1,"Hospital, Main Site",hospital,T1,"RD1 2AB",,"https://example.org/a,b"\n'
        'C1,Caf\u00e9 Care Home,care_home,,,,\n')).encode("utf-8")
    result, output = write_and_import(app, tmp_path, content)
    assert result.exit_code == 0, output
    assert summary(output)["added"] == 3
    assert by_code("T1").name == 'Trust of North, East and "West"'
    assert by_code("H1").name == "Hospital, Main Site"
    assert by_code("H1").parent_id == by_code("T1").id
    assert by_code("H1").postcode == "RD1 2AB"
    assert by_code("C1").name == "Caf\u00e9 Care Home"


@pytest.mark.parametrize("header", [
    "code,name,type,parent,postcode,email,website\n",
    "code,name,kind,parent_code,postcode,email\n",
    "id;name;kind;parent_code;postcode;email;website\n",
])
def test_wrong_header_gives_a_clear_error_and_exit_1(app, tmp_path, header):
    result, output = write_and_import(app, tmp_path, header + "T1,North Trust,trust,,,,\n")
    assert result.exit_code == 1, output
    assert "header" in output.lower(), output
    assert "Traceback" not in output
    assert provider_count() == 0


def test_line_numbers_count_physical_lines_when_a_quoted_field_spans_two_lines(app, tmp_path):
    result, output = write_and_import(app, tmp_path, HEADER + (
        'T1,"North\nTrust",trust,,,,\n'        # lines 2-3
        "X1,Broken,nope,,,,\n"                  # line 4
        'H1,"City\nHospital",hospital,T1,,,\n'  # lines 5-6
        "D1,Orphan,department,,,,\n"))          # line 7
    assert result.exit_code == 1, output
    assert set(rejections(output)) == {4, 7}, output
    assert by_code("H1").parent_id == by_code("T1").id


def test_a_name_spanning_two_lines_keeps_its_words_apart(app, tmp_path):
    write_and_import(app, tmp_path, HEADER + 'T1,"North\nTrust",trust,,,,\n')
    assert by_code("T1").name in ("North\nTrust", "North Trust")


def test_website_with_a_script_scheme_is_not_published_as_a_link(app, client, tmp_path):
    write_and_import(app, tmp_path, HEADER + "W9,Web,hospital,,,,javascript:alert(1)\n")
    provider = by_code("W9")
    if provider is not None:
        html = client.get("/providers/W9").get_data(as_text=True)
        assert 'href="javascript:' not in html.lower()
