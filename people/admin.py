from django.contrib import admin

from people.models import Department, Employee, ImportRun, Location, PrivacyLogEntry, Segment


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name_en", "name_de", "code", "parent", "head", "contact")
    search_fields = ("name_en", "name_de", "code")
    list_select_related = ("parent", "head")
    raw_id_fields = ("head",)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind")
    list_filter = ("kind",)


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ("employee_number", "last_name", "first_name", "department", "location", "hire_date", "exit_date")
    list_filter = ("location__kind", "customer_facing", "department")
    search_fields = ("employee_number", "last_name", "first_name", "email")
    list_select_related = ("department", "location")
    raw_id_fields = ("manager", "user")


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("name", "created_by", "modified")
    search_fields = ("name",)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Every HRIS import, who ran it and the counts; read-only (the record is the audit)."""

    list_display = (
        "created",
        "file_name",
        "source",
        "status",
        "created_by",
        "rows_total",
        "rows_created",
        "rows_updated",
        "rows_unchanged",
        "rows_error",
        "marked_exited",
    )
    list_filter = ("status", "source")
    list_select_related = ("created_by",)
    exclude = ("content", "report")
    readonly_fields = (
        "file_name",
        "source",
        "status",
        "create_missing",
        "mark_absent_exited_on",
        "created_by",
        "committed_at",
        "rows_total",
        "rows_created",
        "rows_updated",
        "rows_unchanged",
        "rows_error",
        "marked_exited",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content", "report")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PrivacyLogEntry)
class PrivacyLogEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "subject_id", "actor_username")
    list_filter = ("action",)
    readonly_fields = ("at", "action", "subject_id", "actor", "actor_username")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
