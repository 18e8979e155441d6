"""Ticket pages: /arenden and the support workspace."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)
