"""One access rule for every route of a blueprint (the admin areas): sign-in first, then the policy's verdict."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from support.policy import can


def require_for_every_route(blueprint: Blueprint, action: str) -> None:
    """Before any route of `blueprint`: anonymous visitors are sent to sign in, others need `action` (else 403)."""

    @blueprint.before_request
    @login_required
    def require_action():
        if not can(current_user, action):
            abort(403)
