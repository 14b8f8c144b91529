"""`make run` on a taken port says so clearly instead of failing half-way."""

import socket
import subprocess
import sys

from django.conf import settings


def test_run_on_a_port_in_use_gives_a_clear_message():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "scripts/portal.py", "run"],
            cwd=settings.BASE_DIR,
            env={"PATH": "/usr/bin:/bin", "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stdout
    assert f"make run PORT={port + 1}" in result.stdout
