from django.utils.translation import get_language


def localized(obj, field: str) -> str:
    """The German text of a bilingual ``<field>_en`` / ``<field>_de`` pair when the UI speaks
    German and it is filled, otherwise the English one (and the other way round)."""
    if (get_language() or "en").startswith("de"):
        return getattr(obj, f"{field}_de") or getattr(obj, f"{field}_en")
    return getattr(obj, f"{field}_en") or getattr(obj, f"{field}_de")
