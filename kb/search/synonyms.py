"""Editable synonym list for the knowledge-base search.

Format (plain UTF-8 text, one group per line, meant to be edited by a KB editor)::

    # a comment
    lösenord, lösen, password              equivalent: each word also searches for the others
    dagis => förskola                      one-way: "dagis" also searches for "förskola", not the reverse
    feber, förkyld, magsjuk => sjuk, sjukanmälan
    anpassad grundskola, grundsärskola, särskola     phrases of several words are allowed

Words are matched after the same analysis as the articles (case, å/ä/ö, inflection), so "Lösenordet" matches a
line that says "lösenord". The list is applied when searching, so an edited list takes effect without reindexing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PATH = Path(__file__).with_name("synonyms.txt")


@dataclass(frozen=True)
class SynonymRule:
    sources: tuple[str, ...]  # phrases as written
    targets: tuple[str, ...]
    two_way: bool
    line: int


@dataclass
class Synonyms:
    rules: list[SynonymRule] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    # construction ---------------------------------------------------------------------------------------------
    @classmethod
    def from_text(cls, text: str) -> Synonyms:
        rules: list[SynonymRule] = []
        errors: list[str] = []
        for n, raw in enumerate((text or "").splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            if line.count("=>") > 1:
                errors.append(f"rad {n}: mer än en '=>'")
                continue
            if "=>" in line:
                left, right = line.split("=>")
                sources = _phrases(left)
                targets = _phrases(right)
                if not sources or not targets:
                    errors.append(f"rad {n}: ord saknas före eller efter '=>'")
                    continue
                rules.append(SynonymRule(sources, targets, False, n))
            else:
                words = _phrases(line)
                if len(words) < 2:
                    errors.append(f"rad {n}: en grupp behöver minst två ord")
                    continue
                rules.append(SynonymRule(words, words, True, n))
        return cls(rules, errors)

    @classmethod
    def from_file(cls, path: str | Path) -> Synonyms:
        return cls.from_text(Path(path).read_text(encoding="utf-8"))

    @classmethod
    def default(cls) -> Synonyms:
        """The list shipped with the application (kb/search/synonyms.txt)."""
        return cls.from_file(DEFAULT_PATH)

    @classmethod
    def empty(cls) -> Synonyms:
        return cls([])

    def to_text(self) -> str:
        out = []
        for r in self.rules:
            if r.two_way:
                out.append(", ".join(r.sources))
            else:
                out.append(f"{', '.join(r.sources)} => {', '.join(r.targets)}")
        return "\n".join(out) + "\n"

    def words(self) -> list[str]:
        """Every phrase in the list (for the vocabulary used by compound splitting and spelling correction)."""
        seen: dict[str, None] = {}
        for r in self.rules:
            for p in (*r.sources, *r.targets):
                seen.setdefault(p, None)
        return list(seen)

    def __len__(self) -> int:
        return len(self.rules)

    def fingerprint(self) -> str:
        import hashlib

        return hashlib.sha1(self.to_text().encode("utf-8")).hexdigest()[:12]  # noqa: S324 - not security


def _phrases(part: str) -> tuple[str, ...]:
    out = []
    for p in part.split(","):
        p = " ".join(p.split())
        if p:
            out.append(p)
    return tuple(out)
