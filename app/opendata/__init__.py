"""Open data: the downloadable dataset, the JSON API, feeds and the OpenAPI document."""
from __future__ import annotations

from flask import Flask

from app import jobs
from app.opendata import api, bundle, feeds, views
from app.opendata.cli import dataset_cli


def init_app(app: Flask) -> None:
    for bp in (views.bp, api.bp, feeds.bp):
        app.register_blueprint(bp)
    app.cli.add_command(dataset_cli)
    jobs.register(app, bundle.JOB, bundle.rebuild_if_due, every="DATASET_MIN_INTERVAL_SECONDS")
