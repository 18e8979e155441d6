"""Knowledge-base pages under /kb."""

from flask import Blueprint

bp = Blueprint("kb", __name__, url_prefix="/kb")
