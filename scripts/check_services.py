"""Before the tests: say clearly when PostgreSQL or Redis is not there, instead of 200 failures."""

from __future__ import annotations

import os
import socket
import sys

SERVICES = {
    "PostgreSQL": (os.environ.get("BATON_TEST_PG_HOST", "localhost"), 5432),
    "Redis": (os.environ.get("BATON_TEST_REDIS_HOST", "localhost"), 6379),
}


def main() -> int:
    missing = []
    for name, (host, port) in SERVICES.items():
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError as exc:
            missing.append(f"{name} at {host}:{port} ({exc})")
    if missing:
        print("The tests need these services running:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
