"""The concurrent.futures answer, with coresum: a pool of at most 4 pinned threads, futures out.

No chunking by hand and no partial sums to add up: each submitted sum is cut into chunks by the
pool, exactly, and the result is a Python int that never wraps.
"""

import coresum

numbers = list(range(1_000_000))

with coresum.Pool(threads=min(4, coresum.default_threads() or 1)) as pool:
    future = pool.submit(numbers)  # a concurrent.futures.Future
    print(future.result())  # 499999500000

    try:
        import numpy as np
    except ImportError:
        pass
    else:
        array = np.arange(1_000_000, dtype=np.int64)  # buffers are summed by the pool's workers
        futures = [pool.submit(array) for _ in range(8)]
        print([f.result() for f in futures][0])
