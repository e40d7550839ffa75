"""A page of rows counted in the same statement that reads them (no second COUNT query).

`paged(connection, stmt, page, per_page)` adds `count(*) OVER ()` to the statement (computed before
LIMIT, so it is the total of every matching row) and reads one page. Only a page past the end
comes back empty without the total; then, and only then, one COUNT is run. The result has the
attributes the templates' pager reads, as Flask-SQLAlchemy's Pagination does.
"""

from dataclasses import dataclass

import sqlalchemy as sa

TOTAL = "page_total_rows"


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def __iter__(self):
        return iter(self.items)


def with_total(stmt: sa.Select) -> sa.Select:
    """The statement with the count of all its rows on each row (build once, page many times)."""
    return stmt.add_columns(sa.func.count().over().label(TOTAL))


def paged(connection, stmt: sa.Select, page: int, per_page: int, params: dict | None = None,
          count_stmt: sa.Select | None = None) -> Page:
    """One page of a with_total() statement, read on connection (an ORM session or a Core connection)."""
    rows = connection.execute(stmt.limit(per_page).offset((page - 1) * per_page), params or {}).all()
    if rows:
        total = rows[0]._mapping[TOTAL]
    elif page == 1:
        total = 0
    else:  # past the end: the rows say nothing about how many there are
        counted = count_stmt if count_stmt is not None else sa.select(sa.func.count()).select_from(
            stmt.with_only_columns(*[c for c in stmt.selected_columns if c.key != TOTAL]).order_by(None).subquery())
        total = int(connection.execute(counted, params or {}).scalar_one())
    return Page(items=rows, page=page, per_page=per_page, total=int(total))
