"""Demo tickets."""


def load_demo_tickets() -> dict[str, int]:
    return {}
