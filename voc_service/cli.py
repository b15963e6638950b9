"""The `voc` command. Flags override VOC_* environment variables (one Settings object)."""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from voc_service.config import load_settings
from voc_service.sentiment.factorised import FactorisedConfig
from voc_service.sentiment.train import AUTO_FACTORISED_ROWS, LEARNERS, TrainConfig

log = logging.getLogger("voc")
# seconds a shutdown may take beyond VOC_GRACE_SECONDS before the watchdog dumps stacks and exits 1
SHUTDOWN_WATCHDOG_SECONDS = 15.0


def _server_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", help="bind address (VOC_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="gRPC port, 0 = any free port (VOC_PORT, default 50051)")
    p.add_argument("--store", help="SQLAlchemy URL (VOC_STORE, default sqlite:///voc.db)")
    p.add_argument(
        "--metrics-port",
        type=int,
        help="Prometheus /metrics port, 0 = any free port, -1 = off (VOC_METRICS_PORT, default 9464)",
    )


def _client_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--token", help="bearer token (VOC_CLIENT_TOKEN; the variable keeps it out of `ps`)")
    p.add_argument("--tls-ca", type=Path, help="CA (PEM) to trust: connect with TLS (VOC_CLIENT_TLS_CA)")
    p.add_argument("--tls-cert", type=Path, help="client certificate (PEM) for mutual TLS (VOC_CLIENT_TLS_CERT)")
    p.add_argument("--tls-key", type=Path, help="its private key (PEM) (VOC_CLIENT_TLS_KEY)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="voc", description="Voice-of-Customer analysis service")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run the gRPC server")
    _server_flags(p)
    p.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)  # used by launcher.py
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("analyze", help="run the pipeline offline over a JSONL file of Conversations")
    p.add_argument("--jsonl", required=True, help="input file, '-' for stdin")
    p.add_argument("--tokens", action="store_true", help="include the segmented tokens")
    p.add_argument("--topic-model", type=Path, help="topic model directory (VOC_TOPIC_MODEL)")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("ingest", help="stream a JSONL file of Conversations to a server")
    p.add_argument("file", help="input file, '-' for stdin")
    p.add_argument("--target", required=True, help="HOST:PORT of a voc server")
    _client_flags(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("health", help="ask a server's gRPC health service; exit 0 when SERVING, 1 otherwise")
    p.add_argument("--target", required=True, help="HOST:PORT of a voc server")
    p.add_argument("--service", default="", help="service name to ask about (default '': the whole server)")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the answer (default 5)")
    _client_flags(p)
    p.add_argument(
        "--tls-server-name", help="name to verify the server certificate against (default: the target's host)"
    )
    p.set_defaults(func=cmd_health)

    p = sub.add_parser("auth", help="bearer tokens for the server's tokens file (VOC_AUTH_TOKENS_FILE)")
    auth = p.add_subparsers(dest="auth_command", required=True)
    t = auth.add_parser("token", help="make a random token; prints it once and its entry for the tokens file")
    t.add_argument("--name", required=True, help="the token's name (logs, rate limit); unique in the file")
    t.add_argument("--roles", required=True, help="comma-separated: ingest, read, review, admin")
    t.add_argument("--expires-days", type=float, help="valid for this many days (default: no expiry)")
    t.set_defaults(func=cmd_auth_token)

    p = sub.add_parser("generate", help="write synthetic conversations (JSONL) and their labels")
    p.add_argument("--out", required=True, help="Conversation JSONL, '-' for stdout")
    p.add_argument("--labels", help="ground-truth labels JSONL (same order)")
    p.add_argument("--days", type=float, default=1.0)
    p.add_argument("--per-day", type=int, default=5000)
    p.add_argument("--skus", type=int, default=300)
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("sentiment", help="train or evaluate a sentiment model on a labelled CSV")
    sentiment = p.add_subparsers(dest="sentiment_command", required=True)
    t = sentiment.add_parser("train", help="train a model on your own labelled data (CSV)")
    t.add_argument("--csv", required=True, type=Path, help="labelled CSV file with a header row")
    t.add_argument("--text-column", help="default: the first of text, review, content, comment ...")
    t.add_argument("--label-column", help="0/1, neg/pos, negative/positive or neutral; default: label")
    t.add_argument("--out", required=True, type=Path, help="model directory to write (model.json + model.npz)")
    t.add_argument("--name", help="model name recorded in its version (default: the directory name)")
    t.add_argument(
        "--domain-column",
        help="a column naming each row's domain (e.g. product category): the model learns per-domain "
        "word weights and routes texts to a domain itself, so scoring needs no domain (docs/sentiment.md)",
    )
    t.add_argument("--unlabelled", type=Path, help="CSV of unlabelled in-domain text for self-training")
    t.add_argument("--unlabelled-column", help="text column of --unlabelled")
    t.add_argument(
        "--learner",
        choices=["auto", *sorted(LEARNERS)],
        default=TrainConfig().learner,
        help=f"auto (default): factorised from {AUTO_FACTORISED_ROWS:,} labelled rows, else logistic (docs/sentiment.md)",
    )
    t.add_argument("--C", type=float, default=TrainConfig().C, help="logistic: inverse regularisation strength")
    t.add_argument("--epochs", type=int, default=FactorisedConfig().epochs, help="factorised: most epochs")
    t.add_argument("--seeds", type=int, default=FactorisedConfig().seeds, help="factorised: models averaged")
    t.add_argument("--self-train-rounds", type=int, default=TrainConfig().self_train_rounds)
    t.add_argument(
        "--rule-overrides",
        choices=["auto", "on", "off"],
        default="auto",
        help="lexicon rules overriding the model on short negated turns; auto: kept unless they cost "
        "accuracy on the calibration rows",
    )
    t.set_defaults(func=cmd_sentiment_train)
    e = sentiment.add_parser("eval", help="accuracy, macro-F1, confusion matrix and speed on a labelled CSV")
    e.add_argument("--csv", required=True, type=Path)
    e.add_argument("--text-column")
    e.add_argument("--label-column")
    e.add_argument("--model", help="model directory or 'default' (default: VOC_SENTIMENT_MODEL)")
    e.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    e.set_defaults(func=cmd_sentiment_eval)

    p = sub.add_parser("topics", help="fit, register and activate topic models (BERTopic, batch)")
    topics = p.add_subparsers(dest="topics_command", required=True)
    f = topics.add_parser("fit", help="fit on a JSONL file of Conversations or on the stored ones")
    source = f.add_mutually_exclusive_group(required=True)
    source.add_argument("--jsonl", help="Conversation JSONL, '-' for stdin")
    source.add_argument("--from-store", action="store_true", help="the conversations in the store (VOC_STORE)")
    f.add_argument("--days", type=float, help="with --from-store: only conversations of the last N days")
    f.add_argument("--model-dir", type=Path, help="where to write the model (created)")
    f.add_argument("--nr-topics", type=int, help="reduce to this many topics (default: as many as found)")
    prev = f.add_mutually_exclusive_group()
    prev.add_argument("--previous", type=Path, help="the model directory this one replaces: its topic ids are kept")
    prev.add_argument("--previous-active", action="store_true", help="keep the ids of the store's active model")
    f.add_argument("--register", action="store_true", help="store the model in the registry (VOC_STORE)")
    f.add_argument("--activate", action="store_true", help="register it and make it the model every server uses")
    f.add_argument(
        "--max-outlier-share", type=float, default=1.0, help="with --activate: do not activate a fit with more outliers"
    )
    f.add_argument("--name", default="topics", help="model name (part of its version)")
    f.add_argument("--seed", type=int, default=42)
    f.add_argument(
        "--min-cluster-size", type=int, help="HDBSCAN min_cluster_size (default: 2.5%% of the conversations)"
    )
    f.add_argument(
        "--fold-similarity", type=float,
        help="refit: fold clusters that split one previous topic back into it when their centroids are at "
        "least this alike (0: every such split; default: never; docs/topics.md)",
    )
    f.set_defaults(func=cmd_topics_fit)
    r = topics.add_parser("register", help="store a model directory in the registry")
    r.add_argument("--model-dir", required=True, type=Path)
    r.add_argument("--activate", action="store_true")
    r.set_defaults(func=cmd_topics_register)
    a = topics.add_parser("activate", help="make a registered model the one every server uses")
    a.add_argument("version")
    a.set_defaults(func=cmd_topics_activate)
    ls = topics.add_parser("list", help="registered models, the active one marked")
    ls.set_defaults(func=cmd_topics_list)

    p = sub.add_parser(
        "spikes", help="replay the spike detector over a CSV series (timestamp,value[,total]): one output row per row"
    )
    p.add_argument("--csv", required=True, help="input CSV, '-' for stdin")
    p.add_argument("--out", help="output CSV (default: stdout): timestamp,value,expected,score,alert")
    p.add_argument("--total-column", help="traffic total per row (conversations): judge the complaint SHARE")
    p.add_argument("--value-column", default="value")
    p.add_argument("--timestamp-column", default="timestamp")
    p.add_argument("--mode", choices=["rate", "count", "value"], help="default: rate with a total, count for "
                   "non-negative integers, value otherwise")
    p.add_argument("--season", type=int, help="rows per day (default: from the timestamps; 0 = no daily pattern)")
    p.add_argument("--history-days", type=float, help="history read per decision (default 28)")
    p.add_argument("--open-score", type=float, help="-log10 tail probability that opens a signal (default 5)")
    p.add_argument("--close-score", type=float, help="under this for --close-after rows: resolved (default 2)")
    p.add_argument("--close-after", type=int, help="default 2")
    p.add_argument("--cooldown", type=int, help="rows after resolving before a new signal (default 6)")
    p.add_argument("--min-count", type=float, help="counts: observed at least this to open (default 5)")
    p.add_argument("--min-excess", type=float, help="counts: at least this above expected (default 3)")
    p.add_argument("--direction", choices=["up", "both"], help="values: only rises (default) or rises and drops")
    p.add_argument("--windows", type=_windows, help="rate mode: rows whose sums are judged too, e.g. 1,2,4 (the default, "
                   "as the service: VOC_SPIKE_WINDOWS)")
    p.set_defaults(func=cmd_spikes)

    p = sub.add_parser("purge", help="blank the turn texts of old conversations (retention, docs/operations.md)")
    p.add_argument("--store", help="SQLAlchemy URL (VOC_STORE)")
    p.add_argument("--older-than-days", type=float, help="that happened longer ago (default VOC_RETENTION_DAYS)")
    p.add_argument("--dry-run", action="store_true", help="only count what would be purged")
    p.add_argument("--batch", type=int, default=1000, help="conversations per transaction (default 1000)")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("demo", help="generate a day of conversations, serve, ingest over gRPC, show results")
    p.add_argument("--conversations", type=int, default=3000)
    p.add_argument("--seed", type=int, default=7)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pydantic import ValidationError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ValidationError as exc:
        problems = "; ".join(f"VOC_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        print(f"voc: invalid setting: {problems}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"voc: {exc}", file=sys.stderr)
        return 2


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings(host=args.host, port=args.port, store=args.store, metrics_port=args.metrics_port)
    from voc_service.server import VocServer
    from voc_service.telemetry import setup_logging

    setup_logging(settings.log_level, settings.log_format)
    if args.exit_with_parent:
        _exit_with_parent()
    server = VocServer(settings)
    stopping = threading.Event()
    shutdown = threading.Thread(target=server.stop, name="shutdown")

    def _on_signal(signum: int, _frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            log.info("signal received", extra={"signal": signal.Signals(signum).name})
            # Watchdog: a shutdown still going SHUTDOWN_WATCHDOG_SECONDS after the grace period
            # (a worker process that never takes its exit sentinel, ...) writes every thread's
            # stack to stderr and exits 1: no SIGTERM is ever ignored, and a hang leaves its
            # cause. Acknowledged conversations are committed before their ack: nothing is lost.
            faulthandler.dump_traceback_later(settings.grace_seconds + SHUTDOWN_WATCHDOG_SECONDS, exit=True)
            shutdown.start()

    def _on_hangup(_signum: int, _frame: object) -> None:
        def reload() -> None:
            from voc_service.qa.pack import PackError

            try:
                server.reload_rules()
            except (PackError, LookupError) as exc:
                log.error("rule pack reload rejected; the rules in use stay", extra={"error": str(exc)})
            try:
                server.reload_topic_model()
            except LookupError:
                pass  # no topic model configured or registered: nothing to reload
            except ValueError as exc:
                log.error("topic model reload rejected; the model in use stays", extra={"error": str(exc)})

        threading.Thread(target=reload, name="reload-rules").start()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGHUP, _on_hangup)
    # every thread's stack to stderr, the server going on: what a stuck shutdown or pass is doing
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    server.start()
    server.wait()
    if shutdown.is_alive():  # gRPC has stopped; the workers and the store close before the interpreter ends
        shutdown.join()
    return 0


def _exit_with_parent() -> None:
    """Linux: get SIGTERM when the process that started us dies (the demo, a test run), so a
    crashed parent never leaves a server behind. Set here, in the child, because a preexec_fn in
    a threaded parent is unsafe."""
    import os

    if not sys.platform.startswith("linux"):
        return
    import ctypes

    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent died before prctl took effect: we were re-parented to init
        os.kill(os.getpid(), signal.SIGTERM)


def cmd_sentiment_train(args: argparse.Namespace) -> int:
    from voc_service.sentiment.commands import run_train

    try:
        return run_train(
            load_settings(),
            args.csv,
            args.text_column,
            args.label_column,
            args.out,
            args.name,
            args.unlabelled,
            args.unlabelled_column,
            TrainConfig(
                learner=args.learner,
                C=args.C,
                self_train_rounds=args.self_train_rounds,
                rule_overrides={"auto": None, "on": True, "off": False}[args.rule_overrides],
                factorised=FactorisedConfig(epochs=args.epochs, seeds=args.seeds),
            ),
            sys.stdout,
            domain_column=args.domain_column,
        )
    except ValueError as exc:  # bad CSV, model file or training data: a message, not a traceback
        print(f"voc sentiment train: {exc}", file=sys.stderr)
        return 2


def cmd_sentiment_eval(args: argparse.Namespace) -> int:
    from voc_service.sentiment.commands import run_eval

    try:
        return run_eval(
            load_settings(), args.csv, args.text_column, args.label_column, args.model, args.json, sys.stdout
        )
    except ValueError as exc:
        print(f"voc sentiment eval: {exc}", file=sys.stderr)
        return 2


def cmd_analyze(args: argparse.Namespace) -> int:
    from voc_service.api.convert import analysis_to_pb, conversation_from_pb
    from voc_service.api.errors import status_code_for
    from voc_service.domain import VocError
    from voc_service.jsonl import open_input, parse_conversation, read_lines, to_json
    from voc_service.pipeline import Pipeline

    pipeline = Pipeline.from_settings(load_settings(topic_model=args.topic_model))
    out = sys.stdout
    errors = 0
    with open_input(args.jsonl) as fh:
        for number, line in read_lines(fh):
            try:
                analysis = pipeline.analyze(conversation_from_pb(parse_conversation(line)))
            except VocError as exc:
                errors += 1
                error = {
                    "code": status_code_for(exc).name,
                    "field": getattr(exc, "field", ""),
                    "message": getattr(exc, "message", str(exc)),
                }
                out.write(json.dumps({"line": number, "error": error}, ensure_ascii=False) + "\n")
                continue
            out.write(to_json(analysis_to_pb(analysis, args.tokens)) + "\n")
    if errors:
        print(f"voc analyze: {errors} line(s) rejected", file=sys.stderr)
    return 0


def cmd_topics_fit(args: argparse.Namespace) -> int:
    from voc_service.topics.commands import NOT_ACTIVATED, FitRequest, print_json, run_fit
    from voc_service.topics.fit import FitConfig

    problem = None
    if args.nr_topics is not None and args.nr_topics < 1:
        problem = "--nr-topics must be >= 1"
    elif args.days is not None and (not args.from_store or args.days <= 0):
        problem = "--days needs --from-store and a positive number"
    elif args.model_dir is None and not (args.register or args.activate):
        problem = "give --model-dir, --register or --activate (else the fit goes nowhere)"
    if problem:
        print(f"voc topics fit: {problem}", file=sys.stderr)
        return 2
    config = FitConfig(
        name=args.name, nr_topics=args.nr_topics, seed=args.seed,
        clustering_params={"min_cluster_size": args.min_cluster_size} if args.min_cluster_size else {},
        fold_similarity=args.fold_similarity,
    )
    request = FitRequest(
        jsonl=args.jsonl, days=args.days, model_dir=args.model_dir, previous=args.previous,
        previous_active=args.previous_active, register=args.register, activate=args.activate,
        max_outlier_share=args.max_outlier_share,
    )
    try:
        result = run_fit(request, config, load_settings())
    except (ValueError, OSError, LookupError) as exc:
        print(f"voc topics fit: {exc}", file=sys.stderr)
        return 2
    print_json(result)
    if result["status"] == NOT_ACTIVATED:
        print(
            f"voc topics fit: not activated: {result['outlier_share']:.1%} outliers, {result['topics']} topics "
            f"(--max-outlier-share {args.max_outlier_share})",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_topics_register(args: argparse.Namespace) -> int:
    from voc_service.topics.commands import print_json, register_directory

    try:
        print_json(register_directory(args.model_dir, args.activate, load_settings()))
    except ValueError as exc:
        print(f"voc topics register: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_topics_activate(args: argparse.Namespace) -> int:
    from voc_service.topics.commands import activate, print_json

    try:
        print_json(activate(args.version, load_settings()))
    except LookupError as exc:
        print(f"voc topics activate: {exc.args[0]}", file=sys.stderr)
        return 2
    return 0


def cmd_topics_list(args: argparse.Namespace) -> int:
    from voc_service.topics.commands import list_models, print_json

    print_json(list_models(load_settings()))
    return 0


def _windows(value: str) -> tuple[int, ...]:
    try:
        windows = tuple(sorted({int(x) for x in value.split(",")} | {1}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a comma-separated list of row counts, e.g. 1,2,4") from None
    if windows[0] < 1 or windows[-1] > 168:
        raise argparse.ArgumentTypeError("windows are between 1 and 168 rows")
    return windows


def cmd_spikes(args: argparse.Namespace) -> int:
    from voc_service.domain import InvalidInput
    from voc_service.insights.commands import read_series, run_backtest, write_rows
    from voc_service.jsonl import open_input

    overrides = {
        "season": args.season, "history_days": args.history_days, "open_score": args.open_score,
        "close_score": args.close_score, "close_after": args.close_after, "cooldown": args.cooldown,
        "min_count": args.min_count, "min_excess": args.min_excess, "direction": args.direction,
        "windows": args.windows or tuple(sorted(set(load_settings().spike_windows) | {1})),
    }
    bad = [k for k in ("history_days", "close_after", "cooldown") if overrides[k] is not None and overrides[k] < 0]
    if bad or (args.season is not None and args.season < 0):
        print(f"voc spikes: --{(bad or ['season'])[0].replace('_', '-')} must not be negative", file=sys.stderr)
        return 2
    try:
        with open_input(args.csv) as fh:
            series = read_series(fh, args.value_column, args.total_column, args.timestamp_column)
        result, _cfg = run_backtest(series, overrides, args.mode)
    except InvalidInput as exc:
        print(f"voc spikes: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"voc spikes: {exc}", file=sys.stderr)
        return 2
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as out:
            write_rows(out, series, result)
    else:
        write_rows(sys.stdout, series, result)
    alerts = sum(1 for a, b in zip([False, *(r.alert for r in result.rows)], (r.alert for r in result.rows)) if b and not a)
    if series.backwards:
        print(f"voc spikes: {series.backwards} timestamp(s) earlier than the row before; rows are judged in file order", file=sys.stderr)
    print(f"voc spikes: {len(result.rows)} rows, mode {result.mode}, {alerts} signal(s)", file=sys.stderr)
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from voc_service.api.pb import conversation_pb2
    from voc_service.client import channel, ingest
    from voc_service.domain import InvalidInput
    from voc_service.jsonl import open_input, parse_conversation, read_lines

    bad: list[str] = []

    def conversations(fh: IO[str]) -> Iterator[conversation_pb2.Conversation]:
        for number, line in read_lines(fh):
            try:
                yield parse_conversation(line)
            except InvalidInput as exc:
                bad.append(f"line {number}: {exc.message}")

    settings = load_settings(
        client_token=args.token, client_tls_ca=args.tls_ca, client_tls_cert=args.tls_cert, client_tls_key=args.tls_key
    )
    token = settings.client_token.get_secret_value() if settings.client_token is not None else None
    connect = channel(
        args.target, token=token,
        tls_ca=settings.client_tls_ca, tls_cert=settings.client_tls_cert, tls_key=settings.client_tls_key,
    )  # fmt: skip
    import grpc

    try:
        with open_input(args.file) as fh, connect as chan:
            summary, _acks = ingest(chan, conversations(fh))
    except grpc.RpcError as exc:  # the whole stream refused (auth, TLS, limits): one line, no traceback
        print(f"voc ingest: {exc.code().name}: {exc.details()}", file=sys.stderr)  # type: ignore[attr-defined]
        return 1
    print(f"sent {summary.sent} conversations in {summary.seconds:.2f}s ({summary.rate:.0f}/s)")
    for outcome, n in sorted(summary.outcomes.items()):
        print(f"  {outcome:<10} {n}")
    for reason, n in summary.errors.most_common(10):
        print(f"  rejected: {reason} x{n}")
    for line in bad[:10]:
        print(f"  not sent: {line}")
    if bad:
        print(f"  {len(bad)} line(s) could not be parsed and were not sent")
    return 1 if bad or summary.errors else 0


def cmd_health(args: argparse.Namespace) -> int:
    """One Check call to grpc.health.v1.Health: for container HEALTHCHECKs, exec probes and people.
    Prints one line; exit 0 only for SERVING."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from voc_service.client import channel

    settings = load_settings(
        client_token=args.token, client_tls_ca=args.tls_ca, client_tls_cert=args.tls_cert, client_tls_key=args.tls_key
    )
    token = settings.client_token.get_secret_value() if settings.client_token is not None else None
    tls = settings.client_tls_ca is not None or settings.client_tls_cert is not None
    if args.timeout <= 0:
        print("voc health: --timeout must be positive", file=sys.stderr)
        return 2
    if args.tls_server_name and not tls:
        print("voc health: --tls-server-name needs TLS (--tls-ca or --tls-cert)", file=sys.stderr)
        return 2
    what = f"{args.target}{' ' + args.service if args.service else ''}"
    try:
        if args.tls_server_name:
            from voc_service.api.tls import channel_credentials

            creds = channel_credentials(settings.client_tls_ca, settings.client_tls_cert, settings.client_tls_key)
            if token:
                creds = grpc.composite_channel_credentials(creds, grpc.access_token_call_credentials(token))
            chan = grpc.secure_channel(
                args.target, creds, options=[("grpc.ssl_target_name_override", args.tls_server_name)]
            )
        else:
            chan = channel(
                args.target, token=token,
                tls_ca=settings.client_tls_ca, tls_cert=settings.client_tls_cert, tls_key=settings.client_tls_key,
            )  # fmt: skip
        with chan:
            reply = health_pb2_grpc.HealthStub(chan).Check(
                health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout
            )
    except grpc.RpcError as exc:  # not reachable, unknown service, token refused: one line, no traceback
        details = " ".join((exc.details() or "").split())  # type: ignore[attr-defined]
        code = exc.code()  # type: ignore[attr-defined]
        if code == grpc.StatusCode.NOT_FOUND and not details:
            details = "the server does not know this service"
        print(f"voc health: {what}: {code.name}{': ' + details if details else ''}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a client certificate without its key
        print(f"voc health: {exc}", file=sys.stderr)
        return 2
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        print(f"voc health: {what}: {status}", file=sys.stderr)
        return 1
    print(f"{what}: {status}")
    return 0


def cmd_auth_token(args: argparse.Namespace) -> int:
    import hashlib
    import secrets
    from datetime import UTC, datetime, timedelta

    import yaml

    from voc_service.api.auth import ROLES

    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    problem = ""
    if not args.name.strip():
        problem = "--name must not be empty"
    elif not roles or set(roles) - ROLES:
        problem = f"--roles: choose from {', '.join(sorted(ROLES))}"
    elif args.expires_days is not None and args.expires_days <= 0:
        problem = "--expires-days must be positive"
    if problem:
        print(f"voc auth token: {problem}", file=sys.stderr)
        return 2
    token = secrets.token_urlsafe(32)
    entry: dict[str, object] = {
        "name": args.name.strip(), "sha256": hashlib.sha256(token.encode()).hexdigest(), "roles": roles,
    }  # fmt: skip
    if args.expires_days is not None:
        expires = datetime.now(UTC) + timedelta(days=args.expires_days)
        entry["expires_at"] = expires.isoformat(timespec="seconds").replace("+00:00", "Z")
    print(f"token: {token}")
    print("# shown once: the server keeps only its sha256. Add this entry to the tokens file:")
    print(yaml.safe_dump([entry], sort_keys=False, default_flow_style=None), end="")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from voc_service.synth_io import write_generated

    n = write_generated(args.out, args.labels, days=args.days, per_day=args.per_day, n_skus=args.skus, seed=args.seed)
    print(f"wrote {n} conversations", file=sys.stderr)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    import time
    from datetime import UTC, datetime, timedelta

    from voc_service.store import open_store
    from voc_service.store.retention import count_purgeable, purge_transcripts

    settings = load_settings(store=args.store)
    days = settings.retention_days if args.older_than_days is None else args.older_than_days
    if days <= 0 or args.batch < 1:
        what = "--batch must be >= 1" if args.batch < 1 else "give --older-than-days N > 0 (or set VOC_RETENTION_DAYS)"
        print(f"voc purge: {what}", file=sys.stderr)
        return 2
    cutoff = datetime.now(UTC) - timedelta(days=days)
    store = open_store(settings.store, settings.sqlite_synchronous)
    try:
        t0 = time.perf_counter()
        if args.dry_run:
            n = count_purgeable(store.engine, cutoff)
            print(f"would purge {n} conversation(s) that happened before {cutoff.isoformat(timespec='seconds')}")
        else:
            n = purge_transcripts(store.engine, cutoff, args.batch)
            print(
                f"purged {n} conversation(s) that happened before {cutoff.isoformat(timespec='seconds')} "
                f"in {time.perf_counter() - t0:.1f}s"
            )
    finally:
        store.close()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from voc_service.demo import run_demo

    return run_demo(args.conversations, args.seed)
