"""The requester's web channel: the ticket form and "Mina ärenden"."""

from flask import Blueprint

bp = Blueprint("web_channel", __name__)
