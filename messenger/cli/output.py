"""What the CLI prints: results as JSON lines on stdout, errors as one JSON object on stderr."""

from __future__ import annotations

import sys
from enum import IntEnum
from typing import Any

import msgspec

_encoder = msgspec.json.Encoder()


class Exit(IntEnum):
    OK = 0
    INTERNAL = 1  # a bug: please report it
    USAGE = 2  # bad arguments (argparse uses 2 as well)
    QUEUED = 3  # send: not acknowledged in time; queued for the next connection
    UNREACHABLE = 4  # no connection to the server within --timeout
    AUTH = 5  # wrong credentials, no stored credentials, or the session was ended
    REFUSED = 6  # the server refused the request (see "error" for its code)
    CERTIFICATE = 7  # untrusted or changed TLS certificate (see "fingerprint")
    FILE = 8  # send-file/download: the local file cannot be read or written, or changed
    NO_CALL = 9  # call: the call did not connect; answer: no call came within its --timeout


EXIT_HELP = """\
output:
  Results go to stdout as JSON, one object per line. On failure one JSON object
  {"error": CODE, "message": TEXT, ...} goes to stderr and the exit code says what
  kind of failure it was. CODE is the server's error code (e.g. "forbidden") or one
  of the client's: "queued", "unreachable", "no_credentials", "untrusted_certificate",
  "certificate_changed", "session_ended", "usage", "internal", and for transfers
  "disk", "not_a_file", "source_changed", "checksum_mismatch", and for calls
  "not_connected" (with "reason": declined, busy, missed, failed, ...) and "no_call".

exit codes:
  0  success
  1  internal error (a bug)
  2  usage error
  3  send: not acknowledged within --timeout; the message stays queued and goes out
     on the next connection (any later messenger-cli command for this account)
  4  server unreachable within --timeout
  5  authentication failed, no stored credentials, or the session was ended
  6  the server refused the request
  7  untrusted or changed TLS certificate; "fingerprint" holds the SHA-256 to verify
     and pass with --accept-fingerprint
  8  send-file/download: the local file cannot be read or written, or it changed
     while being sent
  9  call: the call did not connect (its report still goes to stdout);
     answer: no call came within the answer command's --timeout

transfers:
  send-file and download show progress on stderr (a live line on a terminal, else
  {"progress": ...} JSON lines) and give up after --timeout seconds without progress;
  running the same command again resumes where the last run stopped.

secrets:
  Passwords are read from the OS keyring or, with --password-stdin, from the first
  line of stdin; never from the command line. register and login store the password
  and session token in the keyring when one works.
"""


def emit(obj: Any) -> None:
    """One result line on stdout (Structs and plain JSON values alike)."""
    sys.stdout.write(_encoder.encode(obj).decode() + "\n")
    sys.stdout.flush()


class CliFailure(Exception):
    """A failure to report as JSON on stderr with a distinct exit code."""

    def __init__(self, exit_code: Exit, error: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.error = error
        self.message = message
        self.extra = extra

    def report(self) -> int:
        extra = {k: v for k, v in self.extra.items() if v is not None}
        body = {"error": self.error, "message": self.message, **extra}
        sys.stderr.write(_encoder.encode(body).decode() + "\n")
        sys.stderr.flush()
        return int(self.exit_code)
