"""`support kb import`: front matter validated file by file, nothing half-imported, upsert by id."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kb.cli import kb_cli
from kb.models import Article, ArticleRevision
from support.extensions import db
from tests.conftest import SHARED_DIR

GOOD = """---
id: {id}
title: {title}
language: sv
translation_of: null
audiences: [guardian]
visibility: public
school_forms: []
system: attendance
tags: [frånvaro]
summary: Kort sammanfattning.
updated: 2026-09-14
---
Brödtext om frånvaro.
"""


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def article_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Article))


def test_import_of_a_folder_creates_published_articles_and_their_first_revision(app, runner, tmp_path):
    write(tmp_path, "one.md", GOOD.format(id="one", title="Ett"))
    write(tmp_path, "two.md", GOOD.format(id="two", title="Två"))
    result = runner.invoke(kb_cli, ["import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "2 nya" in result.output
    one = db.session.get(Article, "one")
    assert one.status == "published" and one.title == "Ett" and one.audiences == ["guardian"]
    assert one.updated_at.date().isoformat() == "2026-09-14"
    assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == 2


def test_importing_the_same_files_again_changes_nothing(app, runner, tmp_path):
    write(tmp_path, "one.md", GOOD.format(id="one", title="Ett"))
    runner.invoke(kb_cli, ["import", str(tmp_path)])
    result = runner.invoke(kb_cli, ["import", str(tmp_path)])
    assert "0 nya, 0 ändrade, 1 oförändrade" in result.output
    assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == 1


def test_a_changed_file_updates_the_article_by_id_with_a_new_revision(app, runner, tmp_path):
    path = write(tmp_path, "one.md", GOOD.format(id="one", title="Ett"))
    runner.invoke(kb_cli, ["import", str(path)])
    write(tmp_path, "one.md", GOOD.format(id="one", title="Ett, uppdaterad"))
    result = runner.invoke(kb_cli, ["import", str(path)])
    assert "1 ändrade" in result.output
    db.session.expire_all()
    assert db.session.get(Article, "one").title == "Ett, uppdaterad"
    assert len(db.session.get(Article, "one").revisions) == 2


@pytest.mark.parametrize("name, text, expected", [
    ("bad-yaml.md", "---\nid: x\ntitle: [oavslutad\n---\ntext\n", "bad-yaml.md:3: ogiltig YAML"),
    ("unknown.md", GOOD.format(id="unknown", title="T").replace("system:", "colour: blue\nsystem:"),
     "unknown.md:9: okänd nyckel 'colour'"),
    ("missing.md", GOOD.format(id="missing", title="T").replace("summary: Kort sammanfattning.\n", ""),
     "missing.md: obligatorisk nyckel 'summary' saknas"),
    ("no-front-matter.md", "Bara text\n", "no-front-matter.md:1: filen ska börja med front matter"),
    ("bad-audience.md", GOOD.format(id="bad-audience", title="T").replace("[guardian]", "[parents]"),
     "bad-audience.md: audiences: Okänd målgrupp: parents"),
    ("bad-system.md", GOOD.format(id="bad-system", title="T").replace("attendance", "fax"),
     "bad-system.md: system: Okänt system: fax"),
    ("bad-translation.md", GOOD.format(id="bad-translation", title="T").replace("null", "nowhere"),
     "Originalartikeln nowhere finns inte"),
])
def test_a_bad_file_stops_the_whole_import_with_a_message_naming_the_file(app, runner, tmp_path, name, text,
                                                                           expected):
    write(tmp_path, "good.md", GOOD.format(id="good", title="Bra"))
    write(tmp_path, name, text)
    result = runner.invoke(kb_cli, ["import", str(tmp_path)])
    assert result.exit_code == 1
    assert expected in result.output
    assert "inget skrevs" in result.output
    assert article_count() == 0


def test_duplicate_ids_name_both_files_and_import_nothing(app, runner, tmp_path):
    write(tmp_path, "a.md", GOOD.format(id="same", title="A"))
    write(tmp_path, "b.md", GOOD.format(id="same", title="B"))
    result = runner.invoke(kb_cli, ["import", str(tmp_path)])
    assert result.exit_code == 1
    assert "b.md: id 'same' finns redan i" in result.output and "a.md" in result.output
    assert article_count() == 0


def test_translations_may_point_at_an_original_in_the_same_import(app, runner, tmp_path):
    write(tmp_path, "b-original.md", GOOD.format(id="b-original", title="Original"))
    write(tmp_path, "a-english.md", GOOD.format(id="a-english", title="English").replace(
        "translation_of: null", "translation_of: b-original").replace("language: sv", "language: en"))
    result = runner.invoke(kb_cli, ["import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert db.session.get(Article, "a-english").translation_of == "b-original"


def test_a_missing_path_is_reported(app, runner, tmp_path):
    result = runner.invoke(kb_cli, ["import", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "finns inte" in result.output


def test_the_demo_corpus_imports_completely_and_matches_the_shared_corpus(app):
    from kb.demo import DEMO_CORPUS, load_demo_articles

    if not (SHARED_DIR / "kb-corpus").is_dir():
        pytest.skip("../shared/kb-corpus is not present; the demo copy is checked against it")
    shared = {p.name for p in (SHARED_DIR / "kb-corpus").glob("*.md")} - {"FORMAT.md", "WORLD.md"}
    assert {p.name for p in DEMO_CORPUS.glob("*.md")} == shared
    assert load_demo_articles() == {"articles": 165}
    assert article_count() == 165
    assert load_demo_articles() == {"articles": 165}
    assert db.session.scalar(select(func.count()).select_from(ArticleRevision)) == 165
