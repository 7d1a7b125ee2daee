"""Stand-in for the `portpicker` package (not a lamina test dependency), used by KerasTuner's
distributed-tuning tests: `pick_unused_port()` asks the OS for a free TCP port."""

import socket


def pick_unused_port():
    """A TCP port that is free now (bound to port 0, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]
