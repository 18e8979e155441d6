"""The phone channel: staff log a call as a ticket."""

from flask import Blueprint

bp = Blueprint("phone", __name__)
