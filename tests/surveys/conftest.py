import pytest


@pytest.fixture(autouse=True)
def _survey_settings(settings, tmp_path):
    # Generous limits: rate limiting has its own test. Mail goes to the in-memory outbox.
    settings.SURVEYS_TOKEN_RATE = "10000/m"
    settings.SURVEYS_FEEDBACK_RATE = "10000/m"
    settings.REPORTING_THRESHOLD = 5
    settings.COMMENT_THRESHOLD = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
