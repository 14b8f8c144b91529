from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from common import exports
from common.ratelimits import ratelimit
from common.roles import EMPLOYEE, EXECUTIVE, HR_MANAGER, has_role, role_required
from surveys import figures, selectors, services
from surveys.forms import (
    AnswerForm,
    CustomerFeedbackForm,
    FeedbackLinkForm,
    IdeaForm,
    IdeaTriageForm,
    ItemAddForm,
    QuestionForm,
    ScheduleForm,
    SectionForm,
    TemplateForm,
    WaveForm,
)
from surveys.models import FeedbackLink, Idea, Invitation, PulseSchedule, SurveyTemplate, TemplateItem, Wave

# Executives read every result page, heatmap, trend and export, through the same rules; only
# HR managers build, open, refresh and close surveys.
readers = role_required(HR_MANAGER, EXECUTIVE)


def token_rate(group, request) -> str:
    return getattr(settings, "SURVEYS_TOKEN_RATE", "30/m")


def feedback_rate(group, request) -> str:
    return getattr(settings, "SURVEYS_FEEDBACK_RATE", "10/m")


def _too_many(request):
    return render(request, "surveys/token_problem.html", {"problem": "rate"}, status=429)


def _messages_error(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- HR: overview, bank, templates -----------------------------------------------------


@readers
def index(request):
    context = {
        "templates": selectors.templates_overview(),
        "waves": selectors.waves_overview()[:50],
        "schedules": PulseSchedule.objects.select_related("template"),
        "can_edit": has_role(request.user, HR_MANAGER),
    }
    return render(request, "surveys/index.html", context)


@role_required(HR_MANAGER)
def bank(request):
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.question_create(
            kind=data["kind"],
            category=data["category"],
            text_en=data["text_en"],
            text_de=data["text_de"],
            options=data["option_pairs"],
            created_by=request.user,
        )
        messages.success(request, _("Question added to the bank."))
        return redirect("surveys:bank")
    return render(request, "surveys/bank.html", {"questions": selectors.bank_questions(), "form": form})


@role_required(HR_MANAGER)
def template_create(request):
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        template = services.template_create(created_by=request.user, **form.cleaned_data)
        return redirect("surveys:template_detail", pk=template.pk)
    return render(request, "surveys/form_page.html", {"form": form, "title": _("New survey template")})


@role_required(HR_MANAGER)
def template_detail(request, pk):
    template = get_object_or_404(SurveyTemplate, pk=pk)
    context = {
        "template": template,
        "sections": selectors.template_detail(template=template),
        "locked": services.template_is_locked(template=template),
        "bank": selectors.bank_questions(),
        "section_form": SectionForm(),
        "waves": template.waves.order_by("-opens_on"),
    }
    return render(request, "surveys/template_detail.html", context)


@require_POST
@role_required(HR_MANAGER)
def template_section_add(request, pk):
    template = get_object_or_404(SurveyTemplate, pk=pk)
    form = SectionForm(request.POST)
    if form.is_valid():
        try:
            services.template_section_add(template=template, **form.cleaned_data)
        except ValidationError as error:
            _messages_error(request, error)
    return redirect("surveys:template_detail", pk=pk)


@require_POST
@role_required(HR_MANAGER)
def template_item_add(request, pk):
    template = get_object_or_404(SurveyTemplate, pk=pk)
    form = ItemAddForm(request.POST, template=template)
    if form.is_valid():
        try:
            services.template_item_add(template=template, **form.cleaned_data)
        except ValidationError as error:
            _messages_error(request, error)
    else:
        messages.error(request, _("Choose a question to add."))
    return redirect("surveys:template_detail", pk=pk)


@require_POST
@role_required(HR_MANAGER)
def template_item_remove(request, pk):
    item = get_object_or_404(TemplateItem.objects.select_related("template"), pk=pk)
    try:
        services.template_item_remove(item=item)
    except ValidationError as error:
        _messages_error(request, error)
    return redirect("surveys:template_detail", pk=item.template_id)


@require_POST
@role_required(HR_MANAGER)
def template_item_move(request, pk):
    item = get_object_or_404(TemplateItem.objects.select_related("template", "section"), pk=pk)
    try:
        services.template_item_move(item=item, up=request.POST.get("direction") == "up")
    except ValidationError as error:
        _messages_error(request, error)
    return redirect("surveys:template_detail", pk=item.template_id)


@require_POST
@role_required(HR_MANAGER)
def template_copy(request, pk):
    template = get_object_or_404(SurveyTemplate, pk=pk)
    copy = services.template_copy(template=template, created_by=request.user)
    messages.success(request, _("Template copied; you can change the copy's questions."))
    return redirect("surveys:template_detail", pk=copy.pk)


@readers
def template_trend(request, pk):
    template = get_object_or_404(SurveyTemplate, pk=pk)
    context = {"template": template, "trend": figures.template_trend(template=template), "can_edit": has_role(request.user, HR_MANAGER)}
    return render(request, "surveys/template_trend.html", context)


# --- HR: waves and results -------------------------------------------------------------


@role_required(HR_MANAGER)
def wave_create(request, pk):
    template = get_object_or_404(SurveyTemplate, pk=pk)
    form = WaveForm(request.POST or None, initial={"title": template.name})
    if request.method == "POST" and form.is_valid():
        try:
            wave = services.wave_create(template=template, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Wave created; %(n)s employees invited.") % {"n": wave.invited_count})
            return redirect("surveys:wave_results", pk=wave.pk)
    return render(request, "surveys/form_page.html", {"form": form, "title": _("New wave of %(name)s") % {"name": template.name}})


@role_required(HR_MANAGER)
def schedule_create(request, pk):
    template = get_object_or_404(SurveyTemplate, pk=pk)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        segments = data.pop("segments")
        schedule = PulseSchedule.objects.create(template=template, **data)
        schedule.segments.set(segments)
        services.schedule_run(schedule=schedule)
        messages.success(request, _("Recurring pulse started."))
        return redirect("surveys:index")
    return render(request, "surveys/form_page.html", {"form": form, "title": _("Recurring pulse of %(name)s") % {"name": template.name}})


@readers
def wave_results(request, pk):
    wave = get_object_or_404(Wave.objects.select_related("template"), pk=pk)
    results = figures.wave_results(wave=wave, dimension=request.GET.get("by", "department"))
    can_edit = has_role(request.user, HR_MANAGER)
    return render(request, "surveys/wave_results.html", {"wave": wave, "results": results, "can_edit": can_edit})


@require_POST
@role_required(HR_MANAGER)
def wave_close(request, pk):
    wave = get_object_or_404(Wave, pk=pk)
    if services.wave_close(wave=wave):
        messages.success(request, _("The wave is closed and its results are final."))
    return redirect("surveys:wave_results", pk=pk)


@require_POST
@role_required(HR_MANAGER)
def wave_rollup(request, pk):
    wave = get_object_or_404(Wave, pk=pk)
    if services.wave_count(wave=wave):
        messages.success(request, _("Results refreshed."))
    else:
        messages.info(request, _("Not enough new responses yet; results move only in steps to protect respondents."))
    return redirect("surveys:wave_results", pk=pk)


@readers
def wave_export(request, pk, fmt):
    wave = get_object_or_404(Wave.objects.select_related("template"), pk=pk)
    rows = figures.results_table(wave=wave)
    filename = f"wave-{wave.pk}-results.{fmt}"
    if fmt == "csv":
        response = HttpResponse(exports.csv_text(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(exports.xlsx_bytes(rows, title="Results"), content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@readers
def internal_results(request, pk):
    wave = get_object_or_404(Wave.objects.select_related("template"), pk=pk)
    return render(request, "surveys/internal_results.html", {"wave": wave, "results": figures.internal_customer_results(wave=wave)})


# --- answering -------------------------------------------------------------------------


# The invitation a mailed link was exchanged for: the token itself never stays in a URL that
# access logs, browser history or a Referer header would keep.
ANSWER_SESSION_KEY = "survey_invitation"
CLOSED_SESSION_KEY = "survey_link_closed"


def _link_problem(request):
    """One page for an unknown, a used and an expired link alike: whoever holds a raw link (a
    mail-log reader) must not learn from the portal whether it was used."""
    return render(request, "surveys/token_problem.html", {"problem": "link"}, status=404)


def _answer(request, invitation: Invitation, action_url: str, *, by_link: bool = False):
    """The answer form of one invitation. ``by_link``: reached from a mailed link, so a used
    invitation gets the neutral link page, and the session forgets the invitation once used."""
    wave = invitation.wave
    if by_link and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        # The survey speaks the language its invitation was mailed in, unless the visitor chose one.
        translation.activate(invitation.language)
        request.LANGUAGE_CODE = invitation.language
    # Checked before "used", so that a closed wave says the same for used and unused links.
    if not selectors.wave_is_answerable(wave=wave):
        return _closed(request)
    if invitation.used_on:
        return _used(request, by_link=by_link)
    items = selectors.answer_items(wave=wave)
    providers = selectors.provider_departments() if wave.is_internal_customer else ()
    form = AnswerForm(request.POST or None, items=items, providers=providers)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_submit(invitation=invitation, employee=invitation.employee, answers=form.answers())
        except services.AlreadyAnswered:
            return _used(request, by_link=by_link)
        except services.WaveNotOpen:
            return _closed(request)
        if by_link:
            # Saved now, inside the request's transaction, rather than by the middleware in a
            # second transaction (and a second commit to wait for) after it.
            request.session.pop(ANSWER_SESSION_KEY, None)
            request.session.save()
            request.session.modified = False
        return render(request, "surveys/answer_thanks.html", {"wave": wave})
    return render(request, "surveys/answer.html", {"wave": wave, "form": form, "action_url": action_url})


def _used(request, *, by_link: bool):
    if by_link:
        request.session.pop(ANSWER_SESSION_KEY, None)
        return _link_problem(request)
    return render(request, "surveys/token_problem.html", {"problem": "used"})


def _closed(request):
    return render(request, "surveys/token_problem.html", {"problem": "closed"}, status=410)


@never_cache
@ratelimit(rate=token_rate)
def answer_token(request, token):
    """Exchange a mailed link for a session and redirect to a URL without the token."""
    if getattr(request, "limited", False):
        return _too_many(request)
    invitation = selectors.invitation_for_token(token_hash=services.token_hash(token))
    # Valid, used and unknown links all answer with the same redirect to a URL without the
    # token, so neither the access log nor the visitor learns from the status which it was,
    # and no page ever shows the link. A wave that is not open says so, used link or not.
    request.session.pop(ANSWER_SESSION_KEY, None)
    request.session.pop(CLOSED_SESSION_KEY, None)
    if invitation is not None and not selectors.wave_is_answerable(wave=invitation.wave):
        request.session[CLOSED_SESSION_KEY] = True
    elif invitation is not None and not invitation.used_on:
        request.session[ANSWER_SESSION_KEY] = invitation.pk
    return redirect("surveys:answer_session")


@never_cache
def answer_session(request):
    if request.session.get(CLOSED_SESSION_KEY):
        return _closed(request)
    pk = request.session.get(ANSWER_SESSION_KEY)
    invitation = Invitation.objects.select_related("wave", "wave__template", "employee").filter(pk=pk).first() if pk else None
    if invitation is None:
        return _link_problem(request)
    return _answer(request, invitation, request.path, by_link=True)


@role_required(EMPLOYEE)
def answer(request, pk):
    invitation = get_object_or_404(
        Invitation.objects.select_related("wave", "wave__template", "employee"), wave_id=pk, employee__user=request.user
    )
    return _answer(request, invitation, request.path)


# --- ideas -----------------------------------------------------------------------------


@login_required
def ideas(request):
    status = request.GET.get("status", "")
    context = {"ideas": selectors.ideas_board(status=status), "status": status, "statuses": Idea.Status.choices}
    is_hr = has_role(request.user, HR_MANAGER)
    context["triage_form"] = IdeaTriageForm() if is_hr else None
    context["findings"] = selectors.findings_for_evidence() if is_hr else []
    return render(request, "surveys/ideas.html", context)


@role_required(EMPLOYEE)
def idea_submit(request):
    form = IdeaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.idea_submit(user=request.user, **form.cleaned_data)
        messages.success(request, _("Thank you! Your idea is on the board."))
        return redirect("surveys:ideas")
    return render(request, "surveys/form_page.html", {"form": form, "title": _("Submit an improvement idea")})


@require_POST
@role_required(HR_MANAGER)
def idea_triage(request, pk):
    idea = get_object_or_404(Idea, pk=pk)
    form = IdeaTriageForm(request.POST)
    if form.is_valid():
        services.idea_triage(idea=idea, **form.cleaned_data)
        messages.success(request, _("Idea updated."))
    else:
        messages.error(request, _("Choose a valid status."))
    return redirect("surveys:ideas")


# --- external customer feedback --------------------------------------------------------


@role_required(HR_MANAGER)
def feedback_links(request):
    form = FeedbackLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.feedback_link_create(**form.cleaned_data)
        messages.success(request, _("Public feedback link created."))
        return redirect("surveys:feedback_links")
    context = {"form": form, "rows": figures.feedback_summary(), "base_url": settings.PORTAL_BASE_URL.rstrip("/")}
    return render(request, "surveys/feedback_links.html", context)


@ratelimit(rate=feedback_rate, method="POST")
def feedback_public(request, slug):
    link = get_object_or_404(FeedbackLink.objects.select_related("department", "location"), slug=slug, active=True)
    if getattr(request, "limited", False):
        return _too_many(request)
    form = CustomerFeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.feedback_submit(link=link, **form.cleaned_data)
        return render(request, "surveys/feedback_thanks.html", {"link": link})
    return render(request, "surveys/feedback_public.html", {"link": link, "form": form})
