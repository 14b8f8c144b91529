from django.contrib import admin

from common.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_seen")
    readonly_fields = ("name", "last_seen")
