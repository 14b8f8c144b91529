"""Celery entry points of the dashboards app."""

import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError

from dashboards import report

RETRY = {
    "autoretry_for": (OperationalError, InterfaceError, ConnectionError, smtplib.SMTPException),
    "retry_backoff": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(**RETRY)
def board_report_mail() -> int:
    """Monthly: the board report to every executive, once per month and person."""
    return report.board_report_mail()
