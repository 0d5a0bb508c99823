import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from gpleadership import demo


class Command(BaseCommand):
    help = "Load two fictional places of one ICS, Northbrook and Southmere, with a person for every role. Rerunnable."

    def add_arguments(self, parser):
        parser.add_argument("--password", help="Password for every demo person (demo mode only; default: random).")

    def handle(self, *args, password=None, **options):
        password_hash = None
        if settings.DEMO_MODE:
            password = password or secrets.token_urlsafe(9)
            # One hash for every demo person keeps the load fast; these are throwaway demo accounts.
            password_hash = make_password(password)
        elif password:
            self.stderr.write("Demo passwords are only set in demo mode (DEMO_MODE=1); people get no password.")
        # Demo people have made-up addresses: the receipts and notices the demo's history would trigger go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            people = demo.load(password_hash=password_hash)
        names = " and ".join([people.place.name, *(other.place.name for other in people.other_places)])
        self.stdout.write(self.style.SUCCESS(f"Demo places {names} are ready, in one ICS."))
        if not settings.DEMO_MODE:
            self.stdout.write("Not in demo mode: demo people have no password; invite them or use password reset.")
            return
        self.stdout.write(f"\nDemo sign-ins (every account uses the password: {password})")
        rows = [
            ("Chair", people.chair),
            ("Gatekeeper", people.gatekeeper),
            ("Group member (PCN Clinical Director)", people.clinical_directors[0]),
            ("Group member (LMC chair, on both groups)", people.lmc_chair),
            ("Observer", people.observer),
            ("Practice voting contact", people.practice_managers[0]),
            ("Practice manager without a vote", people.non_voting_manager),
        ]
        rows += [(f"{other.place.name} chair", other.chair) for other in people.other_places]
        for label, user in rows:
            self.stdout.write(f"  {label:<40} {user.email}")
        self._write_everyone_else(people.place)
        self.stdout.write(f"\nOpen {settings.SITE_URL}/accounts/login/ and sign in.")

    def _write_everyone_else(self, place):
        """Every seat's holder and deputy (consensus needs them all), the representatives, and the public request
        form: what a newcomer needs to take an item through to publication."""
        from django.urls import reverse

        from members import places
        from members.models import Seat
        from representation.models import Representative

        with places.using(place):
            seats = list(Seat.objects.filter(is_active=True).select_related("holder", "deputy").order_by("title"))
            representatives = list(Representative.objects.current().select_related("user", "forum"))
            request_form = settings.SITE_URL + reverse("representation:request_new")
        self.stdout.write(f"\nEvery seat on the {place.name} group (each must respond for consensus):")
        for seat in seats:
            for role, person in (("holder", seat.holder), ("deputy", seat.deputy)):
                if person is not None:
                    self.stdout.write(f"  {seat.title + ' (' + role + ')':<40} {person.email}")
        self.stdout.write("\nRepresentatives on forums:")
        for rep in representatives:
            label = f"{rep.forum.name[:28]} ({rep.get_role_display().lower()})"
            self.stdout.write(f"  {label:<40} {rep.user.email}")
        self.stdout.write(f"\nThe public request form for system partners (no sign-in):\n  {request_form}")
