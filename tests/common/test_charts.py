"""The chart builders: every spec compiles and draws (through vl-convert, the PDF's path),
with the caller's titles, numbers in the reader's locale and nothing fetched; the template
tag puts the spec beside a labelled view."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from common import charts

PILLARS = ["Senior management participation", "Internal brand communication"]


def texts(svg: str) -> list[str]:
    """The drawn text, a label broken into lines (tspans) joined by spaces."""
    return [" ".join(re.findall(r">([^<]+)<", f">{inner}<")) for inner in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


def line_spec():
    return charts.line(
        [("Jan 2026", Decimal("6.1")), ("Feb 2026", Decimal("5.75")), ("Mar 2026", None), ("Apr 2026", Decimal("5.2"))],
        "Month",
        "Absenteeism rate (%)",
        baseline=(Decimal("6.1"), "Baseline"),
        target=(Decimal("4.5"), "Target"),
        description="Absenteeism over time",
    )


def scatter_spec():
    points = [{"x": 60.5 + i, "y": 3.25 + i / 10, "department": d, "month": "March 2026"} for i, d in enumerate(["Sales", "IT", "Sales"])]
    return charts.scatter(
        points,
        "Engagement index",
        "Customer satisfaction",
        colour_by="department",
        colour_title="Department",
        tooltip=[("department", "Department"), ("month", "Month")],
    )


def bars_spec():
    rows = [(p, s, v) for p in PILLARS for s, v in (("Latest", 4), ("Previous", 2))]
    return charts.bars(rows, "Score (1 to 5)", domain=(0, 5), tick_step=1, value_format="d")


def heatmap_spec():
    cells = {("Sales", "Pride"): 72.5, ("Sales", "Trust"): None, ("IT", "Pride"): 40, ("IT", "Trust"): 88}
    return charts.heatmap(
        ["Sales", "IT"], ["Pride", "Trust"], cells, row_title="Department", value_title="% favourable", hidden_label="hidden"
    )


BUILDERS = {
    "line": (line_spec, ["Month", "Absenteeism rate (%)", "Baseline", "Target", "Jan 2026"]),
    "scatter": (scatter_spec, ["Engagement index", "Customer satisfaction", "Department", "Sales", "IT"]),
    "bars": (bars_spec, ["Score (1 to 5)", "Senior management", "Latest", "Previous"]),
    "heatmap": (heatmap_spec, ["Department", "Pride", "Trust", "% favourable", "hidden", "88"]),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_each_builder_draws_its_titles(name):
    build, expected = BUILDERS[name]
    with translation.override("en"):
        spec = build()
    svg = charts.to_svg(spec)
    assert svg.startswith("<svg")
    drawn = " ".join(texts(svg))
    for text in expected:
        assert text in drawn, (text, drawn)
    # data inline, nothing to fetch
    assert "url" not in json.dumps(spec["data"])


def test_numbers_follow_the_reader_in_german():
    with translation.override("de"):
        spec = line_spec()
        scatter = scatter_spec()
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    line_labels, scatter_labels = texts(charts.to_svg(spec)), texts(charts.to_svg(scatter))
    assert any(re.fullmatch(r"\d,\d+", label) for label in line_labels), line_labels  # e.g. 5,5 on the axis
    assert any(re.fullmatch(r"\d,\d+", label) for label in scatter_labels), scatter_labels
    with translation.override("en"):
        english = texts(charts.to_svg(line_spec()))
    assert not any("," in label for label in english if re.search(r"\d", label))
    assert any(re.fullmatch(r"\d\.\d+", label) for label in english)


def test_thousands_and_month_names_in_german():
    points = [(date(2026, m, 1), 1000 + 100 * m) for m in range(1, 7)]
    with translation.override("de"):
        svg = charts.to_svg(charts.line(points, "Monat", "Umsatz"))
    labels = texts(svg)
    assert "1.400" in labels and "März" in labels, labels


def test_hidden_cells_are_grey_and_named_never_coloured():
    spec = heatmap_spec()
    hidden = [row for row in spec["data"]["values"] if row["hidden"]]
    assert [(row["row"], row["column"], row["value"]) for row in hidden] == [("Sales", "Trust", None)]
    svg = charts.to_svg(spec)
    assert charts.HIDDEN_GREY.lower() in svg.lower()
    assert texts(svg).count("hidden") == 1


def test_sparkline_draws_without_axes():
    spec = charts.sparkline([3, Decimal("4.5"), None, 5], description="Trend")
    svg = charts.to_svg(spec, width=120)
    assert 'width="12' in svg[:200]  # the width asked for, plus a little padding
    assert texts(svg) == []


def test_description_becomes_the_drawn_charts_label():
    svg = charts.to_svg(line_spec())
    assert 'aria-label="Absenteeism over time"' in svg


def test_palette_is_okabe_ito_and_series_keep_their_order():
    spec = bars_spec()
    assert spec["encoding"]["color"]["scale"] == {"domain": ["Latest", "Previous"], "range": [charts.BLUE, charts.ORANGE]}
    assert spec["config"]["range"]["category"][:3] == ["#0072B2", "#E69F00", "#009E73"]


def test_template_tag_renders_a_labelled_figure_with_the_spec_as_json():
    template = Template('{% load charts %}{% chart spec "kpi-history" title %}|{% chart_scripts %}')
    html = template.render(Context({"spec": charts.sparkline([1, 2]), "title": 'Trend of "eNPS" <b>'}))
    figure, scripts = html.split("|")
    assert figure.startswith("<figure")
    assert '<div id="kpi-history" role="img" aria-label="Trend of &quot;eNPS&quot; &lt;b&gt;">' in figure
    assert '<div class="chart-view" data-chart-spec="kpi-history-spec"></div>' in figure
    spec = json.loads(figure.split('<script id="kpi-history-spec" type="application/json">')[1].split("</script>")[0])
    assert spec["layer"] and spec["description"] == 'Trend of "eNPS" <b>'  # json_script escapes <, > and & itself
    assert "<script" not in figure.split("</script>")[1]  # no inline code, only JSON
    assert scripts.count("<script src=") == 4 and "vega-embed.min.js" in scripts and "js/charts.js" in scripts
    assert scripts.index("vega.min.js") < scripts.index("vega-lite.min.js") < scripts.index("vega-embed.min.js")


def test_template_tag_keeps_the_specs_own_description():
    spec = {"mark": "point", "description": "Longer description"}
    html = Template('{% load charts %}{% chart spec "c" "Line of values" %}').render(Context({"spec": spec}))
    drawn = json.loads(html.split('type="application/json">')[1].split("</script>")[0])
    assert drawn["description"] == "Longer description" and 'aria-label="Line of values"' in html
