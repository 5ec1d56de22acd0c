"""The founding question's answers, as its peers wrote them, without coresum.

"How can I create an asynchronous method to calculate a sum, limiting the number of threads
used?" was answered with these three snippets over ``list(range(1_000_000))``. They are kept here
(not used by the package) as the baseline that ``bench.py`` measures coresum against.
"""

import asyncio
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

MAX_THREADS = 4


def chunks(numbers, parts):
    size = (len(numbers) + parts - 1) // parts
    return [numbers[i : i + size] for i in range(0, len(numbers), size)]


def sum_thread_pool(numbers, max_threads=MAX_THREADS):
    """concurrent.futures: at most ``max_threads`` threads each sum one chunk."""
    with ThreadPoolExecutor(max_workers=max_threads) as executor:
        return sum(executor.map(sum, chunks(numbers, max_threads)))


def sum_threads_queue(numbers, max_threads=MAX_THREADS):
    """threading + queue: workers take chunks from one queue and put partial sums on another."""
    tasks, results = queue.Queue(), queue.Queue()
    for chunk in chunks(numbers, max_threads):
        tasks.put(chunk)

    def worker():
        while True:
            try:
                chunk = tasks.get_nowait()
            except queue.Empty:
                return
            results.put(sum(chunk))

    threads = [threading.Thread(target=worker) for _ in range(max_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = 0
    while not results.empty():
        total += results.get()
    return total


async def sum_asyncio(numbers, max_threads=MAX_THREADS):
    """asyncio: a semaphore bounds the chunks summed at once in the loop's default executor."""
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(max_threads)

    async def part(chunk):
        async with limit:
            return await loop.run_in_executor(None, sum, chunk)

    return sum(await asyncio.gather(*(part(c) for c in chunks(numbers, max_threads))))


if __name__ == "__main__":
    numbers = list(range(1_000_000))
    print(sum_thread_pool(numbers), sum_threads_queue(numbers), asyncio.run(sum_asyncio(numbers)))
