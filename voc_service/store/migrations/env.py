"""Alembic environment: migrations run on the engine the service opened (see migrate.py), or on
``sqlalchemy.url`` / ``VOC_STORE`` when run with the alembic CLI."""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context

from voc_service.store.schema import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    engine = sa.create_engine(
        config.get_main_option("sqlalchemy.url") or os.environ.get("VOC_STORE", "sqlite:///voc.db")
    )

# Replicas starting together on a fresh database all migrate at once: one migrates, the others
# wait, then find the schema current. The whole upgrade is one transaction (both backends have
# transactional DDL) holding a lock taken before Alembic reads its version table: PostgreSQL's
# transaction advisory lock, SQLite's write lock (BEGIN IMMEDIATE, see make_engine).
MIGRATION_LOCK = 0x766F635F6D6967  # "voc_mig"

with engine.connect() as connection:
    connection.info["write"] = True
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER needs batch mode
        )
        context.run_migrations()
