import pytest


@pytest.fixture(autouse=True)
def _survey_settings(settings, tmp_path):
    # Generous limits: rate limiting has its own test. Mail goes to the in-memory outbox.
    settings.SURVEYS_TOKEN_RATE = "10000/m"
    settings.SURVEYS_FEEDBACK_RATE = "10000/m"
    settings.REPORTING_THRESHOLD = 5
    settings.COMMENT_THRESHOLD = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def colleagues(db):
    """Four more invitees without a mail address, so that a wave reaches the minimum audience
    (a wave never opens for fewer people than the reporting threshold)."""
    from tests.people.factories import DepartmentFactory, EmployeeFactory, LocationFactory

    department, location = DepartmentFactory(name_en="Colleagues", name_de="Kollegium"), LocationFactory()
    return EmployeeFactory.create_batch(4, email="", department=department, location=location)
