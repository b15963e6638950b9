"""Which parts of a backfill are finished, kept in the store's ``jobs`` table (no schema change).

One row per partition and part: ``name`` = ``bf:<job>:<partition>:<part>`` (part ``i``: the
order-independent conversations, ``o``: the ordered ones), ``holder`` = ``running`` or ``done``,
``lease_until`` = when the part was FIRST started (kept across restarts), ``last_bucket`` = when
it finished. The periodic jobs of the server (spikes, retention) use other names, so they never
meet these rows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from voc_service.store.schema import conversations, jobs
from voc_service.store.upsert import upsert_insert

RUNNING, DONE = "running", "done"


def row_name(job: str, partition: int, part: str) -> str:
    return f"bf:{job}:{partition:06d}:{part}"


def finished(engine: Engine, job: str) -> set[tuple[int, str]]:
    """(partition, part) pairs already done for this job."""
    with engine.connect() as conn:
        names = conn.execute(
            sa.select(jobs.c.name).where(jobs.c.name.like(f"bf:{job}:%"), jobs.c.holder == DONE)
        ).scalars()
        out = set()
        for name in names:
            _, _, p, part = name.split(":")
            out.add((int(p), part))
        return out


def start(engine: Engine, job: str, partition: int, part: str) -> tuple[bool, datetime | None]:
    """Mark the part running. Returns (already done?, first start time if this is a restart)."""
    name = row_name(job, partition, part)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            row = conn.execute(sa.select(jobs.c.holder, jobs.c.lease_until).where(jobs.c.name == name)).first()
            if row is None:
                conn.execute(
                    upsert_insert(conn, jobs)
                    .values(name=name, holder=RUNNING, lease_until=now, last_bucket=None)
                    .on_conflict_do_nothing(index_elements=[jobs.c.name])
                )
                return False, None
    return row.holder == DONE, row.lease_until


def finish(engine: Engine, job: str, partition: int, part: str) -> None:
    with engine.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            conn.execute(
                jobs.update()
                .where(jobs.c.name == row_name(job, partition, part))
                .values(holder=DONE, last_bucket=datetime.now(UTC))
            )


def stored_since(engine: Engine, ids: list[str], since: datetime) -> set[str]:
    """Those of ``ids`` stored (or updated) at or after ``since``: what an interrupted attempt of
    the same part already committed."""
    out: set[str] = set()
    with engine.connect() as conn:
        for k in range(0, len(ids), 500):
            chunk = ids[k : k + 500]
            out.update(
                conn.execute(
                    sa.select(conversations.c.conversation_id).where(
                        conversations.c.conversation_id.in_(chunk), conversations.c.updated_at >= since
                    )
                ).scalars()
            )
    return out


def forget(engine: Engine, job: str) -> int:
    """Delete a job's rows (to run the same input again from scratch)."""
    with engine.connect() as conn:
        conn.info["write"] = True
        with conn.begin():
            return conn.execute(jobs.delete().where(jobs.c.name.like(f"bf:{job}:%"))).rowcount
