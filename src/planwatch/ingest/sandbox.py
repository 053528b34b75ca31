"""Parsing untrusted files in a child process with a memory limit.

A malformed workbook can make a native reader abort the whole process
(SIGABRT, which no ``try`` catches) or eat all memory. ``ParseSandbox`` keeps
one long-lived child process (``python -m planwatch.ingest.sandbox``) that
parses files one at a time under ``RLIMIT_AS``; if it dies or overruns its
time, it is killed and replaced, and the file gets a ``parse_crashed`` /
``parse_timeout`` problem: the run goes on with the other files.

The child starts with an empty environment (no password or connection of the
service reaches code that reads untrusted bytes). Requests and results travel
as length-prefixed JSON over the child's stdin and stdout, a reply no larger
than the child's memory limit: a child subverted by a file can send back wrong
data, never code for the service to run. The child's own prints go to stderr.
"""

from __future__ import annotations

import json
import logging
import os
import select
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from planwatch.ingest.messages import unreadable
from planwatch.vocabulary.parsed import ParsedFile

log = logging.getLogger(__name__)
_HEADER = struct.Struct(">Q")


class _ChildGone(Exception):
    pass


# The child's environment: nothing of the service's (PYTHONUTF8: file names and
# texts are UTF-8 whatever the locale).
CHILD_ENVIRONMENT = {"PYTHONUTF8": "1", "PATH": os.defpath}


class _BadReply(Exception):
    pass


def _send(stream: IO[bytes], data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            timeout = deadline - time.monotonic()
            if timeout <= 0 or not select.select([fd], [], [], timeout)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise _ChildGone
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _receive(fd: int, deadline: float | None, max_bytes: int | None = None) -> bytes:
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    if max_bytes is not None and size > max_bytes:
        raise _BadReply(f"a reply of {size} bytes")
    return _read_exact(fd, size, deadline)


def serve(memory_mb: int) -> None:
    """The child's loop: (path, file name, max bytes) in, ParsedFile out."""
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # nothing but replies on the reply pipe
    from planwatch.ingest.parse import parse_file

    requests = sys.stdin.buffer.fileno()
    while True:
        try:
            path, file_name, max_bytes = json.loads(_receive(requests, None))
        except _ChildGone:
            return
        try:
            result = parse_file(Path(path), file_name, max_bytes=max_bytes)
        except MemoryError:
            result = unreadable(file_name, "parse_crashed")
        except Exception:  # a reader bug: reject the file, keep the run going, tell operators
            log.exception("parsing %s failed", file_name)
            result = unreadable(file_name, "parse_failed")
        _send(replies, result.to_json())


class ParseSandbox:
    def __init__(self, *, memory_mb: int, timeout_s: float, max_bytes: int) -> None:
        self.memory_mb = memory_mb
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self._child: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "planwatch.ingest.sandbox", str(self.memory_mb)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd="/", env=CHILD_ENVIRONMENT,
            )
        return self._child

    def parse(self, path: Path, file_name: str) -> ParsedFile:
        child = self._start()
        assert child.stdin is not None and child.stdout is not None
        try:
            _send(child.stdin, json.dumps(
                [str(Path(path).resolve()), file_name, self.max_bytes]).encode("utf-8"))
            reply = _receive(child.stdout.fileno(), time.monotonic() + self.timeout_s,
                             self.memory_mb * 2**20)
            return ParsedFile.from_json(reply)
        except TimeoutError:
            log.warning("parser timed out on %s", file_name)
            self.close()
            return unreadable(file_name, "parse_timeout", seconds=int(self.timeout_s))
        except (_ChildGone, BrokenPipeError, EOFError):
            log.warning("parser process died on %s", file_name)
            self.close()
            return unreadable(file_name, "parse_crashed")
        except (_BadReply, ValueError, KeyError, TypeError) as exc:  # not a parsed file
            log.warning("parser process replied nonsense on %s: %s", file_name, exc)
            self.close()
            return unreadable(file_name, "parse_crashed")

    def close(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        for stream in (child.stdin, child.stdout):  # EOF: a healthy child exits
            if stream is not None:
                stream.close()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(5)

    def __enter__(self) -> ParseSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
