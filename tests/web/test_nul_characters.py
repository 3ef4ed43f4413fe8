"""NUL characters in addresses and form values: never a 500 (PostgreSQL refuses them in text)."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/providers/%00", "/feeds/providers/%00.atom", "/api/v1/providers/%00",
                                  "/stories/%00"])
def test_a_nul_in_the_address_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_a_nul_in_query_values_is_dropped(client, tree):
    assert client.get("/search", query_string={"q": "kind\x00", "provider": "H1\x00"}).status_code == 200
    assert client.get("/providers", query_string={"q": "\x00"}).status_code == 200
    assert client.get("/api/v1/stories", query_string={"provider": "H\x001"}).status_code in (200, 400)


def test_a_nul_in_a_form_value_is_dropped(client, make_user):
    make_user(email="someone@example.org")
    response = client.post("/account/login", data={"email": "someone@example.org\x00", "password": "wrong\x00"})
    assert response.status_code == 200 and "someone@example.org" in response.get_data(as_text=True)
