"""Exact, widening SIMD sums on a bounded pool of core-pinned workers.

The answer to "how can I create an asynchronous method to calculate a sum, limiting the number of
threads used?"::

    import asyncio, coresum

    async def main():
        with coresum.Pool(threads=4) as pool:      # at most 4 threads, pinned, ever
            total = await pool.sum_async(numpy_array)

``coresum.sum(data)`` sums any buffer (numpy arrays of every integer, bool and float16/32/64
dtype, in either byte order and any layout; ``array.array``; ``memoryview``; ``bytes`` as
unsigned bytes) or any iterable of ints and floats:

- integer input gives a Python ``int``, exact, never wrapping;
- float input gives a ``float``: with ``mode="exact"`` (the default) the correctly rounded exact
  sum, the same bits as ``math.fsum``; ``"compensated"`` and ``"fast"`` trade accuracy for speed
  (buffers only: iterables are always summed exactly);
- bools count as the ints 0 and 1 (as in Python's ``sum`` and numpy's);
- an iterable mixing ints and floats gives the correctly rounded float of the exact sum of all of
  them (ints are never rounded on the way, unlike ``math.fsum``);
- object, complex, text, and other non-numeric input raise ``TypeError`` naming the problem.

Contiguous buffers in native byte order are summed in place, with the GIL released and the buffer
kept exported (so it cannot be resized) until the sum ends. Buffers with gaps between elements,
in the other byte order or misaligned are first copied into a native contiguous array (with the
GIL released) and that copy is summed.

``threads=None`` uses the default pool (one pinned worker per core the process may use,
``CORESUM_THREADS`` / ``CORESUM_CORES`` respected); ``threads=k`` a process-wide pool of ``k``
workers, started on first use and reused for the life of the process.

Beyond the sum, with numpy's semantics where numpy is exact and correctly rounded where it is not
(the same input as ``sum``; buffers read in numpy's flat C order, in place where they lie so;
the GIL released while they run):

- ``dot(a, b, *, mode="exact")``: ``a`` and ``b`` of the same element type and size (else
  ``TypeError`` / ``ValueError``), paired in flat order like ``numpy.vdot``; exact ``int`` for
  integers (``int64``/``uint64`` included, never wrapping), the correctly rounded float for floats;
- ``min``, ``max``, ``argmin``, ``argmax`` (``threads=`` as for ``sum``): a NaN anywhere is the
  ``min``/``max``, and ``argmin``/``argmax`` give the first NaN's index, like numpy; ties give the
  first index; empty input raises numpy's ``ValueError``;
- ``mean``, ``var(data, ddof=0)``, ``std(data, ddof=0)``: correctly rounded (numpy's are not);
  ``mean`` of nothing and ``var``/``std`` with ``n <= ddof`` give NaN with a ``RuntimeWarning``,
  as numpy; ``norm2``: the square root of the correctly rounded exact sum of squares;
- ``checked_sum(data)``: integers only (floats raise ``TypeError``): the exact sum as an ``int``
  where it fits the element type (``int8`` … ``uint64``; bools are stored as ``uint8``), else
  ``OverflowError`` naming the type. It raises rather than return ``None`` so that a sum that
  would wrap in its own dtype (as ``numpy.add.reduce(a, dtype=a.dtype)`` does, silently) cannot
  pass unnoticed; ``sum`` gives the exact value either way;
- ``nansum(data, *, mode="exact")``: numpy's ``nansum``: floats summed with NaNs skipped
  (``0.0`` when every element is NaN, or there are none; ``mode`` as for ``sum``); integers summed
  exactly, as by ``sum``;
- an iterable is converted once as ``numpy.asarray`` would: ``int64`` if every item is an int,
  else ``float64``; ints beyond 64 bits raise ``OverflowError`` (only ``sum`` takes them).

``Pool`` has ``min``, ``max``, ``argmin`` and ``argmax`` methods.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from typing import Any, Generator, Optional

from . import _coresum
from ._coresum import (
    ExactSum,
    Task,
    argmax,
    argmin,
    checked_sum,
    default_threads,
    dot,
    isa,
    max,  # noqa: A004 - numpy's names
    mean,
    min,  # noqa: A004
    nansum,
    norm2,
    std,
    var,
)

__all__ = [
    "ExactSum",
    "Pool",
    "SumFuture",
    "argmax",
    "argmin",
    "checked_sum",
    "default_threads",
    "dot",
    "isa",
    "max",
    "mean",
    "min",
    "nansum",
    "norm2",
    "std",
    "sum",
    "sum_async",
    "var",
]


def sum(data: Any, *, mode: str = "exact", threads: Optional[int] = None) -> Any:  # noqa: A001
    """The sum of ``data`` (see the module documentation), blocking, with the GIL released."""
    return _coresum.sum(data, mode=mode, threads=threads)


def sum_async(data: Any, *, mode: str = "exact", threads: Optional[int] = None) -> "SumFuture":
    """Starts summing ``data`` on the default pool (or the shared pool of ``threads`` workers) and
    returns an awaitable for it; see :class:`SumFuture`."""
    return SumFuture(_coresum.start(data, mode=mode, threads=threads))


def _wake_waiter(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_result(None)


def _notify_loop(loop: asyncio.AbstractEventLoop, waiter: "asyncio.Future[None]") -> None:
    # Runs on the pool worker that finished the sum, with the GIL: hand over to the loop's thread.
    try:
        loop.call_soon_threadsafe(_wake_waiter, waiter)
    except RuntimeError:  # the loop is closed: nobody is waiting any more
        pass


class SumFuture:
    """An asynchronous sum running on a pool; created by ``sum_async``.

    Awaitable from any asyncio event loop: awaiting never blocks the loop and starts no thread;
    the pool worker that finishes the sum wakes the loop with ``call_soon_threadsafe``. The sum
    starts at creation, so many can run before any is awaited. Cancelling the awaiting asyncio
    task (or calling :meth:`cancel`) cancels the chunks not yet started.

    Iterables are summed at creation, on the calling thread (their items are Python objects); only
    buffers are summed by the pool.
    """

    __slots__ = ("_task",)

    def __init__(self, task: Task) -> None:
        self._task = task

    def done(self) -> bool:
        """Whether the result is there (or the sum was cancelled)."""
        return self._task.done()

    def cancel(self) -> bool:
        """Cancels the sum unless it has finished; True if it is cancelled."""
        return self._task.cancel()

    def cancelled(self) -> bool:
        return self._task.cancelled()

    def result(self) -> Any:
        """The result; ``RuntimeError`` if not finished, ``CancelledError`` if cancelled."""
        return self._task.result()

    def wait(self) -> Any:
        """Blocks (with the GIL released) until done, and returns the result."""
        return self._task.wait()

    def __await__(self) -> Generator[Any, None, Any]:
        return self._wait().__await__()

    async def _wait(self) -> Any:
        if not self._task.done():
            loop = asyncio.get_running_loop()
            waiter = loop.create_future()
            self._task.on_done(functools.partial(_notify_loop, loop, waiter))
            try:
                await waiter
            except asyncio.CancelledError:
                self._task.cancel()
                raise
        if self._task.cancelled():
            raise asyncio.CancelledError()
        return self._task.result()

    def __repr__(self) -> str:
        state = "cancelled" if self.cancelled() else "done" if self.done() else "running"
        return f"<coresum.SumFuture {state}>"


def _settle(future: "concurrent.futures.Future[Any]", task: Task) -> None:
    # Runs where the task finishes (a pool worker, with the GIL), or at once if it already has.
    if task.cancelled() or not future.set_running_or_notify_cancel():
        return
    try:
        future.set_result(task.result())
    except BaseException as error:  # noqa: BLE001 - handed to whoever waits on the future
        future.set_exception(error)


def _cancel_task(task: Task, future: "concurrent.futures.Future[Any]") -> None:
    if future.cancelled():
        task.cancel()


class Pool(_coresum.Pool):
    """``Pool(threads=None, cores=None, pin=True)``: a bounded pool of worker threads.

    ``threads`` workers (default: one per core in ``cores``) on ``cores`` (default: every core the
    process may run on), each pinned to its core unless ``pin=False``. However many sums are
    requested at once, from however many threads or tasks, only these workers compute.
    ``threads=0``, cores the process may not use, and more pinned threads than cores raise
    ``ValueError``.

    ``pool.sum(data, mode=...)``, ``pool.min(data)``, ``max``, ``argmin``, ``argmax`` block; ``pool.sum_async(data, mode=...)`` returns an awaitable;
    ``pool.submit(data, mode=...)`` a ``concurrent.futures.Future``. ``close()`` (or leaving a
    ``with`` block) lets queued sums finish, then stops the workers; a closed pool raises
    ``ValueError``.
    """

    def sum_async(self, data: Any, *, mode: str = "exact") -> SumFuture:
        """Starts summing ``data`` on this pool; see :class:`SumFuture`."""
        return SumFuture(self.start(data, mode=mode))

    def submit(self, data: Any, *, mode: str = "exact") -> "concurrent.futures.Future[Any]":
        """Starts summing ``data`` on this pool and returns a ``concurrent.futures.Future``.

        ``future.cancel()`` cancels the chunks not yet started. Callbacks added with
        ``add_done_callback`` run on the pool worker that finishes the sum: keep them short.
        """
        task = self.start(data, mode=mode)
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.add_done_callback(functools.partial(_cancel_task, task))
        task.on_done(functools.partial(_settle, future, task))
        return future

    def __enter__(self) -> "Pool":
        return self
