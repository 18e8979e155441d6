"""Newest-first pages of admin lists by id: no OFFSET, so a page costs the same however long the list."""

from __future__ import annotations

from support.extensions import db


def newest_first_page(statement, id_column, *, before: int | None, size: int) -> tuple[list, int | None]:
    """One page of `statement` by falling id (ids below `before`), and the `before` of the next page, if any."""
    if before:
        statement = statement.where(id_column < before)
    rows = list(db.session.scalars(statement.order_by(id_column.desc()).limit(size + 1)))
    return rows[:size], (rows[size - 1].id if len(rows) > size else None)
