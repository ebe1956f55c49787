"""Puts a file in a known page-cache state, so that every server a benchmark compares starts a job in the same kernel
state (see docs/benchmarks.md, "The page cache's state"):

    python3 bench/fio/page_cache.py drop FILE   # none of it cached (written back first: only clean pages drop)
    python3 bench/fio/page_cache.py load FILE   # all of it cached: a read job then measures the server, not the disk
"""
import os
import sys

mode, path = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDONLY)
try:
    if mode == "drop":
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    elif mode == "load":
        while os.read(fd, 1 << 20):
            pass
    else:
        sys.exit(f"usage: {sys.argv[0]} drop|load FILE")
finally:
    os.close(fd)
