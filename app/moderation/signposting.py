"""Where to go for urgent help and for a formal complaint: on the tell and thanks pages, the trust pages and in the
rejection email.

SIGNPOSTING_URGENT and SIGNPOSTING_COMPLAINTS, when an operator sets them, are shown as they wrote them; unset,
the site's own words below are shown in the reader's language. Each text is read when it is shown, not when the
Signposting is made: a rejection email is rendered in its author's language (queue_email's force_locale), whatever
the language of the moderator's request that built its context.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext

from app.directory.models import Provider
from app.text import N_

URGENT = N_("If you or someone else is in danger or seriously hurt now, call 999. For urgent medical help that is "
            "not an emergency, call NHS 111 or go to 111.nhs.uk. If you are struggling to cope, you can call "
            "Samaritans free on 116 123, day or night.")
COMPLAINTS = N_("This site is not a complaints route: telling your story here is not a formal complaint. To make "
                "one, contact %(provider)s's Patient Advice and Liaison Service (PALS) or complaints team.")
SOME_SERVICE = N_("the service")  # the complaints text's service when none is chosen yet


@dataclass(frozen=True)
class Signposting:
    provider_name: str | None
    urgent_setting: str
    complaints_setting: str

    @property
    def urgent(self) -> str:
        return self.urgent_setting or gettext(URGENT)

    @property
    def complaints(self) -> str:
        name = self.provider_name or gettext(SOME_SERVICE)
        if self.complaints_setting:
            return self.complaints_setting.replace("{provider}", name)
        return gettext(COMPLAINTS, provider=name)


def signposting(provider: Provider | None) -> Signposting:
    """The signposting for a story about this service (or none chosen yet), from the settings."""
    config = current_app.config
    return Signposting(provider.name if provider is not None else None, config.get("SIGNPOSTING_URGENT") or "",
                       config.get("SIGNPOSTING_COMPLAINTS") or "")
