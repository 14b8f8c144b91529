import pytest

from im_portal.celery import app as celery_app


@pytest.fixture
def eager_celery():
    """Run enqueued tasks inline (and let their errors surface), as a worker would run them."""
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous
