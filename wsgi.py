"""The WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi …`."""
import sys

from app import create_app

# `flask --app wsgi check` must start even with the mistakes it is there to report (a missing SECRET_KEY).
app = create_app({"CONFIG_CHECK": True} if sys.argv[-1:] == ["check"] else None)
