"""Report tables that sort on the server and export as CSV: one description of the columns serves the page (links in
the column headers, `aria-sort`), the CSV file (same rows, same order, every row) and the tests.

The sort is a query parameter named after the table, holding a column key, `-` first for descending
(`?skolor=-tickets`), so each table on a page keeps its own order while another is sorted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

# Swedish alphabetical order puts å, ä, ö after z, in that order; code points would put ä before å.
_SWEDISH_LAST = str.maketrans({"å": "z\u0001", "ä": "z\u0002", "ö": "z\u0003", "æ": "z\u0002", "ø": "z\u0003"})
# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def swedish_sort_key(text: str) -> str:
    return (text or "").casefold().translate(_SWEDISH_LAST)


@dataclass(frozen=True)
class Column:
    """One column: `value` gives the raw value (None for "no figure", which sorts last either way); `kind` says how
    it is shown (text, int, decimal, date, percent); `link` optionally gives the cell a link on the page."""

    key: str
    label: Any
    value: Callable[[Any], Any]
    kind: str = "text"
    link: Callable[[Any], str | None] | None = None
    descending_first: bool | None = None  # numbers sort largest first on the first click, text A–Ö

    @property
    def first_descending(self) -> bool:
        return self.kind != "text" if self.descending_first is None else self.descending_first


@dataclass
class Table:
    key: str  # the query parameter and the CSV's name, e.g. "skolor"
    title: Any
    columns: list[Column]
    rows: list
    default_sort: str
    page_rows: int | None = None  # the page shows at most this many; the CSV has every row
    empty_text: Any = ""
    description: Any = ""

    def column(self, key: str) -> Column | None:
        return next((column for column in self.columns if column.key == key), None)

    def sort_from(self, args: Mapping[str, str]) -> tuple[Column, bool]:
        """The column and direction asked for in `args`, or the table's default for anything unknown."""
        for wanted in (args.get(self.key) or "", self.default_sort):
            descending = wanted.startswith("-")
            column = self.column(wanted.lstrip("-"))
            if column is not None:
                return column, descending
        return self.columns[0], False

    def sorted_rows(self, args: Mapping[str, str]) -> list:
        column, descending = self.sort_from(args)
        first = self.columns[0]
        rows = sorted(self.rows, key=lambda row: _sort_value(first, row))  # ties keep the first column's order
        present = [row for row in rows if column.value(row) is not None]
        missing = [row for row in rows if column.value(row) is None]
        return sorted(present, key=lambda row: _sort_value(column, row), reverse=descending) + missing

    def view(self, args: Mapping[str, str], path: str, csv_path: str, keep: tuple[str, ...] = ()) -> SortedTable:
        """What the page shows: rows in order (cut at `page_rows`), a link and aria-sort per header, and the CSV's
        address with this table's order and the parameters in `keep` (e.g. the period)."""
        column, descending = self.sort_from(args)
        rows = self.sorted_rows(args)
        headers = []
        for each in self.columns:
            if each is column:
                aria_sort = "descending" if descending else "ascending"
                next_descending = not descending
            else:
                aria_sort, next_descending = None, each.first_descending
            query = {**{k: v for k, v in args.items()}, self.key: ("-" if next_descending else "") + each.key}
            headers.append(Header(each, f"{path}?{urlencode(query)}#{self.key}", aria_sort))
        kept = {k: v for k, v in args.items() if k == self.key or k in keep}
        return SortedTable(table=self, headers=headers, rows=rows[:self.page_rows] if self.page_rows else rows,
                           total=len(rows), csv_url=csv_path + (f"?{urlencode(kept)}" if kept else ""))

    def csv_text(self, args: Mapping[str, str]) -> str:
        """The whole table as CSV in the page's order, with a header row; UTF-8 with BOM is the caller's part."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([str(column.label) for column in self.columns])
        for row in self.sorted_rows(args):
            writer.writerow([_csv_cell(column, column.value(row)) for column in self.columns])
        return out.getvalue()


@dataclass
class Header:
    column: Column
    href: str
    aria_sort: str | None


@dataclass
class SortedTable:
    table: Table
    headers: list[Header]
    rows: list
    total: int
    csv_url: str

    @property
    def cut(self) -> bool:
        return len(self.rows) < self.total


def _sort_value(column: Column, row):
    value = column.value(row)
    if column.kind == "text":
        return swedish_sort_key(str(value or ""))
    return value


def _csv_cell(column: Column, value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if column.kind in ("decimal", "percent"):
        return f"{value:.1f}" if column.kind == "decimal" else f"{value * 100:.1f}"
    text = str(value)
    if column.kind == "text" and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text
