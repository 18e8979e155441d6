"""Import front-matter Markdown files as published articles: validate every file first, then write all in one go."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from kb.models import Article
from kb.service import ArticleData, check_article_data, midnight_utc, save_article
from support.extensions import db

REQUIRED_KEYS = ("id", "title", "language", "audiences", "visibility", "system", "summary")
OPTIONAL_KEYS = ("translation_of", "school_forms", "tags", "updated", "review_by")
SKIPPED_FILES = {"FORMAT.md", "WORLD.md", "README.md"}


class ImportError_(ValueError):  # noqa: N801 - not the builtin ImportError
    """The import was refused; `problems` lists every file with what is wrong (nothing was written)."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ParsedFile:
    path: Path
    data: ArticleData
    updated: dt.date | None


@dataclass
class ImportSummary:
    files: int
    created: int
    updated: int
    unchanged: int


def article_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.glob("*.md") if p.name not in SKIPPED_FILES)
    return [path]


def _as_list(value, key: str, problems: list[str], where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    problems.append(f"{where}: {key} ska vara en lista, till exempel [a, b].")
    return []


def _as_date(value, key: str, problems: list[str], where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f"{where}: {key} ska vara ett datum ÅÅÅÅ-MM-DD, inte {value!r}.")
        return None


def parse_file(path: Path, problems: list[str]) -> ParsedFile | None:
    """Read one file; problems are appended as 'file:line: message'."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(f"{where}: filen är inte UTF-8.")
        return None
    except OSError as error:
        problems.append(f"{where}: kan inte läsas ({error.strerror}).")
        return None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        problems.append(f"{where}:1: filen ska börja med front matter mellan två rader '---'.")
        return None
    try:
        end = next(n for n in range(1, len(lines)) if lines[n].strip() == "---")
    except StopIteration:
        problems.append(f"{where}:1: front matter saknar avslutande '---'.")
        return None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 2}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        problems.append(f"{where}{line}: ogiltig YAML i front matter ({problem}).")
        return None
    if not isinstance(meta, dict):
        problems.append(f"{where}:2: front matter ska vara nyckel: värde-par.")
        return None

    def line_of(key: str) -> str:
        for n in range(1, end):
            if lines[n].split(":", 1)[0].strip() == key:
                return f"{where}:{n + 1}"
        return where

    before = len(problems)
    for key in meta:
        if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
            problems.append(f"{line_of(key)}: okänd nyckel '{key}' (tillåtna: "
                            f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)}).")
    for key in REQUIRED_KEYS:
        if meta.get(key) in (None, "", []):
            problems.append(f"{where}: obligatorisk nyckel '{key}' saknas eller är tom.")
    if len(problems) > before:
        return None
    data = ArticleData(
        id=str(meta["id"]).strip(),
        title=str(meta["title"]).strip(),
        summary=str(meta["summary"]).strip(),
        body="\n".join(lines[end + 1:]).strip() + "\n",
        language=str(meta["language"]).strip(),
        translation_of=str(meta["translation_of"]).strip() if meta.get("translation_of") else None,
        audiences=_as_list(meta.get("audiences"), "audiences", problems, line_of("audiences")),
        visibility=str(meta["visibility"]).strip(),
        school_forms=_as_list(meta.get("school_forms"), "school_forms", problems, line_of("school_forms")),
        system=str(meta["system"]).strip(),
        tags=_as_list(meta.get("tags"), "tags", problems, line_of("tags")),
        status="published",
        review_by=_as_date(meta.get("review_by"), "review_by", problems, line_of("review_by")),
    )
    updated = _as_date(meta.get("updated"), "updated", problems, line_of("updated"))
    return ParsedFile(path, data, updated) if len(problems) == before else None


def import_path(path: str | Path, author=None) -> ImportSummary:
    """Import a folder or one file as published articles (upsert by id). All or nothing; the caller commits."""
    path = Path(path)
    if not path.exists():
        raise ImportError_([f"{path}: finns inte."])
    files = article_files(path)
    if not files:
        raise ImportError_([f"{path}: inga .md-filer att importera."])
    problems: list[str] = []
    parsed = [p for p in (parse_file(f, problems) for f in files) if p is not None]
    seen: dict[str, Path] = {}
    for item in parsed:
        if item.data.id in seen:
            problems.append(f"{item.path}: id '{item.data.id}' finns redan i {seen[item.data.id]}.")
        else:
            seen[item.data.id] = item.path
    known = set(seen)
    for item in parsed:
        for key, message in check_article_data(item.data, known_ids=known).items():
            problems.append(f"{item.path}: {key}: {message}")
    if problems:
        raise ImportError_(problems)

    created = updated = unchanged = 0
    # Originals before translations so the foreign key always points at a row that exists.
    ordered = sorted(parsed, key=lambda p: (p.data.translation_of is not None, p.data.id))
    try:
        for item in ordered:
            existed = db.session.get(Article, item.data.id) is not None
            _article, changed = save_article(
                item.data, author, f"Importerad från {item.path.name}",
                updated_at=midnight_utc(item.updated) if item.updated else None,
            )
            if not changed:
                unchanged += 1
            elif existed:
                updated += 1
            else:
                created += 1
    except Exception:
        db.session.rollback()
        raise
    return ImportSummary(len(parsed), created, updated, unchanged)
