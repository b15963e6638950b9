"""The batch engine: Dask distributed (chosen by measurement over Ray; docs/batch.md).

``local`` mode (the default) starts a LocalCluster of ``workers`` processes with one thread each on
this machine; with an ``address`` (``tcp://scheduler:8786``) the jobs run on that cluster, whose
workers need this package installed and the store reachable at the same URL.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

try:  # the engine is an optional extra (pip install 'voc-service[batch]')
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # pragma: no cover - without the extra only the in-process path exists
    WorkerPlugin = object  # type: ignore[assignment,misc]


class DieWithParent(WorkerPlugin):  # type: ignore[misc,valid-type]
    """Local mode: a worker process dies with the process that started it, so a killed backfill
    leaves no worker behind still writing while the restarted one redoes its partition."""

    name = "voc-die-with-parent"

    def setup(self, worker: Any) -> None:  # noqa: ANN401 - distributed.Worker
        if sys.platform.startswith("linux"):
            import ctypes

            ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@dataclass
class Engine:
    client: Any
    workers: int
    address: str

    def submit(self, fn: Callable, *args: object, priority: int = 0) -> Any:  # noqa: ANN401 - a Future
        return self.client.submit(fn, *args, priority=priority, pure=False)

    def gather(self, futures: Sequence[Any]) -> list:
        return self.client.gather(list(futures))

    def run(self, fn: Callable, *args: object) -> object:
        """One task, wherever the scheduler puts it (jobs that are one step, e.g. a refit)."""
        return self.client.submit(fn, *args, pure=False).result()


@contextmanager
def dask_engine(workers: int = 2, address: str | None = None) -> Iterator[Engine]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise SystemExit("the batch engine needs Dask: pip install 'voc-service[batch]'") from exc
    import dask

    if address:
        with Client(address) as client:
            yield Engine(client, len(client.scheduler_info()["workers"]), address)
        return
    if workers < 1:
        raise ValueError("local mode needs at least one worker")
    # no work stealing: partitions are equal, and a stolen task would only move data around
    with dask.config.set({"distributed.scheduler.work-stealing": False}):
        with LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
            memory_limit=0, silence_logs=40,
        ) as cluster, Client(cluster) as client:
            client.register_plugin(DieWithParent())
            yield Engine(client, workers, "local")
