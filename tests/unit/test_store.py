from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from voc_service.domain import Conversation, ConversationAnalysis, Outcome, Role, Turn, TurnAnalysis
from voc_service.store import open_store
from voc_service.store.schema import metadata

T0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def item(cid: str, text: str = "您好") -> tuple[Conversation, ConversationAnalysis]:
    conv = Conversation(
        cid,
        [Turn(Role.CUSTOMER, text, T0)],
        channel="app",
        sku_ids=["100045612378"],
        started_at=T0,
        attributes={"shop": "京东自营"},
    )
    return conv, ConversationAnalysis(cid, [TurnAnalysis(0, Role.CUSTOMER, text)], {"pipeline": "test"})


def test_migrations_match_the_schema(store_url: str) -> None:
    store = open_store(store_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"schema.py and migrations differ: {diff}"
    assert sa.inspect(store.engine).has_table("alembic_version")


def test_upsert_stores_then_updates_never_duplicates(store_url: str) -> None:
    store = open_store(store_url)
    first = store.save_batch([item("c1"), item("c2")])
    assert [(r.outcome, r.revision) for r in first] == [(Outcome.STORED, 1), (Outcome.STORED, 1)]
    again = store.save_batch([item("c1", "改了"), item("c3")])
    assert [(r.outcome, r.revision) for r in again] == [(Outcome.UPDATED, 2), (Outcome.STORED, 1)]
    assert store.count() == 3
    conv, analysis, revision = store.get("c1")
    assert revision == 2 and conv.turns[0].text == "改了"
    assert conv.started_at == T0 and conv.turns[0].sent_at == T0 and conv.attributes == {"shop": "京东自营"}
    assert analysis.versions == {"pipeline": "test"}


def test_same_id_twice_in_one_batch_is_one_row(store_url: str) -> None:
    store = open_store(store_url)
    results = store.save_batch([item("c1", "一"), item("c1", "二")])
    assert [(r.outcome, r.revision) for r in results] == [(Outcome.STORED, 1), (Outcome.UPDATED, 2)]
    assert store.count() == 1
    assert store.get("c1")[0].turns[0].text == "二"


def test_reopening_an_existing_store_keeps_data(store_url: str) -> None:
    url = store_url
    store = open_store(url)
    store.save_batch([item("c1")])
    store.close()
    assert open_store(url).count() == 1


def test_iter_stored_pages_through_everything_in_id_order(store_url: str) -> None:
    store = open_store(store_url)
    store.save_batch([item(f"c{i:03d}") for i in range(23)])
    seen = [conv.conversation_id for conv, _analysis, _rev in store.iter_stored(batch=5)]
    assert seen == [f"c{i:03d}" for i in range(23)]


def test_replicas_migrating_a_fresh_database_at_once_all_start(store_url: str) -> None:
    """Replicas started together on an empty database: one migrates, the others wait for it
    (without the migration lock, PostgreSQL fails on a duplicate alembic_version and SQLite
    on a locked database)."""
    import subprocess
    import sys

    code = "import sys; from voc_service.store import open_store; open_store(sys.argv[1]).count()"
    procs = [subprocess.Popen([sys.executable, "-c", code, store_url], stderr=subprocess.PIPE, text=True) for _ in range(3)]
    failures = [err[-500:] for p in procs if (err := p.communicate(timeout=120)[1]) and p.returncode]
    assert not failures, failures
    store = open_store(store_url, migrate=False)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_a_lost_commit_race_is_retried_and_anything_else_is_the_callers(store_url: str, monkeypatch, caplog) -> None:
    """A lost race (another replica inserted one of our ids first; a deadlock victim) re-runs the
    whole transaction; other store errors surface at once as StoreUnavailable, nothing stored."""
    import pytest
    from sqlalchemy.exc import IntegrityError, OperationalError

    from voc_service.domain import StoreUnavailable

    store = open_store(store_url)
    real, calls = store._save, []

    def failing(errors):
        def save(conn, items):
            calls.append(1)
            if errors:
                raise errors.pop(0)
            return real(conn, items)
        return save

    race = IntegrityError("INSERT INTO conversations", {}, Exception("duplicate key"))
    monkeypatch.setattr(store, "_save", failing([race, race]))
    assert [r.outcome for r in store.save_batch([item("c1")])] == [Outcome.STORED]
    assert len(calls) == 3 and store.count() == 1

    calls.clear()
    monkeypatch.setattr(store, "_save", failing([race] * 10))
    with pytest.raises(StoreUnavailable):
        store.save_batch([item("c2")])
    assert len(calls) == 4 and store.count() == 1  # four attempts, then the caller's
    assert any(getattr(r, "attempts", None) == 4 for r in caplog.records)

    calls.clear()
    monkeypatch.setattr(store, "_save", failing([OperationalError("COMMIT", {}, Exception("disk I/O error"))]))
    with pytest.raises(StoreUnavailable):
        store.save_batch([item("c3")])
    assert len(calls) == 1 and store.count() == 1  # not a race: no retry
