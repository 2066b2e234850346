"""Executors: where batches of replications run.

Every executor takes the same task function and batches and yields each batch's
result as it finishes, so an experiment gives identical tables whichever runs it:

``serial``     in this process, one batch after another (debugging, tiny experiments);
``processes``  a pool of local worker processes, one per core by default;
``dask``       a Dask distributed cluster: a ``LocalCluster`` started for the
               experiment, or an existing scheduler (``tcp://host:8786``) whose
               workers have fupin-sim installed.

An executor is a context manager. After Ctrl-C the caller asks it to
:meth:`~Executor.drain`: the batches not yet started are cancelled, and the
process pool yields the running ones as they finish (Dask cancels them too).

Worker processes end with the process that started them: if it is killed (out of
memory, a closed terminal, a restarted notebook kernel), each worker exits at once
and the fork server, left without clients, exits after them. Workers write
nothing: this process writes each result to the store, its manifest last, so a
run is complete in the store or absent whenever the kill comes.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from typing import Any, Protocol, Self

from fupin_sim.errors import UserError

EXECUTORS = ("serial", "processes", "dask")
_LOST_WORKER = "the runs that finished are kept; run the same command again to resume"
PARENT_GONE_EXIT_STATUS = 70  # a worker whose parent died (EX_SOFTWARE; nobody is left to read it)


class Executor(Protocol):
    """What the experiment runner needs from an executor."""

    slots: int  # batches that run at the same time (sizes the batches)

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def imap_unordered(self, function: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """``function(item)`` for every item, yielded as each finishes."""
        ...

    def drain(self) -> Iterator[Any]:
        """After an interrupt: cancel what has not started, yield what was running as it finishes."""
        ...


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SerialExecutor:
    """Runs each batch in this process, in order."""

    slots = 1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def imap_unordered(self, function: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """``function(item)`` for each item, in order."""
        for item in items:
            yield function(item)

    def drain(self) -> Iterator[Any]:
        """Nothing runs in the background."""
        return iter(())


class ProcessExecutor:
    """A pool of local worker processes.

    Ctrl-C reaches the whole terminal process group. The workers and the fork
    server ignore it; this process decides: :meth:`drain` cancels the batches not
    started and yields the running ones as they finish, so they are kept. Workers
    are never killed mid-batch: one killed while sending its result back would
    leave the pool's reader waiting forever for the rest of the message.

    Args:
        workers: worker processes (default: one per available core).
    """

    def __init__(self, workers: int | None = None):
        self.slots = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future] = []
        self._delivered: set[Future] = set()

    def __enter__(self) -> Self:
        self._pool = ProcessPoolExecutor(self.slots, mp_context=_worker_context(), initializer=_start_worker)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)  # running batches finish (see the class docstring)

    def imap_unordered(self, function: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Submit every item, then yield results as they finish."""
        with _interrupts_deferred():  # a pool interrupted while starting its workers is in no state to stop
            self._futures = [self._pool.submit(function, item) for item in items]
        for future in as_completed(self._futures):
            yield _result(future)
            self._delivered.add(future)

    def drain(self) -> Iterator[Any]:
        """Cancel the batches not started; yield the others' results as they finish."""
        left = [future for future in self._futures if future not in self._delivered and not future.cancel()]
        for future in as_completed(left):
            yield _result(future)
            self._delivered.add(future)


def _result(future: Future) -> Any:
    try:
        return future.result()
    except BrokenProcessPool:
        raise UserError(
            "a worker process died (killed, out of memory, or - in a script - started outside "
            f'`if __name__ == "__main__":`); {_LOST_WORKER}'
        ) from None


class DaskExecutor:
    """Batches as Dask futures, on a new ``LocalCluster`` or an existing scheduler.

    Args:
        scheduler: address of a running scheduler; None starts a LocalCluster.
        workers: LocalCluster worker processes, one thread each (default: one per core).
        processes: LocalCluster workers as processes (True) or threads of this process.
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None, processes: bool = True):
        self.scheduler, self.workers, self.processes = scheduler, workers, processes
        self.slots = 1
        self._cluster = self._client = None
        self._futures: list[Any] = []

    def __enter__(self) -> Self:
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            with _interrupts_ignored():  # workers inherit it: Ctrl-C is this process's to handle
                self._cluster = LocalCluster(
                    n_workers=self.workers or default_workers(),
                    threads_per_worker=1,
                    processes=self.processes,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self._client = Client(self._cluster, set_as_default=False)
        else:
            try:
                self._client = Client(self.scheduler, timeout="10s", set_as_default=False)
            except (OSError, TimeoutError, ValueError) as err:
                raise UserError(f"cannot connect to the Dask scheduler at {self.scheduler}: {err}") from None
        self.slots = max(1, sum(self._client.nthreads().values()))
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        if exc_type is not None and self._futures:
            self._client.cancel(self._futures)
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def drain(self) -> Iterator[Any]:
        """Cancel every batch still on the cluster (its workers survive being cancelled)."""
        self._client.cancel(self._futures)
        return iter(())

    def imap_unordered(self, function: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Map over the cluster and yield results as they finish."""
        from distributed import KilledWorker
        from distributed import as_completed as dask_as_completed

        self._futures = self._client.map(function, list(items), pure=False)
        try:
            for future in dask_as_completed(self._futures, loop=self._client.loop):
                yield future.result()
        except KilledWorker:
            raise UserError(f"a Dask worker died while running a batch; {_LOST_WORKER}") from None


def make_executor(
    executor: str | Executor = "processes", workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """An executor by name (``serial``, ``processes``, ``dask``); an executor object passes through.

    Args:
        executor: the name, or a ready executor.
        workers: worker processes (processes, Dask LocalCluster).
        scheduler: a Dask scheduler address (with ``executor="dask"`` only).

    Raises:
        UserError: an unknown name, or a scheduler for a non-Dask executor.
    """
    if not isinstance(executor, str):
        return executor
    if scheduler is not None and executor != "dask":
        raise UserError(f"a scheduler address is for the dask executor, not '{executor}'; use --executor dask")
    if workers is not None and workers < 1:
        raise UserError(f"workers must be at least 1, got {workers}")
    if executor == "serial":
        return SerialExecutor()
    if executor == "processes":
        return ProcessExecutor(workers)
    if executor == "dask":
        return DaskExecutor(scheduler, workers)
    raise UserError(f"unknown executor '{executor}'; choose one of {', '.join(EXECUTORS)}")


# glibc settings for the fork server and its workers: keep freed memory instead of handing it back
# to the system after every replication. A replication allocates and frees ~100 MB of columns; giving
# them back and faulting them in again cost several per cent of a replication (bench_sweep.py).
WORKER_MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(256 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(256 * 2**20)}


def _worker_context() -> multiprocessing.context.BaseContext:
    """Fork workers from a server that has already imported the model (fast start, no forked threads)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["fupin_sim.experiments.replications"])
        # The server (and the workers it forks) ignore Ctrl-C from the start and use WORKER_MALLOC_ENV.
        with _interrupts_ignored(), _environment(WORKER_MALLOC_ENV):
            forkserver.ensure_running()
        return context
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """Set environment variables the user has not set, for processes started in the block."""
    added = {name: value for name, value in variables.items() if name not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for name in added:
            del os.environ[name]


def _start_worker() -> None:
    """Set up a pool worker: Ctrl-C is the parent's to handle, and the worker dies with the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent()


def exit_with_parent() -> None:
    """End this multiprocessing child as soon as the process that started it is gone, however it ended.

    A pool worker waits for its next batch on a pipe that it holds both ends of, so a parent
    killed with SIGKILL would leave it waiting forever (and the fork server with it, which stays
    while any of its children lives). A daemon thread waits instead on the parent's sentinel,
    a pipe only the parent writes to, which reads as closed once the parent has exited, and then
    ends the process at once. A no-op outside a multiprocessing child.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent has exited
        os._exit(PARENT_GONE_EXIT_STATUS)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold a Ctrl-C that arrives during the block and raise it when the block is done; main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Ignore SIGINT while processes are started (they keep ignoring it); main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
