"""Form fields are kept, rendered, per everything they are made of (app/web/cache.py, kept_field). What must hold:
each person sees their own values selected, an error and what was typed show on the form that was sent and on no
later one, labels follow the language, and a field is never another form's (ids and names differ per prefix)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.accounts.models import Membership

from ..conftest import login
from .rendered import app_overrides  # noqa: F401  (the page cache off)


def selected(page: str, name: str) -> str:
    select_html = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html).group(0)


def test_each_person_sees_their_own_alert_settings_whoever_came_first(app, session, make_user, tree):
    people = {"weekly": make_user(email="weekly@nhs.example", provider=tree["ward"]),
              "daily": make_user(email="daily@nhs.example", provider=tree["ward"])}
    for frequency, person in people.items():
        membership = session.scalar(select(Membership).where(Membership.user_id == person.id))
        membership.alert_frequency = frequency
    session.commit()
    clients = {}
    for frequency, person in people.items():
        clients[frequency] = app.test_client()
        login(clients[frequency], person.email)
    for _ in range(2):
        for frequency, person in people.items():
            page = clients[frequency].get("/dashboard").get_data(as_text=True)
            membership = session.scalar(select(Membership).where(Membership.user_id == person.id))
            assert f'value="{frequency}"' in selected(page, f"m{membership.id}-frequency"), frequency
            # The field is this membership's: its name and id carry the membership's prefix.
            assert f'id="m{membership.id}-frequency"' in page
    # The same field with a new value: the page shows the new one.
    membership = session.scalar(select(Membership).where(Membership.user_id == people["weekly"].id))
    assert clients["weekly"].post(f"/dashboard/alerts/{membership.id}", data={
        f"m{membership.id}-frequency": "none", f"m{membership.id}-min_criticality": "0"}).status_code == 302
    page = clients["weekly"].get("/dashboard").get_data(as_text=True)
    assert 'value="none"' in selected(page, f"m{membership.id}-frequency")


def test_an_error_and_what_was_typed_show_once_on_the_form_that_was_sent(client, tree):
    first = client.get("/tell").get_data(as_text=True)
    typed = "Nothing much here"
    sent = client.post("/tell", data={"title": "A title long enough", "body": typed, "provider_code": "W1",
                                      "author_role": "patient"}).get_data(as_text=True)
    body_field = sent.split('name="body"')[0].rsplit('<div class="field', 1)[1] + sent.split('name="body"')[1][:400]
    assert "field-error" in body_field and typed in body_field and 'aria-invalid="true"' in body_field
    again = client.get("/tell").get_data(as_text=True)
    assert typed not in again and "field-error" not in again.split('name="body"')[0].rsplit('<div class="field', 1)[1]
    assert again.count('class="field') == first.count('class="field')


def test_field_labels_follow_the_language(client, tree):
    english = client.get("/tell?lang=en").get_data(as_text=True)
    welsh = client.get("/tell?lang=cy").get_data(as_text=True)
    assert "Give your story a title" in english and "Give your story a title" not in welsh
    assert "Give your story a title" in client.get("/tell?lang=en").get_data(as_text=True)


@pytest.mark.settings(FRAGMENT_CACHE_MB=0)
def test_with_keeping_off_fields_are_rendered_every_time(client, tree):
    assert "Give your story a title" in client.get("/tell").get_data(as_text=True)
