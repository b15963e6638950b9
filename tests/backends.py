"""The databases the suite runs against: SQLite always, PostgreSQL when ``VOC_TEST_POSTGRES_URL``
names a server (``.ci/run`` sets it). Each test or module gets a database of its own, created
here and dropped afterwards, so tests never see each other's rows."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

POSTGRES_ENV = "VOC_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    """The admin URL of the test PostgreSQL server (any database on it; new ones are created)."""
    return os.environ.get(POSTGRES_ENV) or None


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    """A new, empty database of ``backend``; yields its SQLAlchemy URL."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'voc-{uuid.uuid4().hex[:8]}.db'}"
        return
    admin_url = postgres_url()
    if admin_url is None:
        raise RuntimeError(f"{POSTGRES_ENV} is not set")
    name = f"voc_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
