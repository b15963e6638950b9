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

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER needs batch mode
    )
    context.run_migrations()
