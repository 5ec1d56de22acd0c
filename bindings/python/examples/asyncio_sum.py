"""The asyncio answer, with coresum: await sums from the event loop without blocking it.

``sum_async`` starts the sum on the pool and returns an awaitable; the worker that finishes it
wakes the loop. No executor, no semaphore: the pool is the bound.
"""

import asyncio

import coresum


async def main():
    numbers = list(range(1_000_000))
    print(await coresum.sum_async(numbers))  # 499999500000

    try:
        import numpy as np
    except ImportError:
        return
    with coresum.Pool(threads=min(4, coresum.default_threads() or 1)) as pool:
        arrays = [np.arange(i, i + 1_000_000, dtype=np.int64) for i in range(10)]
        totals = await asyncio.gather(*(pool.sum_async(a) for a in arrays))
        print(totals[0], len(totals))


asyncio.run(main())
