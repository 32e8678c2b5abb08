"""The small family of errors a user can cause.

Every exception here carries a one-line message that names the problem and
what to do about it; the CLI and the TUI show ``str(error)`` and nothing else.
"""

from __future__ import annotations


class NewsmarkError(Exception):
    """Base class: a problem the user can fix, with a one-line message."""


class InputError(NewsmarkError):
    """A file given to import (or a value given on the command line) is unusable."""


class StoreCorrupt(NewsmarkError):
    """A store file is truncated, unparsable or fails its checksum."""


class StoreBusy(NewsmarkError):
    """Another newsmark process holds the lock on a document or the catalog."""


class StoreVersionError(NewsmarkError):
    """The store was written by a newer newsmark."""


class NotFound(NewsmarkError):
    """A document, annotation or label the user named does not exist."""


class StoreWriteError(NewsmarkError):
    """A write failed (disk full, read-only folder); nothing was changed."""
