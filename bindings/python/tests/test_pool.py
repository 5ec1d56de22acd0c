"""Pools, asyncio, concurrent.futures: the thread bound, cancellation, buffers released, errors."""

import array
import asyncio
import concurrent.futures
import gc
import os
import sys
import threading
import time

import pytest

import coresum
from conftest import thread_names

np = pytest.importorskip("numpy")

BIG = 8 << 20  # int64 elements: 64 MiB, enough to queue behind one another


def test_pool_properties_and_close():
    with coresum.Pool(threads=2, pin=False) as pool:
        assert pool.threads == 2
        assert pool.cores == [None, None]
        assert not pool.closed
        assert pool.sum(np.arange(10)) == 45
    assert pool.closed
    for call in (lambda: pool.sum([1]), lambda: pool.sum_async([1]), lambda: pool.submit([1])):
        with pytest.raises(ValueError, match="closed"):
            call()
    pool.close()  # idempotent


def test_pinned_pool_reports_its_cores():
    allowed = sorted(os.sched_getaffinity(0))
    with coresum.Pool(threads=1, cores=[allowed[-1]]) as pool:
        assert pool.cores == [allowed[-1]]
        assert pool.sum(list(range(100))) == 4950


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(threads=0), "threads"),
        (dict(threads=-1), "threads"),
        (dict(cores=[10_000]), "core 10000"),
        (dict(cores=[]), "cores"),
        (dict(threads=10_000, pin=True), "cores"),
    ],
)
def test_pool_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        coresum.Pool(**kwargs)


def test_sum_async_from_asyncio(pool):
    a = np.arange(BIG, dtype=np.int64)

    async def main():
        small, big, listed = await asyncio.gather(
            pool.sum_async(np.arange(10)), pool.sum_async(a), pool.sum_async([1.5, 2.5])
        )
        return small, big, listed, await coresum.sum_async(a, mode="fast")

    assert asyncio.run(main()) == (45, BIG * (BIG - 1) // 2, 4.0, BIG * (BIG - 1) // 2)


def test_sum_async_never_blocks_the_loop(pool):
    a = np.ones(BIG, dtype=np.int64)

    async def main():
        ticks = 0
        future = pool.sum_async(a)

        async def ticker():
            nonlocal ticks
            while not future.done():
                ticks += 1
                await asyncio.sleep(0)

        _, total = await asyncio.gather(ticker(), future)
        return ticks, total

    # The loop keeps running while the workers sum. On a loaded machine a sum can occasionally
    # finish before the ticker's first turn, so one round in five ticking is the evidence.
    rounds = [asyncio.run(main()) for _ in range(5)]
    assert all(total == BIG for _, total in rounds)
    assert any(ticks > 0 for ticks, _ in rounds)


def test_submit_gives_a_concurrent_future(pool):
    a = np.arange(BIG, dtype=np.uint32)
    futures = [pool.submit(a) for _ in range(4)]
    assert [f.result(timeout=60) for f in futures] == [BIG * (BIG - 1) // 2] * 4
    assert pool.submit([1, 2]).result() == 3


def test_thread_bound_1000_async_and_8_threads():
    coresum.sum(np.ones(1 << 20, dtype=np.int64))  # the default pool is started
    before = thread_names()
    data = np.arange(1 << 16, dtype=np.int64)  # at the async threshold: every sum is queued
    expected = int(data.sum())

    async def many():
        return await asyncio.gather(*(coresum.sum_async(data) for _ in range(1000)))

    peak = []

    def worker(results):
        results.append(asyncio.run(many()))
        peak.append(len(thread_names()))

    results = []
    threads = [threading.Thread(target=worker, args=(results,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == [expected] * 1000 for r in results) and len(results) == 8
    # 8 Python threads of our own, none added by coresum.
    assert max(peak) <= len(before) + 8
    after = thread_names()
    for _ in range(200):  # a joined thread may take a moment to leave /proc
        if len(after) <= len(before):
            break
        time.sleep(0.01)
        after = thread_names()
    assert len(after) == len(before), (before, after)
    workers = [n for n in after if n.startswith("coresum-w")]
    assert len(workers) == coresum.default_threads()


def test_cancel_skips_work_not_started():
    a = np.ones(64 << 20, dtype=np.int8)
    with coresum.Pool(threads=1, pin=False) as pool:
        blocker = pool.sum_async(np.ones(256 << 20, dtype=np.int8))
        queued = [pool.sum_async(a) for _ in range(4)]
        assert all(f.cancel() for f in queued)
        assert all(f.cancelled() and f.done() for f in queued)
        with pytest.raises(concurrent.futures.CancelledError):
            queued[0].result()
        assert blocker.wait() == 256 << 20

        cf = pool.submit(np.ones(256 << 20, dtype=np.int8))
        cf2 = pool.submit(a)
        assert cf2.cancel()
        assert cf.result() == 256 << 20
        assert cf2.cancelled()


def test_asyncio_cancellation_cancels_the_sum():
    a = np.ones(128 << 20, dtype=np.int8)

    async def main(pool):
        blocker = pool.sum_async(a)
        task = asyncio.ensure_future(pool.sum_async(a))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await blocker

    with coresum.Pool(threads=1, pin=False) as pool:
        assert asyncio.run(main(pool)) == 128 << 20


def test_buffers_released_after_the_task():
    buf = array.array("q", range(1 << 20))
    refs = sys.getrefcount(buf)
    with coresum.Pool(threads=1, pin=False) as pool:
        future = pool.sum_async(buf)
        with pytest.raises(BufferError):  # exported while the sum may run
            buf.append(1)
        assert future.wait() == (1 << 20) * ((1 << 20) - 1) // 2
        del future
        gc.collect()
        buf.append(1)  # resizable again
        assert sys.getrefcount(buf) == refs
        cancelled = pool.sum_async(buf)
        cancelled.cancel()
        del cancelled
    gc.collect()
    buf.append(2)
    assert sys.getrefcount(buf) == refs
    coresum.sum(buf)
    buf.append(3)


def test_pool_closed_while_tasks_run_finishes_them():
    pool = coresum.Pool(threads=1, pin=False)
    futures = [pool.sum_async(np.ones(16 << 20, dtype=np.int16)) for _ in range(3)]
    pool.close()
    assert [f.wait() for f in futures] == [16 << 20] * 3
    del pool
    gc.collect()


def test_on_done_callback_errors_are_reported_not_raised(pool, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: seen.append(info.exc_type))
    task = pool.start(np.ones(1 << 20, dtype=np.int64))
    task.on_done(lambda: 1 / 0)
    assert task.wait() == 1 << 20
    assert seen == [ZeroDivisionError]
