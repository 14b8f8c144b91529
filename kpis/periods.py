"""Periods of KPI measurements: months ("2026-03"), quarters ("2026-Q1") and survey waves
("wave-12"). One canonical key per period, so a measurement exists once per period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTH, QUARTER, WAVE = "month", "quarter", "wave"


@dataclass(frozen=True)
class Period:
    key: str
    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return f"{self.start:%m}/{self.start:%Y}"
        if self.kind == QUARTER:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start:%Y}"
        return self.key


def _month_end(start: date) -> date:
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - timedelta(days=1)


def month(year: int, number: int) -> Period:
    start = date(year, number, 1)
    return Period(key=f"{year:04d}-{number:02d}", kind=MONTH, start=start, end=_month_end(start))


def quarter(year: int, number: int) -> Period:
    start = date(year, 3 * (number - 1) + 1, 1)
    return Period(key=f"{year:04d}-Q{number}", kind=QUARTER, start=start, end=_month_end(date(year, 3 * number, 1)))


def month_of(day: date) -> Period:
    return month(day.year, day.month)


def wave_period(wave) -> Period:
    return Period(key=f"wave-{wave.pk}", kind=WAVE, start=wave.opens_on, end=wave.closes_on)


def months_between(first: date, last: date) -> list[Period]:
    out, current = [], month_of(first)
    while current.start <= last:
        out.append(current)
        current = month_of(current.end + timedelta(days=1))
    return out


_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})$"), lambda m: month(int(m[1]), int(m[2]))),  # 2026-03
    (re.compile(r"^(\d{1,2})[./](\d{4})$"), lambda m: month(int(m[2]), int(m[1]))),  # 03.2026, 3/2026
    (re.compile(r"^(\d{4})-?q([1-4])$"), lambda m: quarter(int(m[1]), int(m[2]))),  # 2026-Q1, 2026Q1
    (re.compile(r"^q([1-4])[ /.-]?(\d{4})$"), lambda m: quarter(int(m[2]), int(m[1]))),  # Q1 2026, Q1/2026
]


def parse(text: str) -> Period | None:
    """A month or quarter as typed in a file or form; None when it is neither."""
    value = (text or "").strip().lower()
    if len(value) >= 10 and value[4] == "-" and value[7] == "-":  # a date from a spreadsheet cell: its month
        try:
            return month_of(date.fromisoformat(value[:10]))
        except ValueError:
            return None
    for pattern, build in _PATTERNS:
        if match := pattern.match(value):
            try:
                return build(match)
            except ValueError:
                return None
    return None
