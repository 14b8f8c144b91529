import pytest


@pytest.fixture(autouse=True)
def seeded_catalogue(request):
    """Transactional tests (the browser ones) flush the migration-seeded catalogue; restore it."""
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    else:
        return
    from programs.catalogue import ensure_catalogue

    ensure_catalogue()
