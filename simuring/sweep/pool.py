"""Mapping a function over independent jobs: in this process, on local processes, or on a Dask cluster.

:func:`run_parallel` yields ``(index, result)`` as each job finishes, so the
caller can keep every finished result when it is interrupted.  The jobs must
not depend on the order they run in: each of simuring's simulations is
seeded by its own inputs, so the results are the same whichever way they ran.

- ``workers <= 1``: one after another, in this process;
- local processes (``concurrent.futures`` with ``fork`` where the platform
  has it, so workers start with simuring already imported); the workers
  ignore SIGINT, and closing the generator (Ctrl-C in the caller) stops
  them, dropping the jobs not finished;
- ``scheduler="tcp://HOST:8786"``: an existing Dask cluster
  (``dask.distributed``, the optional extra ``simuring[dask]``), whose
  workers need simuring installed; the function and its arguments travel by
  value.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any


class SchedulerUnavailable(Exception):
    """The Dask scheduler cannot be used (dask.distributed missing, or no scheduler at the address)."""


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _fork_context() -> multiprocessing.context.BaseContext:
    # fork: the children start with simuring already imported (spawn would
    # re-import it in every worker); every worker is forked at the first
    # submit, before any other thread runs in this process
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group: the parent decides what stops
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_parallel(
    fn: Callable[..., Any],
    jobs: Sequence[tuple[Any, ...]],
    workers: int,
    scheduler: str | None = None,
    on_start: Callable[[], None] | None = None,
) -> Generator[tuple[int, Any], None, None]:
    """``(i, fn(*jobs[i]))`` for every job, in the order they finish.

    ``on_start`` is called once the workers exist (a caller may start threads
    from then on: forking a process that has threads is unsafe)."""
    if scheduler is not None:
        yield from _on_dask(fn, jobs, scheduler, on_start)
    elif workers <= 1 or len(jobs) <= 1:
        if on_start is not None:
            on_start()
        for i, args in enumerate(jobs):
            yield i, fn(*args)
    else:
        yield from _on_processes(fn, jobs, min(workers, len(jobs)), on_start)


def _on_processes(
    fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]], workers: int, on_start: Callable[[], None] | None
) -> Generator[tuple[int, Any], None, None]:
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_fork_context(), initializer=_ignore_sigint)
    finished_all = False
    try:
        index: dict[Future[Any], int] = {pool.submit(fn, *args): i for i, args in enumerate(jobs)}
        if on_start is not None:
            on_start()
        pending = set(index)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=index.__getitem__):
                yield index[future], future.result()
        finished_all = True
    finally:
        if finished_all:
            pool.shutdown(wait=True)
        else:  # interrupted: stop the running jobs now, drop the queued ones
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)


def _on_dask(
    fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]], scheduler: str, on_start: Callable[[], None] | None
) -> Generator[tuple[int, Any], None, None]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise SchedulerUnavailable("--scheduler needs dask.distributed: pip install 'simuring[dask]'") from None
    try:
        client = Client(scheduler, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise SchedulerUnavailable(f"no Dask scheduler at {scheduler}: {exc}") from None
    try:
        futures = [client.submit(fn, *args, pure=False) for args in jobs]
        index = {future.key: i for i, future in enumerate(futures)}
        if on_start is not None:
            on_start()
        for future in as_completed(futures, loop=client.loop):
            yield index[future.key], future.result()
    finally:
        client.close()
