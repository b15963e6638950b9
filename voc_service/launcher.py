"""Run `voc serve` as a child process and wait until it is ready: the demo, the tests and the
benchmarks all talk to a real server process over loopback, exactly as a producer would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path


class ServerProcess:
    def __init__(
        self,
        store: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        metrics_port: int = 0,
        env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
    ) -> None:
        self.args = [
            sys.executable, "-m", "voc_service", "serve",
            "--host", host, "--port", str(port), "--metrics-port", str(metrics_port), "--store", store,
            "--exit-with-parent", *(extra_args or []),
        ]  # fmt: skip
        self.env = {**os.environ, **(env or {})}
        self.host = host
        self.port: int | None = None
        self.metrics_port: int | None = None
        self.log_lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None
        self._ready = threading.Event()
        self._logged = threading.Condition()

    @property
    def target(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout: float = 120.0) -> ServerProcess:
        return self.launch().wait_ready(timeout)

    def launch(self) -> ServerProcess:
        """Start the process without waiting (several replicas start at once). Call it from a
        thread that outlives the server: --exit-with-parent ends the server when its parent
        THREAD exits (Linux's parent-death signal follows the thread that forked)."""
        self.proc = subprocess.Popen(
            self.args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=self.env
        )
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float = 120.0) -> ServerProcess:
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if self.proc.poll() is not None:
                raise RuntimeError("voc serve exited before it was ready:\n" + "\n".join(self.log_lines[-20:]))
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError("voc serve was not ready in time:\n" + "\n".join(self.log_lines[-20:]))
        return self

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        for line in self.proc.stderr:
            line = line.rstrip("\n")
            with self._logged:
                self.log_lines.append(line)
                self._logged.notify_all()
            if not self._ready.is_set() and '"voc ready"' in line:
                record = json.loads(line)
                self.port = record["port"]
                self.metrics_port = record.get("metrics_port")
                self._ready.set()

    def signal_and_wait(self, sig: int, *messages: str, timeout: float = 30.0) -> str:
        """Send ``sig`` and wait for the first log line after it that holds one of ``messages``
        (e.g. SIGHUP, then "rule packs reloaded" or "reload rejected"): synchronises on what the
        server says it did, not on a sleep. Returns that line; TimeoutError if none comes."""
        assert self.proc is not None
        proc = self.proc
        return self.act_and_wait(lambda: proc.send_signal(sig), *messages, timeout=timeout)

    def act_and_wait(self, action: Callable[[], object], *messages: str, timeout: float = 30.0) -> str:
        """Run ``action`` (a signal, a CLI command acting on the shared store …) and wait for the
        first log line after it that holds one of ``messages``."""
        with self._logged:
            start = len(self.log_lines)
        action()
        deadline = time.monotonic() + timeout
        with self._logged:
            while True:
                for line in self.log_lines[start:]:
                    if any(m in line for m in messages):
                        return line
                start = len(self.log_lines)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no log line with {messages} within {timeout}s")
                self._logged.wait(left)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM (graceful) and wait; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def dump_threads(self, timeout: float = 5.0, settle: float = 0.5) -> list[str]:
        """SIGUSR1: the server writes every thread's stack to its stderr (faulthandler) and goes
        on. Returns those lines (empty if none came within ``timeout``). The dump has no end
        marker: it is complete once no new line has come for ``settle`` seconds (the lines are
        read as they arrive, so a slow reader does not cut it short)."""
        assert self.proc is not None
        with self._logged:
            start = len(self.log_lines)
        try:
            self.signal_and_wait(signal.SIGUSR1, "most recent call first", timeout=timeout)
        except TimeoutError:
            return []
        deadline = time.monotonic() + timeout
        with self._logged:
            seen = len(self.log_lines)
            while time.monotonic() < deadline:
                self._logged.wait(settle)
                if len(self.log_lines) == seen:
                    break
                seen = len(self.log_lines)
            return self.log_lines[start:]

    def kill(self) -> None:
        """SIGKILL: no chance to flush anything (the durability test's crash)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.terminate()
            except subprocess.TimeoutExpired:
                self.kill()


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"
