"""Keep the reader's resident memory near what it holds: big buffers go back to the system.

glibc's malloc gives each allocation over its mmap threshold (128 KiB at start) a
mapping of its own, returned to the system when freed, but raises the threshold to
the size of every such buffer freed, up to 32 MiB; and each thread that allocates
gets a heap arena of its own. A label reads, checks, encodes and checksums the
document file on the writer thread: on a 1 MB article with 5,000 spans those are
megabyte buffers, which after the first write came from the writer's arena and
stayed resident once freed (+9 MiB at the first label). With the threshold fixed
(glibc then stops raising it) and one arena, the process held 57 MiB after 40
labels instead of 67 (bench/keys.py).
"""

from __future__ import annotations

import sys

# From glibc's <malloc.h>.
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 * 1024


def limit_heap_growth() -> bool:
    """Tune glibc's malloc as above; False (and nothing changed) on any other C library."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt  # the C library this interpreter runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success; musl's stub returns 0 and changes nothing.
    if mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) != 1:
        return False
    mallopt(_M_ARENA_MAX, 1)
    return True
