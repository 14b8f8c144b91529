"""Reminders, automatic open/close, recurring pulses with rotation; every job idempotent."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from surveys import services
from surveys.models import Invitation, PulseSchedule, Wave
from surveys.tasks import schedules_run, waves_close_due, waves_open_due, waves_remind
from tests.surveys.factories import batches, mail_tokens, open_wave, pulse_template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("colleagues")]

NOON = timezone.now().replace(hour=11, minute=0)


def run_queued_mails(wave, reminder):
    for first, last in batches(wave):
        services.invitations_mail(wave_id=wave.pk, first_id=first, last_id=last, reminder=reminder)


def test_reminders_go_only_to_unused_invitations_on_days_3_and_5_at_most_twice(
    employee, other_employee, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOON, tick=False) as traveller:
        wave = open_wave(pulse_template(), days=9)
        mail_tokens(wave)
        answered = Invitation.objects.get(employee__user=employee)
        services.response_submit(invitation=answered, employee=answered.employee, answers=[])
        mail.outbox.clear()

        traveller.shift(timedelta(days=2))
        assert waves_remind() == 0
        traveller.shift(timedelta(days=1))  # day 3
        assert waves_remind() == 1
        assert waves_remind() == 0  # the claim makes a second run do nothing
        run_queued_mails(wave, reminder=True)
        run_queued_mails(wave, reminder=True)  # rerun sends nothing twice
        assert [m.to for m in mail.outbox] == [[other_employee.email]]
        assert "Reminder" in mail.outbox[0].subject

        traveller.shift(timedelta(days=2))  # day 5
        assert waves_remind() == 1
        run_queued_mails(wave, reminder=True)
        assert len(mail.outbox) == 2
        traveller.shift(timedelta(days=2))
        assert waves_remind() == 0  # never a third


def test_no_reminder_after_the_window_closes(employee):
    with time_machine.travel(NOON, tick=False) as traveller:
        wave = open_wave(pulse_template(), days=2)
        mail_tokens(wave)
        mail.outbox.clear()
        traveller.shift(timedelta(days=4))
        assert waves_remind() == 0
        wave.reminders_sent = 1
        wave.save()
        run_queued_mails(wave, reminder=True)
        assert mail.outbox == []


def test_reminder_link_works_and_old_link_too(client, employee):
    wave = open_wave(pulse_template())
    first = mail_tokens(wave)[employee.email]
    Wave.objects.filter(pk=wave.pk).update(reminders_sent=1)
    mail.outbox.clear()
    second = mail_tokens(wave, reminder=True)[employee.email]
    assert first != second
    for token in (first, second):
        page = client.get(f"/surveys/a/{token}/", follow=True)
        assert page.status_code == 200 and page.redirect_chain == [("/surveys/answer/", 302)]
        assert b'id="answer-form"' in page.content


def test_waves_open_and_close_automatically_once(employee):
    today = timezone.localdate()
    with time_machine.travel(NOON, tick=False) as traveller:
        wave = services.wave_create(
            template=pulse_template(), title="Later", opens_on=today + timedelta(days=1), closes_on=today + timedelta(days=3)
        )
        assert wave.status == Wave.Status.DRAFT and wave.invitations.count() == 0
        traveller.shift(timedelta(days=1))
        assert waves_open_due() == 1
        assert waves_open_due() == 0
        wave.refresh_from_db()
        assert wave.status == Wave.Status.OPEN and wave.invitations.count() == 5  # Emma and four colleagues
        traveller.shift(timedelta(days=3))
        assert waves_close_due() == 1
        assert waves_close_due() == 0
        wave.refresh_from_db()
        assert wave.status == Wave.Status.CLOSED


def test_recurring_pulse_rotates_items_and_runs_once_per_period(employee):
    codes = ("eng-proud", "eng-motivated", "eng-stay", "eng-recognition", "eng-growth", "eng-purpose", "eng-heard")
    template = pulse_template(codes)
    with time_machine.travel(NOON, tick=False) as traveller:
        schedule = PulseSchedule.objects.create(template=template, frequency="weekly", items_per_wave=3, next_open_on=timezone.localdate())
        assert schedules_run() == 1
        assert schedules_run() == 0
        seen = []
        for _week in range(3):
            wave = schedule.waves.order_by("-id").first()
            seen.append([wq.question.code for wq in wave.questions.select_related("question")])
            traveller.shift(timedelta(days=7))
            schedules_run()
        assert seen[0] == ["eng-proud", "eng-motivated", "eng-stay"]
        assert seen[1] == ["eng-recognition", "eng-growth", "eng-purpose"]
        assert seen[2] == ["eng-proud", "eng-motivated", "eng-heard"]
        assert len({c for wave in seen for c in wave}) == 7  # every item recurs
        assert schedule.waves.count() == 4


def test_rotation_wraps_around():
    assert services.rotation_items(list("abcde"), 4, 2) == ["a", "e"]
    assert services.rotation_items(list("abc"), 0, 5) == list("abc")


def test_next_dates_for_each_frequency():
    day = timezone.localdate().replace(day=15, month=11)
    assert services._next_date(day, "weekly") == day + timedelta(days=7)
    assert services._next_date(day, "biweekly") == day + timedelta(days=14)
    assert services._next_date(day, "monthly").month == 12
    assert services._next_date(day, "quarterly").month == 2


def test_hr_starts_a_recurring_pulse_in_the_browser_form(client, hr_manager, employee):
    template = pulse_template(("eng-proud", "eng-motivated", "eng-stay"))
    client.force_login(hr_manager)
    url = f"/surveys/templates/{template.pk}/recurring/"
    invalid = client.post(url, {"frequency": "weekly", "next_open_on": "", "window_days": 5, "items_per_wave": 2})
    assert invalid.status_code == 200 and PulseSchedule.objects.count() == 0
    today = timezone.localdate()
    client.post(url, {"frequency": "monthly", "next_open_on": today, "window_days": 5, "items_per_wave": 2, "whole_company": "on"})
    schedule = PulseSchedule.objects.get()
    assert schedule.waves.count() == 1 and schedule.waves.get().questions.count() == 2
    assert schedule.next_open_on > today
    client.force_login(employee)
    assert client.get(url).status_code == 403
