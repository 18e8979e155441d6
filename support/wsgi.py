"""WSGI entry point for gunicorn: `gunicorn support.wsgi:app`."""

from support import create_app

app = create_app()
