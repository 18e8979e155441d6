"""Fixtures of the knowledge-base tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def as_actor(app, client, login_as):
    def sign_in(actor: str):
        return client if actor == "anonymous" else login_as(actor)

    return sign_in
