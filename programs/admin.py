from django.contrib import admin

from programs.models import (
    Activity,
    ChangeRecord,
    ExitCriterion,
    Finding,
    FocusArea,
    Goal,
    Instrument,
    NewsPost,
    Phase,
    PlannedInstrument,
    Program,
    SelfAssessment,
)


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0
    fields = ["number", "status", "completed_at", "completed_by", "override_reason"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["name"]
    filter_horizontal = ["owners"]
    inlines = [PhaseInline]


@admin.register(FocusArea)
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ["order", "name_en", "name_de"]


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["name_en", "name_de", "group", "created_by"]
    list_filter = ["group"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "phase", "due_date", "status", "completion"]
    list_select_related = ["phase__program"]


@admin.register(ChangeRecord)
class ChangeRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "program", "actor", "target_model", "target_label", "action"]
    list_select_related = ["program", "actor"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


admin.site.register([Finding, Goal, PlannedInstrument, ExitCriterion, SelfAssessment, NewsPost])
