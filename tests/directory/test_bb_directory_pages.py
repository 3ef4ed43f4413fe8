"""Black-box tests for the provider directory's public pages: search, browsing, paging, what is never shown.

Written from the specification only; the site is observed through the CLI, the Python API named in the
spec and the test client.
"""
from __future__ import annotations

import re

from app.directory.models import Provider


def main_of(html: str) -> str:
    match = re.search(r"<main.*?</main>", html, re.S)
    return match.group(0) if match else html


def codes_on(html: str) -> list[str]:
    return re.findall(r'href="/providers/([^"?/#]+)"', main_of(html))


def more_link(html: str) -> str | None:
    match = re.search(r'href="([^"]*after=[^"]*)"', main_of(html))
    return match.group(1).replace("&amp;", "&") if match else None


def walk_pages(client, url: str, limit: int = 50) -> tuple[list[str], int]:
    seen: list[str] = []
    pages = 0
    while url:
        pages += 1
        assert pages <= limit, "pagination never ends"
        response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        seen += codes_on(html)
        url = more_link(html)
    return seen, pages


# ---------------------------------------------------------------- public pages: search and browse

def test_search_by_name_is_case_insensitive_and_brings_what_is_below(client, tree):
    # Issue #20: the finder; a parent's name brings its departments and wards, after it.
    codes = codes_on(client.get("/providers?q=GENERAL").get_data(as_text=True))
    assert codes[0] == "HO1" and set(codes) == {"HO1", "DE1", "WA1"}
    codes = codes_on(client.get("/providers?q=cardio").get_data(as_text=True))
    assert codes[0] == "DE1" and set(codes) == {"DE1", "WA1"}


def test_search_by_exact_code(client, tree):
    assert codes_on(client.get("/providers?q=WA1").get_data(as_text=True)) == ["WA1"]
    assert codes_on(client.get("/providers?q=wa1").get_data(as_text=True)) == ["WA1"]


def test_search_by_postcode_outward_code_prefix(client, tree):
    codes = set(codes_on(client.get("/providers?q=RD1").get_data(as_text=True)))
    assert {"TR1", "HO1"} <= codes
    codes = codes_on(client.get("/providers?q=rd1%203cd").get_data(as_text=True))
    assert codes[0] == "HO1" and set(codes) == {"HO1", "TR1"}  # the postcode, then its outward code


def test_search_by_postcode_prefix_with_space(client, tree):
    codes = codes_on(client.get("/providers?q=rd1%202").get_data(as_text=True))
    assert codes[0] == "TR1"   # RD1 2AB: the sector first
    assert codes.index("HO1") > codes.index("TR1")  # RD1 3CD: the same outward code, after
    assert "GP1" not in codes  # RD12 9ZZ is a different district


def test_search_wildcards_are_literal(client, make_provider):
    make_provider(code="A1", name="Plain Name", kind="gp_practice")
    make_provider(code="A2", name="Odd_Name 100%", kind="gp_practice")
    # Punctuation is no wildcard: alone it matches nothing (never every provider); names still match.
    assert codes_on(client.get("/providers?q=%25").get_data(as_text=True)) == []
    assert codes_on(client.get("/providers?q=_").get_data(as_text=True)) == []
    assert codes_on(client.get("/providers?q=odd_name").get_data(as_text=True))[0] == "A2"


def test_no_query_lists_top_level_providers(client, tree):
    codes = codes_on(client.get("/providers").get_data(as_text=True))
    assert sorted(codes) == ["GP1", "TR1"]


def test_kind_filter_without_query_lists_providers_of_that_kind(client, tree):
    codes = codes_on(client.get("/providers?kind=hospital").get_data(as_text=True))
    assert codes == ["HO1"]


def test_kind_filter_narrows_a_search(client, tree):
    codes = codes_on(client.get("/providers?q=northshire&kind=hospital").get_data(as_text=True))
    assert codes == ["HO1"]


def test_browsing_from_trust_to_ward_shows_breadcrumb_in_order(client, tree):
    html = client.get("/providers/TR1").get_data(as_text=True)
    assert "/providers/HO1" in html
    html = client.get("/providers/HO1").get_data(as_text=True)
    assert "/providers/DE1" in html
    html = client.get("/providers/DE1").get_data(as_text=True)
    assert "/providers/WA1" in html
    response = client.get("/providers/WA1")
    assert response.status_code == 200
    page = main_of(response.get_data(as_text=True))
    assert "Ward Seven" in page
    positions = [page.find(f'href="/providers/{code}"') for code in ("TR1", "HO1", "DE1")]
    assert all(p >= 0 for p in positions), positions
    assert positions == sorted(positions)
    crumb_names = [page.find(name) for name in ("Northshire Trust", "Northshire General Hospital", "Cardiology")]
    assert crumb_names == sorted(crumb_names) and crumb_names[-1] < page.rfind("Ward Seven")


def test_provider_page_lists_its_sub_services(client, tree, make_provider):
    make_provider(code="HO2", name="Northshire Community Hospital", kind="hospital", parent=tree["trust"])
    page = main_of(client.get("/providers/TR1").get_data(as_text=True))
    assert "Northshire General Hospital" in page and "Northshire Community Hospital" in page
    assert 'href="/providers/HO1"' in page and 'href="/providers/HO2"' in page
    assert "/providers/WA1" not in main_of(client.get("/providers/GP1").get_data(as_text=True))


def test_pagination_shows_every_top_level_provider_exactly_once(client, session):
    names = ["Same Name", "same name", "Alpha", "alpha", "Zulu", "\u00c9mile", "Ward 1", "Ward 10", "Ward 2"]
    expected = set()
    for i in range(83):
        code = f"TP{i:03d}"
        session.add(Provider(code=code, name=names[i % len(names)], kind="gp_practice"))
        expected.add(code)
    session.commit()
    seen, pages = walk_pages(client, "/providers")
    assert len(seen) == len(set(seen)), "a provider was shown on two pages"
    assert set(seen) == expected
    assert pages >= 4  # 25 a page


def test_search_pagination_shows_every_match_exactly_once(client, session):
    expected = set()
    for i in range(61):
        code = f"SP{i:03d}"
        session.add(Provider(code=code, name=f"Clinic {i % 4}", kind="service",
                             postcode="RD1 2AB" if i % 2 else None))
        expected.add(code)
    session.add(Provider(code="OTHER", name="Unrelated", kind="service"))
    session.commit()
    seen, pages = walk_pages(client, "/providers?q=clinic")
    assert len(seen) == len(set(seen))
    assert set(seen) == expected
    assert pages == 3


def test_contact_email_never_appears_on_public_pages(client, tree):
    emails = [p.email for p in tree.values()]
    urls = ["/providers", "/providers?q=northshire", "/providers?q=RD1", "/providers?q=secret",
            "/providers?kind=hospital"] + [f"/providers/{p.code}" for p in tree.values()]
    for url in urls:
        html = client.get(url).get_data(as_text=True)
        for address in emails:
            assert address not in html, f"{address} shown on {url}"
            assert address.split("@")[0] not in html, f"local part of {address} shown on {url}"
        assert "secret.example.org" not in html, url


def test_search_by_contact_email_does_not_reveal_the_provider(client, tree):
    for q in ("trust-contact@secret.example.org", "secret.example.org", "secret", "contact"):
        assert codes_on(client.get(f"/providers?q={q}").get_data(as_text=True)) == [], q


def test_unknown_code_is_404(client, tree):
    assert client.get("/providers/NOSUCH").status_code == 404


def test_lower_case_code_redirects_permanently(client, tree):
    response = client.get("/providers/wa1")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/providers/WA1")
