"""Admin for KPIs. Values, alerts and evaluated gates are records of what the jobs and the pages
wrote, so they are read-only here; the KPI itself may be corrected (texts, owner, tolerance),
except its code, which the computations and links depend on."""

from django.contrib import admin

from kpis.models import Alert, Baseline, Kpi, Measurement, PhaseGate, Target


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Kpi)
class KpiAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_de", "category", "unit", "direction", "frequency", "source", "owner")
    list_filter = ("category", "source", "frequency")
    search_fields = ("code", "name_en", "name_de")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)

    def get_readonly_fields(self, request, obj=None):
        return ("code", "source", "seeded") if obj is not None else ("seeded",)


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    list_display = ("kpi", "period", "scope", "department", "location", "value", "sample_size", "origin", "computed_at")
    list_filter = ("origin", "scope", "kpi__category")
    search_fields = ("kpi__code", "kpi__name_en", "period")
    list_select_related = ("kpi", "department", "location")
    date_hierarchy = "period_start"


@admin.register(Baseline)
class BaselineAdmin(ReadOnlyAdmin):
    list_display = ("kpi", "scope", "department", "location", "value", "from_period", "from_wave", "set_by", "set_at")
    list_select_related = ("kpi", "department", "location", "from_wave", "set_by")
    search_fields = ("kpi__code", "kpi__name_en")


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ("kpi", "scope", "department", "location", "value", "due_date", "goal", "set_by", "set_at")
    list_select_related = ("kpi", "department", "location", "goal", "set_by")
    search_fields = ("kpi__code", "kpi__name_en")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("created", "kpi", "period", "scope", "department", "location", "kind", "value", "compared_with", "mailed_at", "seen_at")
    list_filter = ("kind",)
    list_select_related = ("kpi", "department", "location")


@admin.register(PhaseGate)
class PhaseGateAdmin(ReadOnlyAdmin):
    list_display = ("phase", "kpi", "scope", "department", "location", "comparison", "threshold", "met", "latest_value", "latest_period")
    list_filter = ("met",)
    list_select_related = ("phase__program", "kpi", "department", "location")
