"""Limits that protect the service: a per-caller ingest rate and a cap on open Ingest streams.

Both refuse at once (RESOURCE_EXHAUSTED) instead of queueing: a server under too much load must
answer quickly and keep its memory, and the caller retries with backoff. gRPC's own
``maximum_concurrent_rpcs`` (server.py) bounds everything else; the per-stream read-ahead is
bounded by ``ingest_queue``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class TokenBucket:
    """``rate`` per second, at most ``burst`` at once. Not thread-safe: RateLimiter locks."""

    rate: float
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class RateLimiter:
    """One token bucket per caller key (a token's name, or a client host without auth). At most
    ``max_keys`` buckets are kept, least recently used dropped first, so callers that come and go
    cannot grow memory; a dropped bucket comes back full, which is what an idle caller has anyway."""

    rate: float  # per second; 0 = unlimited
    burst: int = 0  # 0 = one second's worth (at least 1)
    max_keys: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _buckets: OrderedDict[str, TokenBucket] = field(default_factory=OrderedDict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def allow(self, key: str) -> bool:
        """Spend one unit of ``key``'s budget; False when it has none left."""
        if not self.enabled:
            return True
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                size = float(self.burst or max(1.0, self.rate))
                bucket = self._buckets[key] = TokenBucket(self.rate, size, size, now)
                while len(self._buckets) > self.max_keys:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
            return bucket.take(now)


class Slots:
    """A semaphore that never waits: ``try_acquire`` is False when all ``size`` slots are taken."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.BoundedSemaphore(size)

    def try_acquire(self) -> bool:
        return self._free.acquire(blocking=False)

    def release(self) -> None:
        self._free.release()
