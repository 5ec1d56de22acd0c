import os

import pytest


def thread_names():
    """The names of this process's threads (Linux: /proc/self/task/*/comm)."""
    names = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                names.append(f.read().strip())
        except FileNotFoundError:  # the thread exited meanwhile
            pass
    return names


@pytest.fixture
def pool():
    import coresum

    with coresum.Pool(threads=2, pin=False) as p:
        yield p
