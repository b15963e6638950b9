"""Two replicas on one PostgreSQL (issue 7), at the acceptance size: 20,000 generated
conversations with one injected SKU complaint spike, split across two `voc serve` processes.

Acceptance line measured: "Two server processes on one PostgreSQL, each receiving half of a
stream of 20,000 generated conversations that contains an injected spike: every conversation
stored exactly once, aggregates equal to a single-replica run on the same input, exactly one
signal per injected spike (no duplicate from the second replica), and a client watching replica
B sees the signals that replica A's detector raised. Kill one replica mid-run (SIGKILL): the
other takes over periodic work within one period."

The same approach as tests/integration/test_replicas.py, at full size and with generated data:

1. Data: `voc_service.synth.generate` over the --days days that END at the current hour (the
   live pass judges buckets that closed relative to the wall clock), --per-day conversations a
   day, the newest --conversations of them; one SpikeSpec on the most popular SKU (all its
   complaint intents x --multiplier for the last --spike-hours closed hours). Deterministic
   seed (the data also depends on the hour the run starts: the generator's day cycle is in
   Beijing time). Every --overlap-every-th conversation is sent to BOTH replicas (and twice to
   the reference), to show a re-sent id is updated, never duplicated.
2. Reference: one server on a fresh database ingests the same messages as one stream in time
   order (the re-sent ids twice at the end) with the spike pass off
   (VOC_SPIKE_CHECK_SECONDS=0: the live pass would judge buckets before their data arrived),
   then one server with the pass on (every --period s, grace 0) until the job's newest judged
   bucket is the last closed hour. Bucket table and signals recorded.
3. Replicas: two servers on another fresh database, each sent its half (plus the overlap)
   concurrently; then both restarted with the pass on; the lease holder is SIGKILLed after its
   first finished bucket (mid-pass); takeover = from max(kill, survivor ready) to the jobs row
   naming the survivor; the survivor finishes the pass; a third server (pass off) is the watching
   client: WatchSignals from sequence 0 and ListSignals.
4. Checks (exit 1 if one fails): stored once, same revisions, bucket tables equal, signals equal
   between the runs, exactly one signal on the injected SKU, no duplicate signal, the watcher saw
   every signal's OPENED event in sequence order without duplicates. Takeover within one period
   is reported as a target (met / not met), not a correctness check.

Servers use the default ingest workers (one per CPU, i.e. 2 here) unless --workers is given;
the client (this process) runs on the same 2 shared cores.

    .venv/bin/python bench/bench_replicas.py [--admin-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import grpc
import sqlalchemy as sa
from common import record

from voc_service.api.convert import conversation_to_pb
from voc_service.api.pb import analysis_service_pb2 as pb
from voc_service.api.pb import analysis_service_pb2_grpc, conversation_pb2
from voc_service.api.pb import insights_service_pb2 as ipb
from voc_service.api.pb import insights_service_pb2_grpc
from voc_service.launcher import ServerProcess
from voc_service.store.schema import buckets, conversations
from voc_service.store.signals import SignalStore
from voc_service.synth import GeneratorConfig, SpikeSpec, build_catalog, generate
from voc_service.synth.traffic import TrafficModel

HOUR = timedelta(hours=1)
JOB = "spike_detection"
INT_COLS = ("conversations", "complaints", "negative_turns", "flagged", "sentiment_n", "qa_n")
FLOAT_COLS = ("sentiment_sum", "sentiment_sq_sum", "satisfaction_sum", "qa_score_sum")


# --------------------------------------------------------------------------- databases


@contextmanager
def fresh_database(admin_url: str, keep: bool = False) -> Iterator[str]:
    """A new, empty PostgreSQL database (as tests/backends.py makes them); dropped afterwards
    (unless ``keep``: then its URL is printed, for a look at a failed check)."""
    name = f"voc_bench_replicas_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            if keep:
                print(f"kept database {name}", flush=True)
            else:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def bucket_rows(engine: sa.Engine) -> dict[tuple[str, datetime], dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(buckets)).mappings().all()
    return {
        (r["subject"], r["bucket_start"].astimezone(UTC)): {
            c: r[c] for c in ("kind", "sku_id", "topic_id", *INT_COLS, *FLOAT_COLS)
        }
        for r in rows
        if r["conversations"]
    }


def compare_buckets(a: dict, b: dict) -> dict:
    """Integer columns exact, float sums within 1e-6 (relative to the larger value, at least
    absolute): the replicas add the same terms in another order."""
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    differ, float_exact, max_diff = [], 0, 0.0
    column_delta: Counter = Counter()  # replicas - reference, summed over the differing rows
    kinds: Counter = Counter()
    examples = []
    for key in set(a) & set(b):
        x, y = a[key], b[key]
        bad = any(x[c] != y[c] for c in ("kind", "sku_id", "topic_id", *INT_COLS))
        if bad:
            for c in INT_COLS:
                column_delta[c] += y[c] - x[c]
        for c in FLOAT_COLS:
            d = abs(x[c] - y[c])
            max_diff = max(max_diff, d)
            bad |= d > 1e-6 * max(1.0, abs(x[c]), abs(y[c]))
            float_exact += x[c] == y[c]
        if bad:
            differ.append(key)
            kinds[x["kind"]] += 1
            examples.append((key, {c: (x[c], y[c]) for c in (*INT_COLS, *FLOAT_COLS) if x[c] != y[c]}))
    return {
        "rows": len(a),
        "equal": not (only_a or only_b or differ),
        "only_reference": len(only_a),
        "only_replicas": len(only_b),
        "differing": len(differ),
        "differing_by_kind": dict(kinds),
        "differing_int_columns_replicas_minus_reference": {k: v for k, v in column_delta.items() if v},
        "differing_examples": [
            {"row": f"{k[0]}@{k[1].isoformat()}", "reference_vs_replicas": d} for k, d in sorted(examples)[:8]
        ],
        "float_cells_bit_identical": float_exact,
        "float_cells": len(set(a) & set(b)) * len(FLOAT_COLS),
        "max_float_abs_diff": max_diff,
    }


def revisions(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(conversations.c.conversation_id, conversations.c.revision)).all())


def signal_key(s) -> tuple:
    return (s.kind, s.subject, s.opened_bucket.astimezone(UTC).isoformat(), s.observed, s.severity)


# --------------------------------------------------------------------------- data


def make_stream(args: argparse.Namespace, now: datetime) -> tuple[list[conversation_pb2.Conversation], dict]:
    start = now - timedelta(days=args.days)
    base = GeneratorConfig(seed=args.seed, start=start, days=args.days, conversations_per_day=args.per_day)
    catalog = build_catalog(base.n_skus, base.seed)
    model = TrafficModel(catalog, base)
    sku = catalog[model.by_popularity[0]].sku_id
    spike = SpikeSpec(sku, None, now - args.spike_hours * HOUR, args.spike_hours, args.multiplier)
    cfg = GeneratorConfig(
        seed=args.seed, start=start, days=args.days, conversations_per_day=args.per_day, spikes=[spike]
    )
    t0 = time.perf_counter()
    items = list(generate(cfg))
    items = items[-args.conversations :]  # the newest N: the data ends at the current hour
    convs = [conversation_to_pb(it.conversation) for it in items]
    per_hour: Counter = Counter()
    injected: Counter = Counter()
    for it in items:
        if sku in it.conversation.sku_ids:
            h = math.floor((it.conversation.started_at - now) / HOUR)
            if h >= -8:
                per_hour[h] += it.labels.complaint
                injected[h] += it.labels.spike_id is not None
    meta = {
        "seed": args.seed,
        "data_start": items[0].conversation.started_at.isoformat(),
        "data_end_before": now.isoformat(),
        "conversations": len(convs),
        "distinct_ids": len({c.conversation_id for c in convs}),
        "spike": {
            "sku_id": sku,
            "popularity_rank": 1,
            "intent": "any complaint intent of the SKU",
            "start": spike.start.isoformat(),
            "hours": spike.hours,
            "complaint_multiplier": spike.complaint_multiplier,
            "injected_conversations": sum(injected.values()),
            # generator labels, hours relative to `now` (-1 = the last closed hour)
            "sku_complaints_by_hour": {str(h): per_hour[h] for h in sorted(per_hour)},
            "sku_injected_by_hour": {str(h): injected[h] for h in sorted(injected)},
        },
        "generate_seconds": round(time.perf_counter() - t0, 1),
    }
    return convs, meta


# --------------------------------------------------------------------------- servers and clients


def send(target: str, convs: list[conversation_pb2.Conversation]) -> list[pb.IngestAck]:
    with grpc.insecure_channel(target) as chan:
        stub = analysis_service_pb2_grpc.AnalysisServiceStub(chan)
        return list(stub.Ingest(iter(pb.IngestRequest(conversation=c) for c in convs), timeout=1800))


def outcomes(acks: list[pb.IngestAck]) -> dict[str, int]:
    return dict(Counter(pb.Outcome.Name(a.outcome) for a in acks))


def wait_for(cond, timeout: float, what: str, procs: list[ServerProcess], step: float = 0.05):
    deadline = time.monotonic() + timeout
    while not (value := cond()):
        if time.monotonic() > deadline:
            logs = "\n".join(line for p in procs for line in p.log_lines[-8:])
            raise TimeoutError(f"{what} not within {timeout}s:\n{logs}")
        time.sleep(step)
    return value


def last_bucket(signals: SignalStore) -> datetime | None:
    b = signals.holder(JOB)[2]
    return None if b is None else b.astimezone(UTC)


def run(args: argparse.Namespace) -> dict:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    newest = now - HOUR  # the last closed hour: where the pass must end (grace 0)
    t_start = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    convs, meta = make_stream(args, now)
    twice = convs[:: args.overlap_every]
    half_a, half_b = convs[0::2] + twice, convs[1::2] + twice
    # the reference gets the same messages as one stream in time order (the re-sent ids at the
    # end, twice, as each replica gets them once at the end of its half). Not half_a + half_b:
    # the broken-promise rule looks up the promise a follow-up refers to in the store, so a
    # follow-up analysed before its promise was stored finds nothing; half_a + half_b sends
    # ~80 follow-ups of one half before the promises of the other (the first runs: `flagged`
    # differed in 124 bucket rows, every other column equal).
    single_stream = convs + twice + twice
    messages = len(half_a) + len(half_b)
    assert len(single_stream) == messages
    worker_env = {} if args.workers is None else {"VOC_WORKERS": str(args.workers)}
    base_env = {**worker_env, "VOC_LOG_LEVEL": "INFO", "VOC_SPIKE_GRACE_SECONDS": "0", "VOC_TOPIC_POLL_SECONDS": "0"}
    load_env = {**base_env, "VOC_SPIKE_CHECK_SECONDS": "0"}
    live_env = {**base_env, "VOC_SPIKE_CHECK_SECONDS": str(args.period)}
    out: dict = {"data": meta, "messages": messages, "sent_to_both": len(twice), "period_seconds": args.period}
    spiking = meta["spike"]["sku_id"]
    print(f"generated {len(convs)} conversations in {meta['generate_seconds']} s; spike on {spiking}", flush=True)

    # ---------------------------------------------------------------- reference: one replica
    with fresh_database(args.admin_url, args.keep_databases) as url:
        engine = sa.create_engine(url)
        with ServerProcess(url, env=load_env) as single:
            t0 = time.perf_counter()
            acks = send(single.target, single_stream)
            single_s = time.perf_counter() - t0
        ref_outcomes = outcomes(acks)
        ref_revisions = revisions(engine)
        ref_buckets = bucket_rows(engine)
        print(f"reference ingest: {messages} messages in {single_s:.1f} s", flush=True)
        signals = SignalStore(engine)
        with ServerProcess(url, env=live_env) as single:
            t0 = time.perf_counter()
            wait_for(lambda: last_bucket(signals) == newest, args.timeout, "reference pass", [single])
            ref_pass_s = time.perf_counter() - t0
        ref_signals = signals.list(limit=100_000)
        engine.dispose()
    out["reference"] = {
        "ingest_seconds": round(single_s, 2),
        "ingest_conversations_per_s": round(messages / single_s, 1),
        "outcomes": ref_outcomes,
        "stored": len(ref_revisions),
        "pass_seconds_incl_first_period": round(ref_pass_s, 2),
        "signals": [signal_key(s) for s in sorted(ref_signals, key=signal_key)],
    }
    print(f"reference pass: {len(ref_signals)} signal(s) in {ref_pass_s:.1f} s", flush=True)

    # ---------------------------------------------------------------- two replicas
    with fresh_database(args.admin_url, args.keep_databases) as url:
        engine = sa.create_engine(url)
        a, b = ServerProcess(url, env=load_env).launch(), ServerProcess(url, env=load_env).launch()
        try:
            a.wait_ready(), b.wait_ready()
            acks_by: dict[str, list[pb.IngestAck]] = {}
            threads = [
                threading.Thread(target=lambda s=s, h=h: acks_by.__setitem__(s.target, send(s.target, h)))
                for s, h in ((a, half_a), (b, half_b))
            ]
            t0 = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            pair_s = time.perf_counter() - t0
        finally:
            for p in (a, b):
                p.__exit__(None, None, None)
        all_acks = [x for v in acks_by.values() for x in v]
        rep_revisions = revisions(engine)
        rep_buckets = bucket_rows(engine)
        print(f"two replicas ingest: {messages} messages in {pair_s:.1f} s", flush=True)

        # periodic work: both replicas check every period; the holder is killed mid-pass
        signals = SignalStore(engine)
        a, b = ServerProcess(url, env=live_env).launch(), ServerProcess(url, env=live_env).launch()
        ready: dict[int, float] = {}
        try:
            t_live = time.monotonic()
            deadline = t_live + args.timeout
            while (state := signals.holder(JOB))[2] is None:  # the first finished bucket
                if time.monotonic() > deadline:
                    logs = "\n".join(a.log_lines[-5:] + b.log_lines[-5:])
                    raise TimeoutError("no replica ran the spike pass:\n" + logs)
                ready.update({id(p): time.monotonic() for p in (a, b) if p.ready and id(p) not in ready})
                time.sleep(0.005)
            victim = next(p for p in (a, b) if p.proc and str(p.proc.pid) == state[0].split(":")[1])
            survivor = b if victim is a else a
            victim.kill()
            killed_at = time.monotonic()
            killed_wall = datetime.now(UTC)
            lease_left = (state[1].astimezone(UTC) - killed_wall).total_seconds()
            victim_done = state[2].astimezone(UTC)
            mid_pass = victim_done < newest
            survivor.wait_ready()
            ready.setdefault(id(survivor), time.monotonic())
            wait_for(
                lambda: signals.holder(JOB)[0].split(":")[1:2] == [str(survivor.proc.pid)],
                60, "takeover", [survivor], step=0.01,
            )
            took_over = time.monotonic()
            takeover = took_over - max(killed_at, ready[id(survivor)])
            wait_for(lambda: last_bucket(signals) == newest, args.timeout, "the survivor's pass", [survivor])
            pass_done = time.monotonic()
            # a third replica (no pass of its own) is the watching client
            with ServerProcess(url, env=load_env) as watcher:
                with grpc.insecure_channel(watcher.target) as chan:
                    insights = insights_service_pb2_grpc.InsightsServiceStub(chan)
                    seen = []
                    try:
                        request = ipb.WatchSignalsRequest(after_sequence=0)
                        stream = insights.WatchSignals(request, timeout=args.watch_seconds)
                        for ev in stream:
                            seen.append((ev.sequence, ipb.SignalEvent.Kind.Name(ev.kind), ev.signal.signal_id))
                    except grpc.RpcError as err:
                        if err.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                            raise
                    listed = list(insights.ListSignals(ipb.ListSignalsRequest(page_size=500)).signals)
        finally:
            for p in (a, b):
                p.__exit__(None, None, None)
        rep_signals = signals.list(limit=100_000)
        holders = {
            "victim_pid": victim.proc.pid,
            "survivor_pid": survivor.proc.pid,
        }
        engine.dispose()

    # ---------------------------------------------------------------- checks
    distinct = meta["distinct_ids"]
    twice_ids = {c.conversation_id for c in twice}
    bucket_cmp = compare_buckets(ref_buckets, rep_buckets)
    ref_set = [signal_key(s) for s in ref_signals]
    rep_set = [signal_key(s) for s in rep_signals]
    spike_sku = meta["spike"]["sku_id"]
    on_spike = [s for s in rep_signals if s.kind == "sku" and s.sku_id == spike_sku]
    on_spike_ref = [s for s in ref_signals if s.kind == "sku" and s.sku_id == spike_sku]
    seqs = [x[0] for x in seen]
    opened_seen = {sid for _q, k, sid in seen if k == "OPENED"}
    spike_start = now - args.spike_hours * HOUR
    checks = {
        "every_ack_stored_or_updated": len(all_acks) == messages
        and all(x.outcome in (pb.STORED, pb.UPDATED) for x in all_acks),
        "stored_exactly_once": len(rep_revisions) == distinct == len(ref_revisions),
        "revisions_equal_single_replica": rep_revisions == ref_revisions
        and all(ref_revisions[c] == 3 for c in twice_ids),
        "buckets_equal_single_replica": bucket_cmp["equal"],
        "signals_equal_single_replica": sorted(ref_set) == sorted(rep_set),
        "no_duplicate_signal": len(set(rep_set)) == len(rep_set)
        and len({(s.kind, s.subject, s.opened_bucket) for s in rep_signals}) == len(rep_signals),
        "one_signal_on_injected_spike": len(on_spike) == 1 and len(on_spike_ref) == 1
        and spike_start <= on_spike[0].opened_bucket.astimezone(UTC) <= newest,
        "kill_was_mid_pass": mid_pass,
        "watcher_in_order_no_duplicates": seqs == sorted(set(seqs)),
        "watcher_saw_every_signal": opened_seen == {s.signal_id for s in rep_signals} == {s.signal_id for s in listed},
    }
    # a timing target, not a correctness check: reported, does not change the exit code
    targets = {"takeover_within_one_period": takeover <= args.period}
    out["replicas"] = {
        "ingest_seconds": round(pair_s, 2),
        "ingest_conversations_per_s": round(messages / pair_s, 1),
        "acks_per_replica": {k: outcomes(v) for k, v in acks_by.items()},
        "stored": len(rep_revisions),
        "resent_ids": len(twice_ids),
        "resent_revisions": dict(Counter(rep_revisions[c] for c in twice_ids)),
        "signals": sorted(rep_set),
        "signal_on_injected_spike": [signal_key(s) for s in on_spike],
        **holders,
        "victim_newest_bucket_at_kill": victim_done.isoformat(),
        "buckets_left_at_kill": int((newest - victim_done) / HOUR),
        "lease_left_at_kill_seconds": round(lease_left, 3),
        "takeover_seconds": round(takeover, 3),
        "takeover_over_period": round(takeover / args.period, 3),
        "takeover_after_lease_expiry_seconds": round(takeover - max(0.0, lease_left), 3),
        "survivor_finished_pass_seconds_after_takeover": round(pass_done - took_over, 2),
        "watcher_events": len(seen),
        "watcher_event_kinds": dict(Counter(k for _q, k, _s in seen)),
        "listed_signals": len(listed),
    }
    out["buckets"] = bucket_cmp
    two, one = out["replicas"]["ingest_conversations_per_s"], out["reference"]["ingest_conversations_per_s"]
    out["ingest_two_over_one"] = round(two / one, 3)
    out["checks"] = checks
    out["all_checks_hold"] = all(checks.values())
    out["targets"] = targets
    out["newest_bucket"] = newest.isoformat()
    out["hour_rolled_over"] = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) != now
    out["total_seconds"] = round(time.perf_counter() - t_start, 1)
    out["workers_per_server"] = args.workers if args.workers is not None else "default (one per CPU)"
    out["machine"] = (
        f"{os.cpu_count()} cores, shared with other work (1-min load average {load_at_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end)"
    )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--admin-url",
        default=os.environ.get("VOC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="any database of the PostgreSQL server; fresh databases are created (and dropped) next to it",
    )
    ap.add_argument("--conversations", type=int, default=20_000)
    ap.add_argument("--days", type=float, default=4.0)
    ap.add_argument("--per-day", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--multiplier", type=float, default=8.0, help="complaint multiplier of the injected spike")
    ap.add_argument("--spike-hours", type=int, default=4)
    ap.add_argument("--overlap-every", type=int, default=25, help="every n-th conversation goes to both replicas")
    ap.add_argument("--period", type=float, default=2.0, help="VOC_SPIKE_CHECK_SECONDS while the pass runs")
    ap.add_argument("--workers", type=int, default=None, help="VOC_WORKERS of every server (default: the server's)")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--watch-seconds", type=float, default=3.0)
    ap.add_argument(
        "--keep-databases", action="store_true", help="do not drop the two databases (their names are printed)"
    )
    ap.add_argument("--min-minutes-left", type=float, default=8.0,
                    help="wait for the next hour when fewer minutes than this are left in this one "
                    "(both runs must end at the same bucket)")
    args = ap.parse_args()
    wall = datetime.now(UTC)
    left = 60 - wall.minute - wall.second / 60
    if left < args.min_minutes_left:
        print(f"{left:.1f} min left in this hour: waiting for the next one", flush=True)
        time.sleep(left * 60 + 5)
    result = run(args)
    path = record("replicas", result)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"\nwritten to {path}")
    failed = [k for k, v in result["checks"].items() if not v]
    if failed:
        print(f"FAILED checks: {failed}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
