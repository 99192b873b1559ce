"""The importer's pages of VALUES on SQLite (storage/imports.py `page_sizes`): full pages, then
powers of two, so a table's writes use a handful of statement texts however its batches divide.

Every page size is a statement that SQLite compiles and Python's sqlite3 keeps in its cache; a
last page of a new size in each batch held 61 MiB of SQLite's memory after 10,000 clients (28
MiB when the generated file divided otherwise), and the "flat memory" goal failed by the hour
of the run."""

from __future__ import annotations

import sqlite3

import pytest

from storage import imports
from storage.imports import MAX_PARAMETERS, page_sizes


@pytest.mark.parametrize("per_page", [1, 2, 7, 100, 2_500, 30_000 // 13])
def test_pages_hold_every_row_once_none_larger_than_a_page(per_page: int) -> None:
    for count in [*range(0, 3 * per_page + 3), 10 * per_page + per_page // 3]:
        sizes = list(page_sizes(count, per_page))
        assert sum(sizes) == count
        assert all(0 < size <= per_page for size in sizes)
        rest = [size for size in sizes if size != per_page]
        assert rest == sorted(rest, reverse=True)  # full pages first, then the rest, largest first
        assert all(size & (size - 1) == 0 for size in rest)  # powers of two
        assert len(rest) == len(set(rest))  # each at most once


def test_a_tables_writes_use_a_handful_of_statement_texts_whatever_the_batch_sizes() -> None:
    width = 13  # the reminder table's columns
    per_page = MAX_PARAMETERS // width
    texts: set[str] = set()
    for count in range(1, 3 * per_page, 37):  # batches of every size up to three pages
        rows = [tuple(range(width))] * count
        for groups, params in imports._pages("qmark", rows, width):
            texts.add(groups)
            assert len(params) <= MAX_PARAMETERS
    # one for a full page, one per power of two below it: not one per batch size (there were
    # 187 batch sizes here)
    assert len(texts) <= per_page.bit_length() + 1


def test_pages_keep_the_rows_in_order() -> None:
    rows = [(n, f"name {n}") for n in range(1_000)]
    flat: list[object] = []
    for groups, params in imports._pages("qmark", rows, 2):
        assert groups.count("(") * 2 == len(params)
        flat.extend(params)
    assert flat == [value for row in rows for value in row]


def test_a_page_runs_on_sqlite_as_one_insert_per_size() -> None:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    rows = [(n, "<b>&amp;'\"") for n in range(4_321)]
    for groups, params in imports._pages("qmark", rows, 2):
        connection.execute(f"INSERT INTO t (a, b) VALUES {groups}", params)
    assert connection.execute("SELECT count(*), sum(a) FROM t").fetchone() == (
        4_321,
        sum(range(4_321)),
    )
    assert connection.execute("SELECT DISTINCT b FROM t").fetchall() == [("<b>&amp;'\"",)]
