from django.contrib import admin

from surveys.models import FeedbackLink, Idea, PulseSchedule, Question, QuestionOption, SurveyTemplate, TemplateItem, TemplateSection, Wave
from surveys.services import question_is_locked


class QuestionOptionInline(admin.TabularInline):
    model = QuestionOption
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text_en", "kind", "category", "code", "in_bank"]
    list_filter = ["kind", "category", "in_bank"]
    search_fields = ["text_en", "text_de", "code"]
    inlines = [QuestionOptionInline]

    def get_readonly_fields(self, request, obj=None):
        # An answered question keeps its wording, or results across waves would not compare.
        if obj is not None and question_is_locked(question=obj):
            return ["code", "kind", "category", "text_en", "text_de", "in_bank"]
        return []


class TemplateSectionInline(admin.TabularInline):
    model = TemplateSection
    extra = 0


class TemplateItemInline(admin.TabularInline):
    model = TemplateItem
    extra = 0
    raw_id_fields = ["question"]


@admin.register(SurveyTemplate)
class SurveyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "created"]
    inlines = [TemplateSectionInline, TemplateItemInline]


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    # Responses and invitations are deliberately not browsable here.
    list_display = ["title", "status", "opens_on", "closes_on", "invited_count", "published_responses"]
    list_filter = ["status"]
    # The status changes only through the services that enforce the anonymity rules (opening
    # checks the audience, closing counts the ballots and runs the publication plan).
    readonly_fields = [
        "status",
        "invited_count",
        "published_responses",
        "published_invited",
        "published_answered",
        "published_on",
        "results_batch",
        "uncounted",
        "reminders_sent",
    ]

    def has_delete_permission(self, request, obj=None):
        return False  # deleting a wave would delete anonymous responses with it

    def has_add_permission(self, request):
        return False  # waves are created in the portal, whose services invite and check the audience

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Wave.Status.DRAFT:
            # Once invited, a wave's audience, questions and window are what respondents answered.
            editable = {"title", "program", "phase"}
            return [f.name for f in Wave._meta.concrete_fields if f.name not in editable] + ["segments"]
        return self.readonly_fields


@admin.register(PulseSchedule)
class PulseScheduleAdmin(admin.ModelAdmin):
    list_display = ["template", "frequency", "next_open_on", "active"]


@admin.register(Idea)
class IdeaAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "submitted_on"]
    list_filter = ["status"]


@admin.register(FeedbackLink)
class FeedbackLinkAdmin(admin.ModelAdmin):
    list_display = ["slug", "department", "location", "active"]
