"""What the tests' own servers share: a free loopback port, a child that dies with pytest, and
a stop that waits (Virtuoso, PostgreSQL, the Oxigraph server, nif replicas)."""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess


def free_port() -> int:
    """A loopback port free now, for a server that must know its address before it starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills the server if pytest dies first."""
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def stop(process: subprocess.Popen[bytes], first: signal.Signals = signal.SIGTERM) -> None:
    """Ask `process` to stop with `first`; SIGKILL if it has not within 30 s."""
    if process.poll() is None:
        process.send_signal(first)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
