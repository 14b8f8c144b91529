from urllib.parse import urlencode

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def urlencode_dict(values: dict) -> str:
    return urlencode(values)


@register.simple_tag
def localized_summary(summary: dict) -> str:
    """A stored reading in the reader's language (German or English)."""
    return summary.get("de" if (get_language() or "").startswith("de") else "en", "")


@register.simple_tag(takes_context=True)
def chart_named(context, charts: dict, name: str, title) -> str:
    """The chart ``name`` of a page's chart specs, or nothing when the page has none."""
    spec = charts.get(name) if charts else None
    if not spec:
        return ""
    from common.templatetags.charts import chart

    return chart(spec, f"chart-{name}", str(title))


@register.simple_tag(takes_context=True)
def chart_scripts(context, charts: dict) -> str:
    if not charts:
        return ""
    from common.templatetags.charts import chart_scripts as scripts

    return scripts()
