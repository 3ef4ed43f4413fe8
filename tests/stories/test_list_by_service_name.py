"""/stories takes the service by name through the finder (codes still work); an unknown service lists nothing,
says so and offers the close matches."""
from __future__ import annotations

from app.demo.cli import load_demo
from app.directory.services import find_by_code


def test_a_service_by_name_with_a_typo_filters_the_list(client, app, session, make_story):
    load_demo()
    ward7 = find_by_code(session, "RDM01-W02")
    other = find_by_code(session, "HLT01")
    make_story(ward7, status="published", title="About ward seven")
    make_story(other, status="published", title="About the infirmary")
    page = client.get("/stories?provider=rivrside+general+hospital").get_data(as_text=True)
    assert "About ward seven" in page and "About the infirmary" not in page
    assert "Stories about" in page and "Riverside General Hospital" in page
    by_code = client.get("/stories?provider=hlt01").get_data(as_text=True)
    assert "About the infirmary" in by_code and "About ward seven" not in by_code


def test_an_unknown_service_is_never_a_silently_unfiltered_list(client, app, session, make_story):
    load_demo()
    make_story(find_by_code(session, "HLT01"), status="published", title="About the infirmary")
    page = client.get("/stories?provider=hillside").get_data(as_text=True)  # three services share the name
    assert "No service matches “hillside”" in page
    assert "About the infirmary" not in page
    assert "/stories?provider=HLT01" in page and "Hillside Royal Infirmary" in page  # a close match, linked
    assert "Remove this filter" in page
    nothing = client.get("/stories?provider=zzqx").get_data(as_text=True)
    assert "No service matches “zzqx”" in nothing and "About the infirmary" not in nothing


def test_the_typed_service_is_escaped(client, app):
    load_demo()
    page = client.get("/stories?provider=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
