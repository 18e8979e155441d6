"""Knowledge-base work the worker does on each pass."""


def run() -> dict[str, int]:
    return {}
