"""The processes that make the seed's rows while seed.py writes them.

They are started as `python -m signon.seedgen`, not through multiprocessing: the processes it
spawns first re-import the parent's main script, which for `signon` is the whole app (over a
second of CPU each). These import only what making rows takes (seedrows, seedsqlite, crypto:
about a tenth of that). Each gets the Seeding once, then tasks, on its stdin, and answers each
in turn on its stdout (pickles).
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from signon.crypto import Keyring
from signon.seedrows import SeedColumns, Seeding, batch_columns, hash_span
from signon.seedsqlite import SqliteBatch, batch_image

_SOURCE = str(Path(__file__).resolve().parents[1])  # where this signon package is imported from


def make_batch(
    job: Seeding, keyring: Keyring, hashed: bytes, position: int, bucket: int, buckets: int
) -> SeedColumns | SqliteBatch:
    batch = batch_columns(job, keyring, hashed, position, bucket, buckets)
    return batch_image(batch) if job.sqlite else batch


def hash_addresses(
    job: Seeding, keyring: Keyring, start: int, stop: int, buckets: int
) -> list[bytes]:
    return hash_span(keyring, job.plan, start, stop, buckets)


_TASKS: dict[str, Callable[..., Any]] = {"hash": hash_addresses, "batch": make_batch}


class Generators:
    """`count` generating processes for one seed; a task runs in whichever one is free."""

    def __init__(self, job: Seeding, count: int) -> None:
        python_path = os.pathsep.join(filter(None, (_SOURCE, os.environ.get("PYTHONPATH"))))
        self._processes = [
            subprocess.Popen(
                [sys.executable, "-P", "-m", "signon.seedgen"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": python_path},
            )
            for _ in range(count)
        ]
        self._idle: queue.SimpleQueue[subprocess.Popen[bytes]] = queue.SimpleQueue()
        for process in self._processes:
            _send(process.stdin, job)
            self._idle.put(process)
        self._threads = ThreadPoolExecutor(count, thread_name_prefix="seed-generator")

    def submit(self, task: str, *args: Any) -> Future[Any]:
        return self._threads.submit(self._run, task, args)

    def _run(self, task: str, args: tuple[Any, ...]) -> Any:
        process = self._idle.get()
        try:
            _send(process.stdin, (task, args))
            failed, value = pickle.load(process.stdout)  # type: ignore[arg-type]
        finally:
            self._idle.put(process)
        if failed:
            raise RuntimeError(f"a seed generating process failed:\n{value}")
        return value

    def close(self) -> None:
        """Stop the processes at once (after an error, what they are making is not wanted)."""
        self._threads.shutdown(wait=False, cancel_futures=True)
        for process in self._processes:
            process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()


def _send(pipe: IO[bytes] | None, value: object) -> None:
    assert pipe is not None
    pickle.dump(value, pipe, pickle.HIGHEST_PROTOCOL)
    pipe.flush()


def _serve() -> None:
    # Ctrl-C reaches the whole process group: the parent decides, and stops this one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tasks, answers = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the answers
    job: Seeding = pickle.load(tasks)
    keyring = Keyring(Path(job.key_file))
    while True:
        try:
            task, args = pickle.load(tasks)
        except EOFError:
            return
        try:
            answer = (False, _TASKS[task](job, keyring, *args))
        except Exception:
            answer = (True, traceback.format_exc())
        _send(answers, answer)


if __name__ == "__main__":
    _serve()
