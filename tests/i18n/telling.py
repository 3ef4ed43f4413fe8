"""A story told in Welsh through the tell form, as the Welsh tests post it."""
from __future__ import annotations

WELSH_STORY = {
    "provider_code": "W1", "title": "Nyrsys caredig", "month": "3", "year": "2025", "author_role": "patient",
    "body": "Roedd y nyrsys ar y ward yn garedig iawn ac yn egluro popeth am fy llawdriniaeth. Diolch yn fawr.",
    "public_name": "Siân", "email": "awdur@example.org", "consent": "y", "action": "tell",
}


def tell_in_welsh(client, submission_key: str):
    """Choose Welsh, then tell the story: the answer to the form's post (a redirect to the thanks page)."""
    client.get("/?lang=cy")
    return client.post("/tell", data={**WELSH_STORY, "submission_key": submission_key})
