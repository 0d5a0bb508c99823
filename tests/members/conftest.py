import pytest

from members import prepared


@pytest.fixture
def nothing_prepared():
    """members.prepared's queries compiled afresh for the test, and forgotten after it."""
    prepared._entries.clear()
    yield
    prepared._entries.clear()
