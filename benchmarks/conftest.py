"""Benchmarks run with `make bench` against the embedded (or configured) PostgreSQL and Redis.

They measure and print figures; they do not assert on timing, so a slow machine cannot make
them flaky. Each figure is also appended to .data/bench-results.txt.
"""

from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def report():
    results = Path(settings.BASE_DIR) / ".data" / "bench-results.txt"
    results.parent.mkdir(parents=True, exist_ok=True)

    def write(name: str, value: float, unit: str) -> None:
        line = f"{name}: {value:,.2f} {unit}"
        print(f"\n[bench] {line}", flush=True)
        with results.open("a") as handle:
            handle.write(f"{datetime.now().isoformat(timespec='seconds')} {line}\n")

    return write
