"""``{% chart spec "element-id" "Accessible title" %}`` draws a spec of ``common.charts`` in the
page; ``{% chart_scripts %}`` (once, in the page's scripts block) loads what draws it."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join, json_script

register = template.Library()

SCRIPTS = ("vendor/vega/vega.min.js", "vendor/vega/vega-lite.min.js", "vendor/vega/vega-embed.min.js", "js/charts.js")


@register.simple_tag
def chart(spec: dict, element_id: str, title: str):
    """A figure named by ``title`` (role img: a reader hears the title, and the figures are in
    the page's table), with the spec beside it as JSON. Vega draws into an inner element,
    because it gives its container a role and label of its own (from the spec's description,
    which is ``title`` unless the spec has one) and marks described in English only."""
    spec = {**spec, "description": spec.get("description") or str(title)}
    return format_html(
        '<figure class="chart mb-0"><div id="{}" role="img" aria-label="{}"><div class="chart-view" data-chart-spec="{}-spec"></div></div>{}</figure>',
        element_id,
        title,
        element_id,
        json_script(spec, f"{element_id}-spec"),
    )


@register.simple_tag
def chart_scripts():
    """The chart libraries (local files, in order) and static/js/charts.js, deferred."""
    return format_html_join("\n", '<script src="{}" defer></script>', ((static(path),) for path in SCRIPTS))
