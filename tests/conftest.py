"""Persona fixtures, as in Healthchecks' tests: the chair, a gatekeeper, a group member, an observer,
a practice contact (the practice's voting contact), and an outsider who is signed in but holds no role."""

import os
import socket

import pytest
from django.core.cache import cache
from django.test import Client

from members import places
from members.models import ICS, GroupRole

from .factories import GroupRoleFactory, MembershipFactory, PlaceFactory, PracticeFactory, SeatFactory, UserFactory
from .identity_provider import provider_for, switch_on

# A Redis database for tests that run a real Celery worker, of this checkout's own (TEST_REDIS_DB_OFFSET) and of this
# xdist worker's own: two such tests running at once on one broker would take, or purge, each other's tasks.
_XDIST = os.environ.get("PYTEST_XDIST_WORKER", "")
BROKER_URL = "redis://127.0.0.1:{}/{}".format(
    os.environ.get("TEST_REDIS_PORT", "6379"),
    int(os.environ.get("TEST_REDIS_DB_OFFSET", "0")) + 3 + (int(_XDIST[2:]) if _XDIST.startswith("gw") else 0)
)


@pytest.fixture(autouse=True)
def _in_testshire(request):
    """Tests work in one place, Testshire, as a request to /testshire/… does: what they create belongs to it, what
    they read is its, and reverse() names it. Tests of several places say `places.using(other)` themselves."""
    if request.node.get_closest_marker("django_db") is None and not {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    ):
        yield None
        return
    if request.node.get_closest_marker("every_place"):
        request.getfixturevalue("db")
        with places.unscoped():
            yield None
        return
    wanted = "transactional_db" if {"transactional_db", "live_server"} & set(request.fixturenames) or (
        (marker := request.node.get_closest_marker("django_db")) and marker.kwargs.get("transaction")
    ) else "db"
    request.getfixturevalue(wanted)
    place = PlaceFactory()
    with places.using(place):
        yield place


@pytest.fixture
def testshire(_in_testshire):
    """The place the tests work in."""
    return _in_testshire


@pytest.fixture
def ics(testshire):
    """North Shire, the ICS of Testshire and of the places below."""
    system = ICS.objects.create(name="North Shire", slug="north-shire", ods_code="QNS")
    testshire.ics = system
    testshire.save(update_fields=["ics"])
    return system


@pytest.fixture
def riverton(ics):
    return PlaceFactory(slug="riverton", name="Riverton", commissioner_codes="99B", ics=ics)


@pytest.fixture
def lakeside(ics):
    return PlaceFactory(slug="lakeside", name="Lakeside", commissioner_codes="99C", ics=ics)


@pytest.fixture
def farland():
    """A place of another system."""
    other = ICS.objects.create(name="Far Country", slug="far-country", ods_code="QFC")
    return PlaceFactory(slug="farland", name="Farland", commissioner_codes="99Z", ics=other)


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits and the request-form limit live in the (real, Redis) cache.
    cache.clear()
    yield
    cache.clear()


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def practice(db):
    return PracticeFactory(name="Riverside Surgery")


@pytest.fixture
def chair(db):
    user = UserFactory(email="chair@example.nhs.uk", full_name="Clare Chair")
    GroupRoleFactory(user=user, role=GroupRole.Role.CHAIR)
    return user


@pytest.fixture
def gatekeeper(db):
    user = UserFactory(email="gatekeeper@example.nhs.uk", full_name="Gita Gatekeeper")
    GroupRoleFactory(user=user, role=GroupRole.Role.GATEKEEPER)
    return user


@pytest.fixture
def member(db):
    """A group member who holds a PCN's seat."""
    user = UserFactory(email="member@example.nhs.uk", full_name="Mo Member")
    GroupRoleFactory(user=user, role=GroupRole.Role.MEMBER)
    SeatFactory(holder=user)
    return user


@pytest.fixture
def observer(db):
    user = UserFactory(email="observer@example.nhs.uk", full_name="Olu Observer")
    GroupRoleFactory(user=user, role=GroupRole.Role.OBSERVER)
    return user


@pytest.fixture
def practice_user(db, practice):
    """The voting contact of a practice; not on the group."""
    user = UserFactory(email="pm@example.nhs.uk", full_name="Priya Manager")
    MembershipFactory(user=user, organisation=practice, role_title="Practice Manager", is_voting_contact=True)
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.com", full_name="Oscar Outsider")


@pytest.fixture
def client_for():
    return _client_for


class _Inbox:
    """Messages received by the in-process SMTP server."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email

        message = email.message_from_bytes(envelope.content)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "peer": session.peer,  # the client's address and port: one per SMTP connection
                "subject": message["Subject"],
                "message_id": message["Message-ID"],
                "body": message.get_payload(decode=True).decode() if not message.is_multipart()
                else message.get_payload(0).get_payload(decode=True).decode(),
                "html": next((part.get_payload(decode=True).decode() for part in message.walk()
                              if part.get_content_type() == "text/html"), ""),
            }
        )
        return "250 OK"


@pytest.fixture
def smtp_inbox(settings):
    """A real SMTP server on loopback; Django sends to it over SMTP."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture
def deliver():
    """Send what the outbox holds, as the worker (or the sweep) would once the request's transaction committed.
    Tests run inside one transaction, so on-commit queueing never fires by itself."""
    from members import outbox

    return outbox.sweep


@pytest.fixture
def papers_root(settings, tmp_path):
    """The papers storage in a folder of this test's own (members.papers looks the storage up on each use)."""
    root = tmp_path / "papers"
    settings.STORAGES = {**settings.STORAGES, "papers": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root, "base_url": None},
    }}
    return root


@pytest.fixture
def count_queries():
    """How many queries a GET of `url` runs (the page must answer 200): for pages that must not grow with the data."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(client, url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    return count


@pytest.fixture(scope="session")
def identity_provider():
    """A real OpenID Connect provider standing in for NHSmail, for the Django test client (host "testserver")."""
    yield from provider_for("http://testserver")


@pytest.fixture
def nhsmail(settings, identity_provider):
    """NHSmail sign-in switched on against the test provider."""
    return switch_on(settings, identity_provider)
