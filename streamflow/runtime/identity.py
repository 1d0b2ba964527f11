"""A worker's identity: what names it across restarts (exactly-once's transactional id)."""
from __future__ import annotations

import hashlib
import os
import re
import socket

from ..config import Settings


def worker_id(settings: Settings) -> str:
    """A worker's identity across restarts, and across the loss of its data dir (exactly-once:
    the transactional id is ``{app id}-{worker id}``). A restarted worker that takes over its
    predecessor's transactional id fences the old process and aborts the transaction it left
    open at once, instead of after ``transaction_timeout_ms``, during which ``read_committed``
    readers of its partitions wait. The ``worker_id`` setting, or the host name and the data
    dir's absolute path: two live workers never share those (they would not share a data
    dir), a restart on the same host and path does, with or without the data dir's contents.
    See docs/exactly-once.md."""
    if settings.worker_id:
        return settings.worker_id
    path = os.path.abspath(settings.data_dir)
    digest = hashlib.sha1(path.encode()).hexdigest()[:10]
    host = re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname())[:100] or "host"
    return f"{host}-{digest}"


__all__ = ["worker_id"]
