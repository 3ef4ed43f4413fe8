"""The tell page picks the service through the finder: typos, parents' names, the chain shown, and the error
that leads to the finder's field."""
from __future__ import annotations

import re

from app.demo.cli import load_demo
from tests.stories.test_tell import form_data


def _page(client, **overrides) -> str:
    return client.post("/tell", data=form_data(**overrides)).get_data(as_text=True)


def test_a_ward_is_offered_for_part_of_its_hospitals_name_with_its_chain(client, app):
    load_demo()
    page = _page(client, provider_code="", provider_query="rivrside general", action="find")
    assert 'value="RDM01-W02"' in page
    assert "Ward 7 (Acute Medicine)" in page
    assert "Riverside General Hospital · Riverside Health NHS Foundation Trust" in page
    # best first: the hospital itself before its wards
    assert page.index('value="RDM01"') < page.index('value="RDM01-W02"')


def test_the_summary_link_for_a_missing_service_goes_to_the_finders_field(client, app):
    load_demo()
    page = _page(client, provider_code="", provider_query="")
    link = re.search(r'<a href="#([^"]+)">Choose the service[^<]*</a>', page)
    assert link, page[:3000]
    target = link.group(1)
    assert target == "provider_query"
    field = re.search(rf'<input[^>]*id="{target}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field
    assert f'{target}-error' in field  # aria-describedby names the error text
    assert f'id="{target}-error"' in page


def test_an_unknown_service_code_is_an_error_on_the_finder_too(client, app):
    load_demo()
    page = _page(client, provider_code="NOPE", provider_query="")
    assert re.search(r'<input[^>]*id="provider_query"[^>]*aria-invalid="true"', page) or \
        re.search(r'<input[^>]*aria-invalid="true"[^>]*id="provider_query"', page)


def test_nothing_found_says_so_on_the_field(client, app):
    load_demo()
    page = _page(client, provider_code="", provider_query="zzqx wibble", action="find")
    assert "No service matches that" in page
    assert 'id="provider_query-error"' in page
