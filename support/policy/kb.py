"""Access rules of this area; see support/policy/__init__.py."""

RULES: dict = {}
