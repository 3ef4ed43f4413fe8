"""Web plumbing: layout helpers, security headers, error pages, pagination, the page cache, /healthz."""
from __future__ import annotations

from flask import Flask

from app.web import cache, i18n, logs, metrics, static, views
from app.web.security import add_security_headers, drop_nul_characters, drop_unreadable_dates, register_error_handlers

LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC0-1.0": ("CC0 1.0 Universal (public domain)", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODbL-1.0": ("Open Database License 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
}


def init_app(app: Flask) -> None:
    i18n.init_app(app)
    logs.init_app(app)
    metrics.init_app(app)
    static.init_app(app)
    app.register_blueprint(views.bp)
    app.before_request(drop_nul_characters)
    app.before_request(drop_unreadable_dates)
    app.after_request(add_security_headers)
    register_error_handlers(app)
    cache.init_app(app)

    spdx = app.config["CONTENT_LICENCE"]
    name, url = LICENCES.get(spdx, (spdx, f"https://spdx.org/licenses/{spdx}.html"))
    app.config["CONTENT_LICENCE_NAME"] = name
    app.config["CONTENT_LICENCE_URL"] = url

    @app.context_processor
    def globals_for_templates():
        return {"licence": {"id": spdx, "name": name, "url": url}, "site_name": app.config["SITE_NAME"]}
