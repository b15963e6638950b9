"""Time buckets: counted once per subject, moved (not doubled) by a re-send, always equal to a
recount of the store."""

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from conftest import analysed_item as item
from voc_service.insights.buckets import ALIGN_OFFSET, bucket_start
from voc_service.store import open_store
from voc_service.store.schema import buckets

T0 = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)


def rows(store) -> dict[tuple[str, datetime], dict]:
    with store.engine.connect() as conn:
        got = conn.execute(sa.select(buckets)).mappings().all()
    return {(r["subject"], r["bucket_start"]): dict(r) for r in got if r["conversations"] or r["complaints"]}


def test_one_conversation_counts_once_per_subject(store_url: str) -> None:
    store = open_store(store_url)
    store.save_batch([item("c1", ["A", "B"], topic=3, complaint=True, flagged=True)])
    got = rows(store)
    start = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    assert sorted(k for k, _ in got) == sorted(
        ["all", "sku:A", "sku:B", "topic:3", "sku_topic:A|3", "sku_topic:B|3"]
    )
    assert {k[1] for k in got} == {start}
    a = got[("sku:A", start)]
    assert (a["conversations"], a["complaints"], a["negative_turns"], a["flagged"]) == (1, 1, 1, 1)
    assert a["sentiment_sum"] == -0.5 and a["sentiment_n"] == 1 and a["qa_score_sum"] == 70.0
    assert got[("sku_topic:B|3", start)]["kind"] == "sku_topic" and got[("sku_topic:B|3", start)]["sku_id"] == "B"


def test_resend_moves_counts_instead_of_doubling_them(store_url: str) -> None:
    store = open_store(store_url)
    store.save_batch([item("c1", ["A"], topic=3, complaint=True)])
    later = T0 + timedelta(hours=5)
    store.save_batch([item("c1", ["B"], topic=4, complaint=False, at=later)])
    got = rows(store)
    assert set(k for k, _ in got) == {"all", "sku:B", "topic:4", "sku_topic:B|4"}
    assert got[("all", bucket_start(later, 3600))]["conversations"] == 1
    assert sum(r["complaints"] for r in got.values()) == 0
    # the same id twice in one batch: the last version counts, once
    store.save_batch([item("c1", ["C"], complaint=True), item("c1", ["C"], complaint=True)])
    got = rows(store)
    assert {k for k, _ in got} == {"all", "sku:C", "topic:3", "sku_topic:C|3"}
    assert got[("sku:C", bucket_start(T0, 3600))]["conversations"] == 1


def test_day_buckets_follow_beijing_midnight() -> None:
    # 2026-11-01 17:30 UTC is 01:30 on 2 November in Beijing
    got = bucket_start(datetime(2026, 11, 1, 17, 30, tzinfo=UTC), 86400)
    assert got + ALIGN_OFFSET == datetime(2026, 11, 2, tzinfo=UTC)


def test_buckets_always_equal_a_recount(store_url: str) -> None:
    """Random stores and re-sends; the buckets must equal counting the stored conversations anew."""
    rng = random.Random(7)
    store = open_store(store_url)
    current: dict[str, tuple] = {}
    for _ in range(12):
        batch = []
        for _ in range(rng.randint(1, 15)):
            cid = f"c{rng.randint(0, 30)}"
            args = (
                rng.sample(["A", "B", "C"], rng.randint(0, 2)),
                rng.choice([None, -1, 1, 2]),
                rng.random() < 0.4,
                T0 + timedelta(hours=rng.randint(0, 50)),
                rng.choice([-0.8, 0.0, 0.6]),
                rng.random() < 0.2,
            )
            batch.append(item(cid, *args))
            current[cid] = args
        store.save_batch(batch)
    expected: dict[tuple[str, datetime], list[int]] = {}
    for skus, topic, complaint, at, mean, flagged in current.values():
        keys = ["all", *(f"sku:{s}" for s in skus)]
        if topic is not None:
            keys += [f"topic:{topic}", *(f"sku_topic:{s}|{topic}" for s in skus)]
        for key in keys:
            cell = expected.setdefault((key, bucket_start(at, 3600)), [0, 0, 0, 0])
            cell[0] += 1
            cell[1] += complaint
            cell[2] += flagged
            cell[3] += mean <= -0.3  # an unhappy customer
    got = {k: [r["conversations"], r["complaints"], r["flagged"], r["negative_customers"]] for k, r in rows(store).items()}
    assert got == expected
    assert sum(v[3] for v in expected.values()) > 0


def test_migration_0007_backfills_unhappy_customers_as_ingest_counts_them(store_url: str) -> None:
    """A store from before 0007 (the column dropped by a downgrade) gets the same counts from the
    back-fill as ingest gives, for every subject and bucket, including day-wide buckets."""
    from voc_service.store.buckets import rebuild
    from voc_service.store.migrate import alembic_config, upgrade
    from alembic import command

    rng = random.Random(11)
    store = open_store(store_url)
    store.save_batch([
        item(f"c{i}", rng.sample(["A", "B", "C"], rng.randint(0, 2)), rng.choice([None, -1, 2]), False,
             T0 + timedelta(hours=rng.randint(0, 60)), rng.choice([-0.9, -0.3, -0.29, 0.5]))
        for i in range(40)
    ])
    rebuild(store.engine, 86400)
    before = {k: r["negative_customers"] for k, r in rows(store).items()}
    assert sum(before.values()) > 0 and len(set(before.values())) > 1
    command.downgrade(alembic_config(store.engine), "0006")
    upgrade(store.engine)
    assert {k: r["negative_customers"] for k, r in rows(store).items()} == before


def test_rebuild_with_another_width_recounts_everything(store_url: str) -> None:
    from voc_service.store.buckets import rebuild

    store = open_store(store_url)
    store.save_batch([item(f"c{i}", ["A"], complaint=i % 2 == 0, at=T0 + timedelta(hours=3 * i)) for i in range(10)])
    hourly = rows(store)
    assert sum(r["conversations"] for (k, _), r in hourly.items() if k == "all") == 10
    assert rebuild(store.engine, 86400) == 10
    daily = rows(store)
    per_day = {start: r["conversations"] for (k, start), r in daily.items() if k == "sku:A"}
    # 02:30 UTC + 3 h steps = 10:30 Beijing + 3 h: 5 conversations on 1 November there, 5 on the 2nd
    assert sorted(per_day.values()) == [5, 5] and all((s + ALIGN_OFFSET).hour == 0 for s in per_day)
    assert sum(r["complaints"] for (k, _), r in daily.items() if k == "all") == 5
    # a re-send after the rebuild subtracts from the daily bucket it is now counted in
    store.save_batch([item("c0", ["A"], complaint=False, at=T0)])
    assert sum(r["complaints"] for (k, _), r in rows(store).items() if k == "all") == 4


def test_concurrent_writers_sharing_ids_keep_one_row_and_exact_counts(store_url: str) -> None:
    """Four writers with engines of their own (as replicas have) save overlapping ids at once:
    every save is one revision, each id one row, and the buckets equal a recount afterwards."""
    import threading
    from collections import Counter

    from voc_service.store.buckets import rebuild

    open_store(store_url).close()  # migrate once, before the writers start
    saves: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        store = open_store(store_url, migrate=False)
        try:
            for _ in range(15):
                batch = [
                    item(f"c{rng.randint(0, 12)}", rng.sample(["A", "B"], rng.randint(1, 2)), rng.choice([1, 2]),
                         rng.random() < 0.5, T0 + timedelta(hours=rng.randint(0, 5)))
                    for _ in range(rng.randint(1, 6))
                ]
                store.save_batch(batch)
                with lock:
                    saves.update(conv.conversation_id for conv, _ in batch)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    store = open_store(store_url, migrate=False)
    assert store.count() == len(saves)
    assert {cid: store.get(cid)[2] for cid in saves} == dict(saves)  # no revision lost or repeated
    incremental = rows(store)
    rebuild(store.engine, 3600)
    assert incremental == rows(store)
