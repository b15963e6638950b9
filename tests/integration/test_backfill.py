"""Backfill (pipelines/backfill.py, voc_service/batch): the engine path stores what the in-order
path stores, from JSONL, CSV and Parquet; a backfill killed midway and restarted ends with every
conversation stored once and the same analyses; exports to Parquet."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa
from backends import fresh_database

from voc_service.api.convert import conversation_to_pb
from voc_service.batch import backfill
from voc_service.batch.compare import compare
from voc_service.batch.sources import message_to_row
from voc_service.config import Settings
from voc_service.jsonl import parse_conversation, to_json
from voc_service.store import open_store
from voc_service.store.repository import make_engine
from voc_service.store.schema import conversations, findings, jobs
from voc_service.synth import GeneratorConfig, generate

ROOT = Path(__file__).resolve().parents[2]
BATCH, PARTITION = 16, 64  # small, so a few hundred conversations make several partitions


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~300 generated conversations over 5 days: promises made, kept and broken across partitions."""
    path = tmp_path_factory.mktemp("backfill") / "sample.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for item in generate(GeneratorConfig(seed=11, days=5, conversations_per_day=60)):
            fh.write(to_json(conversation_to_pb(item.conversation)) + "\n")
        fh.write("this line is not a conversation\n")  # rejected, as the server rejects it
    return path


def _ids(path: Path) -> list[str]:
    out = []
    for line in path.read_text("utf-8").splitlines():
        try:
            out.append(parse_conversation(line).conversation_id)
        except Exception:  # noqa: BLE001, S112 - the bad line
            continue
    return out


def _run(path: Path, url: str, workers: int, fmt: str | None = None, plain: bool = False) -> backfill.Report:
    spec = backfill.make_spec(str(path), Settings(store=url, ingest_batch_max=BATCH), fmt, partition_size=PARTITION)
    parts = backfill.prepare(spec, PARTITION)
    if workers == 0:
        try:
            return backfill.run_in_order(spec, parts) if plain else backfill.run(spec, parts)
        finally:
            backfill.close_worker_pipelines()
    from voc_service.batch.engine import dask_engine

    with dask_engine(workers) as engine:
        return backfill.run(spec, parts, engine.submit, engine.gather)


@pytest.fixture(scope="module")
def in_order(backend: str, sample: Path, tmp_path_factory: pytest.TempPathFactory):
    """The reference: the whole file through one pipeline in this process, in order, batch after
    batch through the server's ingest step (no split, no partitions)."""
    with fresh_database(backend, tmp_path_factory.mktemp("ref")) as url:
        report = _run(sample, url, 0, plain=True)
        yield url, report


def test_engine_with_two_workers_stores_what_the_in_order_path_stores(in_order, sample: Path, store_url: str) -> None:
    ref_url, ref = in_order
    n = len(_ids(sample))
    assert ref.tally.stored == n and ref.tally.rejected == 1
    report = _run(sample, store_url, 2)
    assert (report.tally.stored, report.tally.rejected) == (n, 1)
    diff = compare(make_engine(ref_url), make_engine(store_url))
    assert diff.equal, diff.summary()
    with make_engine(store_url).connect() as conn:  # the ordered chain had work to do
        broken = conn.execute(sa.select(sa.func.count()).select_from(findings).where(findings.c.rule_id == "promise_broken"))
        assert broken.scalar_one() >= 1
    # a second run of the same input finds every partition done and stores nothing
    again = _run(sample, store_url, 0)
    assert again.tally.parts == 0 and again.tally.stored == again.tally.updated == 0


def test_every_conversation_that_makes_or_checks_a_promise_goes_through_the_ordered_chain(in_order, sample: Path) -> None:
    """The precondition of the equality: what the promises stage reads or writes is ordered."""
    ref_url, _ = in_order
    with make_engine(ref_url).connect() as conn:
        made = set(conn.execute(sa.text("SELECT DISTINCT conversation_id FROM promises")).scalars())
        checked = set(conn.execute(
            sa.select(findings.c.conversation_id).where(findings.c.rule_id == "promise_broken")).scalars())
    assert made and checked
    spec = backfill.make_spec(str(sample), Settings(store=ref_url, ingest_batch_max=BATCH), partition_size=PARTITION)
    pipeline = backfill.worker_pipeline(spec)
    try:
        ordered = set()
        for part in backfill.prepare(spec, PARTITION):
            for _, raw in backfill.split(spec, part, pipeline)[1]:
                ordered.update(parse_id(r) for r in raw)
    finally:
        backfill.close_worker_pipelines()
    assert made | checked <= ordered
    assert len(ordered) < 0.5 * len(_ids(sample))  # most of the work stays parallel


def parse_id(raw: bytes | None) -> str:
    from voc_service.api.pb import conversation_pb2

    return "" if raw is None else conversation_pb2.Conversation.FromString(raw).conversation_id


def test_csv_and_parquet_inputs_store_the_same_as_jsonl(in_order, sample: Path, tmp_path: Path, backend: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    ref_url, _ = in_order
    rows = []
    for line in sample.read_text("utf-8").splitlines():
        try:
            rows.append(message_to_row(parse_conversation(line)))
        except Exception:  # noqa: BLE001 - the bad line: a row the parser rejects
            rows.append({"conversation_id": "", "turns": "not json"})
    csv_path = tmp_path / "sample.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    pq_path = tmp_path / "sample.parquet"
    table = pa.Table.from_pylist([{k: r.get(k, "") for k in rows[0]} for r in rows])
    table = table.set_column(table.schema.get_field_index("sku_ids"), "sku_ids",
                             pa.array([json.loads(r["sku_ids"]) if "sku_ids" in r else [] for r in rows]))
    pq.write_table(table, pq_path, row_group_size=50)  # row groups that do not line up with partitions
    for path in (csv_path, pq_path):
        with fresh_database(backend, tmp_path) as url:
            report = _run(path, url, 0)
            assert report.tally.rejected == 1
            diff = compare(make_engine(ref_url), make_engine(url))
            assert diff.equal, f"{path.suffix}: {diff.summary()}"


def _done_parts(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(jobs).where(jobs.c.name.like("bf:%"), jobs.c.holder == "done")
            ).scalar_one()
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):  # not migrated yet
        return 0
    finally:
        engine.dispose()


def test_killed_backfill_restarts_without_duplicates_or_gaps(in_order, sample: Path, store_url: str) -> None:
    ref_url, _ = in_order
    cmd = [sys.executable, str(ROOT / "pipelines" / "backfill.py"), str(sample), "--store", store_url,
           "--workers", "2", "--partition-size", str(PARTITION), "--batch", str(BATCH)]
    env = {**os.environ, "VOC_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    parts = 2 * len(backfill.sources.plan(str(sample), "jsonl", PARTITION))
    try:
        while _done_parts(store_url) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "finished before it could be killed"
        workers = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGKILL)  # midway: some parts recorded, the others running or waiting
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    killed_at = _done_parts(store_url)
    assert 3 <= killed_at < parts
    gone, alive = psutil.wait_procs(workers, timeout=20)  # the workers die with it (no stray writer)
    assert not alive
    with make_engine(store_url).connect() as conn:
        stored_before = conn.execute(sa.select(sa.func.count()).select_from(conversations)).scalar_one()
    assert 0 < stored_before < len(_ids(sample))

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _done_parts(store_url) == parts
    ids = _ids(sample)
    with make_engine(store_url).connect() as conn:
        stored = conn.execute(sa.select(conversations.c.conversation_id, conversations.c.revision)).all()
    assert len(stored) == len({cid for cid, _ in stored}) == len(ids)  # no duplicates
    assert {cid for cid, _ in stored} == set(ids)  # no gaps
    assert {rev for _, rev in stored} == {1}  # nothing stored twice by the restart
    diff = compare(make_engine(ref_url), make_engine(store_url))
    assert diff.equal, diff.summary()


def test_export_findings_and_indices_to_parquet(in_order, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    ref_url, _ = in_order
    out_f, out_i = tmp_path / "findings.parquet", tmp_path / "indices.parquet"
    got = subprocess.run(
        [sys.executable, str(ROOT / "pipelines" / "export_parquet.py"), "--store", ref_url, "--findings", str(out_f),
         "--indices", str(out_i), "--since", "2026-10-01", "--until", "2027-01-01"],
        capture_output=True, text=True, timeout=120,
    )
    assert got.returncode == 0, got.stderr[-2000:]
    store = open_store(ref_url, migrate=False)
    with store.engine.connect() as conn:
        n_findings = conn.execute(sa.select(sa.func.count()).select_from(findings)).scalar_one()
        n_skus = conn.execute(sa.text("SELECT COUNT(DISTINCT sku_id) FROM conversation_skus")).scalar_one()
    store.close()
    table = pq.read_table(out_f)
    assert table.num_rows == n_findings > 0
    assert set(table.column("rule_id").to_pylist()) >= {"promise_broken"}
    indices = pq.read_table(out_i)
    assert indices.num_rows == n_skus
    assert all(0 <= v <= 100 for v in indices.column("index").to_pylist())
    unhappy = indices.column("raw_negative_share").to_pylist()
    assert all(0 <= v <= 1 for v in unhappy + indices.column("negative_share").to_pylist()) and max(unhappy) > 0
