"""The whole of the real Liverpool data from ../shared/data/ods (as CI has it beside the checkout)."""

import csv
import os
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from members.models import Organisation, Place

SHARED = Path(os.environ.get("SHARED_DATA_DIR", settings.BASE_DIR.parent / "shared" / "data")) / "ods"

pytestmark = [pytest.mark.django_db, pytest.mark.every_place]


def _import() -> str:
    out = StringIO()
    call_command(
        "import_ods", "--place=Liverpool", "--commissioner=99A",
        f"--epraccur={SHARED / 'epraccur-2025.csv'}", f"--epcn={SHARED / 'ePCN-2019.xlsx'}",
        f"--list-sizes={SHARED / 'gp-reg-pat-prac-all-2021-01.csv'}",
        stdout=out, stderr=StringIO(),
    )
    return out.getvalue()


def test_it_imports_liverpool_and_a_second_run_changes_nothing():
    assert SHARED.is_dir(), f"the shared NHS data is expected at {SHARED} (set SHARED_DATA_DIR)"
    with (SHARED / "epraccur-2025.csv").open(newline="", encoding="utf-8") as handle:
        active = {r[0] for r in csv.reader(handle) if r[14] == "99A" and r[25] == "4" and r[12] == "A"}
    _import()
    practices = Organisation.objects.practices()
    assert set(practices.filter(status="active").values_list("ods_code", flat=True)) == active
    assert 75 <= len(active) <= 90
    assert Organisation.objects.pcns().count() >= 10
    in_pcn = practices.filter(status="active", pcn__isnull=False).count()
    with_list_size = practices.filter(status="active", list_size__isnull=False).count()
    assert in_pcn >= 0.9 * len(active)
    assert with_list_size >= 0.9 * len(active)

    # Each file is dated by itself: epraccur by its latest change, the workbook by when it was saved.
    place = Place.objects.get()
    assert (place.ods_practices_as_of, place.ods_pcns_as_of) == (date(2025, 4, 23), date(2019, 12, 4))

    history_before = (Organisation.history.count(), Place.history.count())
    _import()
    assert (Organisation.history.count(), Place.history.count()) == history_before
