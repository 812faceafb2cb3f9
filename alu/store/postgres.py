"""The registry in PostgreSQL, for several hosts sharing one list (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from ..errors import StoreError
from .sql import SQLStore

WRITE_LOCK = 0x616C75  # advisory lock key ("alu") held by every writer until it commits
CONNECT_TIMEOUT_S = 10


class PostgresStore(SQLStore):
    """Writers take one advisory lock, so history sequence numbers are assigned in commit order."""

    backend = "postgres"
    db_errors = (psycopg.Error,)
    remote = True

    def __init__(self, url: str) -> None:
        try:
            connection = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
            raise StoreError(f"cannot connect to the registry database: {detail}") from exc
        super().__init__(connection)

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s")

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield
