"""The topic model registry: fitted models stored whole in the database, one of them active.

Every replica on the same database serves the active model: it loads it at start and checks the
active version periodically (and on SIGHUP), so `voc topics activate` switches all replicas
without a restart or a shared file system. Activation writes the model's lineage as topic events
(kept / split / merged / new / retired) once, in activation order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from voc_service.store.schema import topic_events, topic_models
from voc_service.topics.model import ModelFiles


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    version: str
    name: str
    previous_version: str
    topic_count: int
    registered_at: datetime
    activated_at: datetime | None
    active: bool


@dataclass(frozen=True, slots=True)
class TopicEvent:
    event_id: int
    model_version: str
    kind: str
    topic_id: int
    previous_ids: list[int]
    label: str
    created_at: datetime


class TopicRegistry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def register(self, files: ModelFiles) -> str:
        """Store a model (idempotent: the same files are the same version). Returns its version."""
        meta = json.loads(files.meta.decode("utf-8"))
        version = files.version(meta["name"])
        with self.engine.begin() as conn:
            if conn.execute(sa.select(topic_models.c.version).where(topic_models.c.version == version)).first():
                return version
            conn.execute(
                topic_models.insert().values(
                    version=version,
                    name=meta["name"],
                    previous_version=meta.get("previous_version", ""),
                    topic_count=len(meta["topics"]),
                    meta=files.meta.decode("utf-8"),
                    arrays=files.arrays,
                    registered_at=datetime.now(UTC),
                )
            )
        return version

    def activate(self, version: str) -> None:
        """Make ``version`` the one served; raises LookupError for an unknown version."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(topic_models.c.meta).where(topic_models.c.version == version)).first()
            if row is None:
                raise LookupError(f"no registered topic model {version!r}")
            conn.execute(topic_models.update().where(topic_models.c.active).values(active=False))
            conn.execute(
                topic_models.update().where(topic_models.c.version == version).values(active=True, activated_at=now)
            )
            seen = conn.execute(sa.select(topic_events.c.event_id).where(topic_events.c.model_version == version))
            if seen.first() is None:
                meta = json.loads(row.meta)
                labels = {t["id"]: t["label"] for t in meta["topics"]}
                events = [
                    {
                        "model_version": version,
                        "kind": x["kind"],
                        "topic_id": x["topic_id"],
                        "previous_ids": ",".join(str(i) for i in x.get("previous_ids", []) if i is not None),
                        "label": labels.get(x["topic_id"], "")[:200],
                        "created_at": now,
                    }
                    for x in meta.get("lineage", [])
                ]
                if events:
                    conn.execute(topic_events.insert(), events)

    def active_version(self) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(topic_models.c.version).where(topic_models.c.active)).scalar()

    def files(self, version: str) -> ModelFiles:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(topic_models.c.meta, topic_models.c.arrays).where(topic_models.c.version == version)
            ).first()
        if row is None:
            raise LookupError(f"no registered topic model {version!r}")
        return ModelFiles(row.meta.encode("utf-8"), bytes(row.arrays))

    def models(self) -> list[RegisteredModel]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(
                    topic_models.c.version, topic_models.c.name, topic_models.c.previous_version,
                    topic_models.c.topic_count, topic_models.c.registered_at, topic_models.c.activated_at,
                    topic_models.c.active,
                ).order_by(topic_models.c.registered_at, topic_models.c.version)
            ).all()
        return [RegisteredModel(*r) for r in rows]

    def events(self, after_id: int = 0, limit: int = 100, kind: str = "") -> list[TopicEvent]:
        query = sa.select(topic_events).where(topic_events.c.event_id > after_id)
        if kind:
            query = query.where(topic_events.c.kind == kind)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(topic_events.c.event_id).limit(limit)).mappings().all()
        return [
            TopicEvent(
                r["event_id"], r["model_version"], r["kind"], r["topic_id"],
                [int(i) for i in r["previous_ids"].split(",") if i], r["label"], r["created_at"],
            )
            for r in rows
        ]
