"""Demo content of the knowledge base: the articles in kb/demo_corpus."""

from __future__ import annotations

from pathlib import Path

DEMO_CORPUS = Path(__file__).with_name("demo_corpus")


def load_demo_articles() -> dict[str, int]:
    """Import the demo articles (upsert by id, so running it again changes nothing)."""
    from kb import indexing
    from kb.importer import import_path

    summary = import_path(DEMO_CORPUS)
    indexing.commit()
    return {"articles": summary.files}
