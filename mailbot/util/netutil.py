"""Small network helpers for loopback listeners."""

import socket


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free now (aiosmtpd's Controller cannot take port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
