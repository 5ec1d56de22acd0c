"""The threading + queue answer, with coresum: Python threads share one bounded pool.

However many Python threads ask for sums at once, only the pool's workers compute; the threads
block with the GIL released until their own result is ready.
"""

import queue
import threading

import coresum

numbers = list(range(1_000_000))
jobs, results = queue.Queue(), queue.Queue()

with coresum.Pool(threads=min(2, coresum.default_threads() or 1)) as pool:

    def worker():
        while True:
            try:
                data = jobs.get_nowait()
            except queue.Empty:
                return
            results.put(pool.sum(data))

    for part in range(4):
        jobs.put(numbers[part * 250_000 : (part + 1) * 250_000])
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

total = 0
while not results.empty():
    total += results.get()
print(total)  # 499999500000
