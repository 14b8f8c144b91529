"""Vega-Lite specifications for every chart of the portal and the board report.

A builder returns a plain dict: the page shows it with vega-embed (``{% chart %}`` in
``common/templatetags/charts.py`` and ``static/js/charts.js``) and the PDF draws the same dict
with ``to_svg``. Titles and labels come from the caller, already translated; numbers and
dates follow the active language through the spec's ``config.locale``, which Vega honours in
the browser and in vl-convert alike. The data is inline: a spec never names a URL.

Colours are Okabe-Ito (distinguishable with every common colour-vision deficiency); lines
also differ by dash and reference lines carry their name as text, so colour is never the
only cue. Each page keeps a table of the same figures for screen readers.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.utils import translation
from django.utils.html import escape

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier; nothing is fetched

# Okabe & Ito (2008), "Color Universal Design".
BLUE, ORANGE, GREEN, VERMILLION, SKY_BLUE, PURPLE, YELLOW, BLACK = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#000000",
)
PALETTE = [BLUE, ORANGE, GREEN, VERMILLION, SKY_BLUE, PURPLE, YELLOW, BLACK]
GREY = "#6c757d"
HIDDEN_GREY = "#d9d9d9"
TEXT = "#212529"

NUMBER_LOCALES = {
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["", "\u00a0€"]},
    "de": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0€"]},
}
TIME_LOCALES = {
    "en": {
        "dateTime": "%x, %X",
        "date": "%-m/%-d/%Y",
        "time": "%-I:%M:%S %p",
        "periods": ["AM", "PM"],
        "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        "months": [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],  # fmt: skip
        "shortMonths": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    },
    "de": {
        "dateTime": "%A, der %e. %B %Y, %X",
        "date": "%d.%m.%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"],
        "shortDays": ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"],
        "months": [
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ],  # fmt: skip
        "shortMonths": ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"],
    },
}

NUMBER_FORMAT = ",.2~f"  # grouped thousands, at most two decimals, trailing zeros dropped
SVG_WIDTH = 640  # the width "container" stands for when there is no page around the chart


def locale(language: str | None = None) -> dict:
    """The Vega locale of ``language`` (default: the active one); English unless German."""
    code = (language or translation.get_language() or "en").split("-")[0].lower()
    code = code if code in NUMBER_LOCALES else "en"
    return {"number": NUMBER_LOCALES[code], "time": TIME_LOCALES[code]}


def _spec(description: str, **body) -> dict:
    return {
        "$schema": SCHEMA,
        "description": description,
        "config": {
            "locale": locale(),
            "font": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
            "view": {"stroke": None},
            "axis": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": TEXT, "titleColor": TEXT, "gridColor": "#e9ecef"},
            # A legend at the bottom lays its entries in one row that never wraps: on a phone it
            # ran out of the chart, so entries go in columns (two by default, see the builders).
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom", "labelLimit": 150, "columns": 2},
            "range": {"category": PALETTE},
        },
        **body,
    }


def _number(value) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else float(Decimal(str(value)))


def _x_value(value):
    """Dates become ISO strings on a UTC time scale (so no reader's time zone shifts a day)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def line(
    points: Sequence[tuple[object, object]],
    x_title: str,
    y_title: str,
    *,
    baseline: tuple[object, str] | None = None,
    target: tuple[object, str] | None = None,
    y_domain: tuple[float, float] | None = None,
    y_format: str = NUMBER_FORMAT,
    x_format: str | None = None,
    description: str = "",
    height: int = 260,
) -> dict:
    """A line with a dot per value. ``points`` are ``(x, y)``: x a ``date`` (time axis) or a
    label already in the reader's words (one step per label, in the order given); y a number
    or None (a gap). ``baseline`` and ``target`` are ``(value, label)``: a dashed rule each,
    named at its right end."""
    temporal = bool(points) and all(isinstance(x, date) for x, _y in points)
    values = [{"x": _x_value(x), "y": _number(y)} for x, y in points]
    x_axis: dict = {"labelAngle": 0, "labelOverlap": True, "labelLimit": 120} if not temporal else {"labelOverlap": True}
    if x_format:
        x_axis["format"] = x_format
    x = (
        {"field": "x", "type": "temporal", "title": x_title, "scale": {"type": "utc"}, "axis": x_axis}
        if temporal
        else {"field": "x", "type": "ordinal", "title": x_title, "sort": None, "axis": x_axis}
    )
    scale: dict = {"zero": False, "nice": True}
    if y_domain is not None:
        scale = {"domain": [float(y_domain[0]), float(y_domain[1])], "zero": False}
    y = {"field": "y", "type": "quantitative", "title": y_title, "scale": scale, "axis": {"format": y_format, "tickCount": 5}}
    tooltip = [
        {"field": "x", "type": "temporal" if temporal else "ordinal", "title": x_title, **({"format": x_format} if x_format else {})},
        {"field": "y", "type": "quantitative", "title": y_title, "format": y_format},
    ]
    layers: list[dict] = [
        {
            "mark": {"type": "line", "color": BLUE, "strokeWidth": 2.5, "point": {"filled": True, "size": 50, "color": BLUE}},
            "encoding": {"x": x, "y": y, "tooltip": tooltip},
        }
    ]
    for reference, colour, dash in ((baseline, GREY, [6, 4]), (target, GREEN, [2, 3])):
        if reference is None or reference[0] is None:
            continue
        value, label = _number(reference[0]), str(reference[1])
        layers.append(
            {
                "data": {"values": [{"value": value, "label": label}]},
                "layer": [
                    {
                        "mark": {"type": "rule", "color": colour, "strokeDash": dash, "strokeWidth": 2},
                        "encoding": {"y": {"field": "value", "type": "quantitative"}},
                    },
                    {
                        "mark": {"type": "text", "align": "right", "baseline": "bottom", "dy": -3, "color": colour, "fontWeight": "bold"},
                        "encoding": {
                            "x": {"value": "width"},
                            "y": {"field": "value", "type": "quantitative"},
                            "text": {"field": "label"},
                        },
                    },
                ],
            }
        )
    return _spec(description, width="container", height=height, data={"values": values}, layer=layers)


def sparkline(values: Sequence[object], *, description: str = "", width: int | str = "container", height: int = 32) -> dict:
    """A small line of values in order, without axes; the last value is marked."""
    rows = [{"i": i, "y": _number(v)} for i, v in enumerate(values)]
    last = [row for row in rows if row["y"] is not None][-1:]
    scale = {"zero": False}
    return _spec(
        description,
        width=width,
        height=height,
        padding=2,
        data={"values": rows},
        encoding={
            "x": {"field": "i", "type": "quantitative", "axis": None, "scale": {"nice": False}},
            "y": {"field": "y", "type": "quantitative", "axis": None, "scale": scale},
        },
        layer=[
            {"mark": {"type": "line", "color": BLUE, "strokeWidth": 1.5}},
            {"data": {"values": last}, "mark": {"type": "point", "filled": True, "color": BLUE, "size": 20}},
        ],
    )


def scatter(
    points: Sequence[Mapping],
    x_title: str,
    y_title: str,
    *,
    colour_by: str | None = None,
    colour_title: str = "",
    tooltip: Sequence[tuple[str, str]] = (),
    x_format: str = NUMBER_FORMAT,
    y_format: str = NUMBER_FORMAT,
    description: str = "",
    height: int = 300,
) -> dict:
    """One dot per mapping with ``x`` and ``y``. ``colour_by`` names a field whose values colour
    the dots (with a legend titled ``colour_title``); ``tooltip`` lists ``(field, title)`` shown
    before x and y when a dot is pointed at."""
    rows = [{**point, "x": _number(point["x"]), "y": _number(point["y"])} for point in points]
    encoding: dict = {
        "x": {
            "field": "x",
            "type": "quantitative",
            "title": x_title,
            "scale": {"zero": False, "nice": True},
            "axis": {"format": x_format, "tickCount": 6},
        },
        "y": {
            "field": "y",
            "type": "quantitative",
            "title": y_title,
            "scale": {"zero": False, "nice": True},
            "axis": {"format": y_format, "tickCount": 6},
        },
        "tooltip": [{"field": field, "type": "nominal", "title": title} for field, title in tooltip]
        + [
            {"field": "x", "type": "quantitative", "title": x_title, "format": x_format},
            {"field": "y", "type": "quantitative", "title": y_title, "format": y_format},
        ],
    }
    mark: dict = {"type": "point", "filled": True, "size": 70, "opacity": 0.85, "color": BLUE}
    if colour_by:
        groups = list(dict.fromkeys(str(point[colour_by]) for point in points))
        encoding["color"] = {
            "field": colour_by,
            "type": "nominal",
            "title": colour_title,
            "scale": {"domain": groups, "range": PALETTE[: max(1, len(groups))]},
        }
        # A second cue besides colour for readers who cannot tell the colours apart.
        encoding["shape"] = {"field": colour_by, "type": "nominal", "title": colour_title, "scale": {"domain": groups}}
        del mark["color"]
    return _spec(description, width="container", height=height, data={"values": rows}, mark=mark, encoding=encoding)


def bars(
    rows: Iterable[tuple[str, str, object]],
    value_title: str,
    *,
    category_title: str = "",
    series_title: str = "",
    domain: tuple[float, float] | None = None,
    value_format: str = NUMBER_FORMAT,
    tick_step: float | None = None,
    description: str = "",
    bar_size: int = 14,
) -> dict:
    """Grouped horizontal bars. ``rows`` are ``(category, series, value)``: one group of bars
    per category, one bar per series (e.g. latest and previous assessment), both in the order
    first given; each bar carries its value as text; a None value draws no bar."""
    rows = list(rows)
    categories = list(dict.fromkeys(str(c) for c, _s, _v in rows))
    series = list(dict.fromkeys(str(s) for _c, s, _v in rows))
    values = [{"category": str(c), "series": str(s), "value": _number(v)} for c, s, v in rows if v is not None]
    value_scale: dict = {"zero": True}
    if domain is not None:
        value_scale = {"domain": [float(domain[0]), float(domain[1])], "nice": False}
    # The title ends at the axis' right end and runs left over the labels: centred on a
    # narrow phone plot it was cut off on the right.
    value_axis: dict = {"format": value_format, "grid": True, "titleAnchor": "end"}
    if tick_step is not None and domain is not None:
        first, last = float(domain[0]), float(domain[1])
        value_axis["values"] = [first + i * tick_step for i in range(int((last - first) / tick_step) + 1)]
    encoding = {
        "y": {
            "field": "category",
            "type": "nominal",
            "title": category_title or None,
            "sort": categories,
            # Long names break into lines of about twenty characters (see _wrap below).
            "axis": {"labelExpr": "split(datum.label, '\\n')", "labelLimit": 170, "labelPadding": 6},
        },
        # The outer padding of the offset scale leaves a gap between the groups of bars.
        "yOffset": {"field": "series", "type": "nominal", "sort": series, "scale": {"paddingOuter": 0.3}},
        "x": {"field": "value", "type": "quantitative", "title": value_title, "scale": value_scale, "axis": value_axis},
        "color": {
            "field": "series",
            "type": "nominal",
            "title": series_title or None,
            "legend": {"columns": 1, "labelLimit": 300},
            "scale": {"domain": series, "range": [BLUE, ORANGE, GREEN, VERMILLION, SKY_BLUE, PURPLE][: max(1, len(series))]},
        },
        "tooltip": [
            {"field": "category", "type": "nominal", "title": category_title or value_title},
            {"field": "series", "type": "nominal", "title": series_title or " "},
            {"field": "value", "type": "quantitative", "title": value_title, "format": value_format},
        ],
    }
    for row in values:
        row["category"] = _wrap(row["category"])
    encoding["y"]["sort"] = [_wrap(c) for c in categories]
    step = max(52, round(bar_size * max(1, len(series)) / 0.65))  # room for three lines of label
    return _spec(
        description,
        width="container",
        height={"step": step, "for": "position"},
        data={"values": values},
        encoding=encoding,
        layer=[
            {"mark": {"type": "bar", "cornerRadiusEnd": 2}},
            {
                "mark": {"type": "text", "align": "left", "dx": 3, "fontSize": 11, "color": TEXT},
                "encoding": {"text": {"field": "value", "type": "quantitative", "format": value_format}, "color": {"value": TEXT}},
            },
        ],
    )


def _wrap(label: str, width: int = 22) -> str:
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def heatmap(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Mapping[tuple[str, str], object] | Iterable[tuple[str, str, object]],
    *,
    row_title: str = "",
    column_title: str = "",
    value_title: str,
    hidden_label: str,
    description: str = "",
    value_format: str = ".0f",
) -> dict:
    """A grid of shares from 0 to 100 (e.g. % favourable, department by driver). ``cells`` maps
    ``(row, column)`` to a value, or lists ``(row, column, value)``; None means hidden (below
    the reporting threshold): a grey cell with ``hidden_label``, never a colour. A cell not
    given at all stays empty."""
    items = cells.items() if isinstance(cells, Mapping) else (((r, c), v) for r, c, v in cells)
    values = []
    for (row, column), value in items:
        number = _number(value)
        values.append({"row": str(row), "column": str(column), "value": number, "hidden": number is None, "label": str(hidden_label)})
    row_order, column_order = [str(r) for r in rows], [str(c) for c in columns]
    position = {
        "x": {"field": "column", "type": "nominal", "title": column_title or None, "sort": column_order,
              "axis": {"orient": "top", "labelAngle": -40, "labelAlign": "left", "labelLimit": 160, "domain": False, "ticks": False}},
        "y": {"field": "row", "type": "nominal", "title": row_title or None, "sort": row_order,
              "axis": {"labelLimit": 180, "domain": False, "ticks": False}},
    }  # fmt: skip
    shown = {"filter": "!datum.hidden"}
    hidden = {"filter": "datum.hidden"}
    tooltip_value = {"field": "value", "type": "quantitative", "title": value_title, "format": value_format}
    return _spec(
        description,
        width={"step": 56},
        height={"step": 30},
        data={"values": values},
        encoding=position,
        layer=[
            {
                "transform": [shown],
                "mark": {"type": "rect", "stroke": "white", "strokeWidth": 1},
                "encoding": {
                    "color": {
                        "field": "value",
                        "type": "quantitative",
                        "title": value_title,
                        "scale": {"domain": [0, 100], "scheme": "blues"},
                        "legend": {"orient": "bottom", "direction": "horizontal", "gradientLength": 160, "format": value_format},
                    },
                    "tooltip": [
                        {"field": "row", "type": "nominal", "title": row_title or " "},
                        {"field": "column", "type": "nominal", "title": column_title or " "},
                        tooltip_value,
                    ],
                },
            },
            {
                "transform": [shown],
                "mark": {"type": "text", "fontSize": 11},
                "encoding": {
                    "text": {"field": "value", "type": "quantitative", "format": value_format},
                    # Dark cells take white text, light ones black: both above 4.5:1 contrast.
                    "color": {"condition": {"test": "datum.value >= 60", "value": "white"}, "value": "black"},
                },
            },
            {
                "transform": [hidden],
                "mark": {"type": "rect", "color": HIDDEN_GREY, "stroke": "white", "strokeWidth": 1},
                "encoding": {
                    "tooltip": [
                        {"field": "row", "type": "nominal", "title": row_title or " "},
                        {"field": "column", "type": "nominal", "title": column_title or " "},
                        {"field": "label", "type": "nominal", "title": value_title},
                    ]
                },
            },
            {
                "transform": [hidden],
                "mark": {"type": "text", "fontSize": 10, "color": TEXT},
                "encoding": {"text": {"field": "label"}},
            },
        ],
    )


def to_svg(spec: dict, *, width: int = SVG_WIDTH) -> str:
    """The chart as an SVG document, drawn on the server by vl-convert (for the PDF), in the
    locale the spec was built with. A width that follows the page becomes ``width`` pixels."""
    import vl_convert  # imported on first use: it starts a JavaScript runtime

    spec = copy.deepcopy(spec)
    if spec.get("width") == "container":
        spec["width"] = width
    spec_locale = spec.get("config", {}).get("locale", {})
    svg = vl_convert.vegalite_to_svg(
        spec,
        vl_version="6.4",
        format_locale=spec_locale.get("number"),
        time_format_locale=spec_locale.get("time"),
    )
    # In the page Vega names the chart by its description; a drawn SVG does not, so say it here.
    if spec.get("description"):
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(spec["description"])}" ', 1)
    return svg
