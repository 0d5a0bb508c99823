"""The BLT reader and the count_blt management command."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from priorities.blt import BLTError, parse_blt, read_blt

DATA = Path(__file__).parent / "data"


def test_it_reads_the_unquoted_glasgow_file_without_a_final_newline():
    assert not (DATA / "glasgow2017_ward7_langside.blt").read_bytes().endswith(b"\n")
    election = read_blt(DATA / "glasgow2017_ward7_langside.blt")
    assert election.seats == 4
    assert election.title == "Ward 7 Langside"
    assert election.candidates[0] == "Susan AITKEN (SNP)"
    assert election.candidates[-1] == "Tanya WISELY (Grn)"
    assert len(election.ballots) == 2402
    assert sum(ballot.weight for ballot in election.ballots) == 10749
    assert election.ballots[0].preferences == ("Susan AITKEN (SNP)",)
    assert election.ballots[0].weight == 124


def test_it_reads_quoted_names_and_ignores_extra_quoted_fields():
    election = read_blt(DATA / "quoted_names.blt")
    assert election.candidates == ("Dr Amina OKAFOR", "Tom O'Neill", "Priya SHAH")
    assert election.title == "Quoted example – 2 seats"
    assert election.ballots[1].preferences == ("Tom O'Neill", "Priya SHAH")


def test_it_reads_crlf_padded_lines_and_blank_lines():
    assert b"\r\n" in (DATA / "crlf_padded.blt").read_bytes()
    election = read_blt(DATA / "crlf_padded.blt")
    assert election.seats == 1
    assert election.candidates == ("Alice Brown", "Bob Green", "Cara White")
    assert election.title == "Padded title"
    assert [(b.preferences, b.weight) for b in election.ballots] == [
        (("Alice Brown", "Bob Green"), 2),
        (("Bob Green",), 1),
        (("Cara White", "Bob Green"), 1),
    ]


def test_it_passes_over_withdrawn_candidates():
    election = read_blt(DATA / "withdrawn.blt")
    assert election.withdrawn == ("Ben",)
    result = election.count()
    # The one paper for Ben alone is empty; the two "Ben, Cat" papers count for Cat.
    assert result.valid_votes == Decimal("8.00000")
    assert "Ben" not in result.stages[0].totals
    assert result.stages[0].totals == {
        "Ann": Decimal("3.00000"),
        "Cat": Decimal("4.00000"),
        "Dan": Decimal("1.00000"),
    }
    # Quota 5; Dan is excluded and his paper goes on to Ann, then Ann is excluded for the last seat.
    assert result.elected_names == ("Cat",)


def test_it_reads_decimal_weights():
    election = read_blt(DATA / "weights.blt")
    assert [b.weight for b in election.ballots] == [Decimal("8.5"), 6, Decimal("4.25")]
    result = election.count()
    # 18.75 valid votes, quota floor(18.75 / 2) + 1 = 10; Gamma (4.25) goes and Beta reaches 10.25.
    assert result.quota == Decimal("10.00000")
    assert result.stages[1].totals == {"Alpha": Decimal("8.50000"), "Beta": Decimal("10.25000")}
    assert result.elected_names == ("Beta",)


def test_it_accepts_withdrawn_candidates_on_the_header_line_and_ballot_ids():
    election = parse_blt('2 1 -1\n(a1) 3 2 0\n0\n"X"\n"Y"\n"T"')
    assert election.withdrawn == ("X",)
    assert election.ballots[0].weight == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: the file is empty"),
        ("3\n", "line 1: the first line must be 'candidates seats'"),
        ("three 1\n", "line 1: number of candidates 'three' is not a whole number"),
        ("3 0\n", "line 1: there must be at least one seat"),
        ("3 1\n-4\n1 1 0\n0\nA\nB\nC\n", "line 2: withdrawn candidate -4 must be between -3 and -1"),
        ("3 1\n1 1 0\n1 12 0\n0\nA\nB\nC\n", "line 3: preference 12 is not a candidate (there are 3)"),
        ("3 1\n1 1 x 0\n0\nA\nB\nC\n", "line 2: preference 'x' is not a whole number"),
        ("3 1\n1x 1 0\n0\nA\nB\nC\n", "line 2: weight '1x' is not a number"),
        ("3 1\n1 1 2\n0\nA\nB\nC\n", "line 2: a ballot line must end with 0"),
        ("3 1\n1 1 1 0\n0\nA\nB\nC\n", "line 2: candidate 1 is ranked twice"),
        ("3 1\n1 1=2 3 0\n0\nA\nB\nC\n", "line 2: equal rankings ('=') are not supported"),
        ("3 1\n1 1 0\n2 2 1 0\n", "line 4: the file ends early; expected ballot lines"),
        ("3 1\n1 1 0\nA\nB\nC\n", "line 3: expected a ballot line or 0, found 'A'"),
        ("3 1\n1 1 0\n0\nA\nB\n", "line 6: the file ends early; expected 3 candidate names, found 2"),
        ('3 1\n1 1 0\n0\n"A\nB\nC\n', "line 4: candidate 1's name: the closing quote is missing"),
        ("3 1\n1 1 0\n0\nA\nA\nC\n", "line 5: candidate name 'A' appears twice"),
        ("3 1\n1 1 0\n0\nA\nB\nC\nTitle\nD\n", "line 8: unexpected text after the title"),
        ("3 1\n1.123456 1 0\n0\nA\nB\nC\n", "line 2: weight 1.123456 has more than 5 decimal places"),
        ("3 1\n1 1 0\n-2 2 0\n0\nA\nB\nC\n", "line 3: weight -2 is negative; a weight must be 0 or more"),
        ("3 1\n-2 1 0\n0\nA\nB\nC\n", "line 2: weight -2 is negative; a weight must be 0 or more"),
        ("3 1\n(b7) -1.5 3 0\n0\nA\nB\nC\n", "line 2: weight -1.5 is negative"),
        ("3 1\n1 1 0\n-2\n0\nA\nB\nC\n", "line 3: '-2' looks like withdrawn candidates, which go straight after "
                                          "the first line"),
    ],
)
def test_it_explains_bad_files_with_a_line_number(text, message):
    with pytest.raises(BLTError) as raised:
        parse_blt(text)
    assert str(raised.value).startswith(message)


def test_it_shares_one_ballot_between_identical_lines():
    election = parse_blt("2 1\n3 1 2 0\n1 2 0\n3 1 2 0\n0\nA\nB\n")

    assert [(b.preferences, b.weight) for b in election.ballots] == [(("A", "B"), 3), (("B",), 1), (("A", "B"), 3)]
    assert election.ballots[0] is election.ballots[2]


def test_it_refuses_a_file_larger_than_the_limit_before_reading_it(tmp_path):
    path = tmp_path / "large.blt"
    path.write_text("2 1\n" + "1 1 2 0\n" * 200 + "0\nA\nB\n")

    with pytest.raises(BLTError) as refused:
        read_blt(path, max_bytes=1000)

    assert str(refused.value) == (
        "the file is 1,610 bytes, more than the 1,000 bytes a BLT file may have (setting BLT_MAX_BYTES)"
    )
    assert len(read_blt(path, max_bytes=1610).ballots) == 200


def test_it_stops_reading_a_file_that_goes_on_past_the_limit():
    with pytest.raises(BLTError, match="the file goes on past the 1,000 bytes a BLT file may have"):
        read_blt("/dev/zero", max_bytes=1000)  # reports its size as 0 and never ends a line


def test_it_reports_a_missing_file_as_a_blt_error(tmp_path):
    with pytest.raises(BLTError, match="cannot read"):
        read_blt(tmp_path / "nope.blt")


def test_it_reports_text_that_is_not_utf8_with_its_line(tmp_path):
    path = tmp_path / "latin1.blt"
    path.write_bytes(b"2 1\n1 1 0\n0\nJos\xe9\nAnn\n")
    with pytest.raises(BLTError, match="line 4: not valid UTF-8"):
        read_blt(path)


# --- manage.py count_blt ------------------------------------------------------------------------------


def test_it_prints_the_langside_count_sheet_and_the_elected_in_order():
    out = StringIO()
    call_command("count_blt", str(DATA / "glasgow2017_ward7_langside.blt"), stdout=out)
    text = out.getvalue()
    # The official final stage: Wisely over the quota, everything else non-transferable.
    for figure in ("2223.53071*", "2075.46929", "1766.98147", "2310.67526*", "Quota: 2150.00000"):
        assert figure in text
    elected = text[text.index("Elected, in order:") :].splitlines()
    assert elected[1:5] == [
        "  1. Susan AITKEN (SNP) (stage 1)",
        "  2. Anna RICHARDSON (SNP) (stage 2)",
        "  3. Archie GRAHAM (Lab) (stage 3)",
        "  4. Tanya WISELY (Grn) (stage 9)",
    ]


def test_it_takes_a_seed_for_ties_decided_by_lot(tmp_path):
    path = tmp_path / "tie.blt"
    path.write_text('3 1\n2 1 0\n2 2 0\n3 3 0\n0\n"A"\n"B"\n"C"\n"Tie"\n')
    out = StringIO()
    call_command("count_blt", str(path), "--seed", "7", stdout=out)
    assert "decided by lot with seed 7" in out.getvalue()
    assert "1. C (stage 3)" in out.getvalue()


def test_it_counts_only_files_within_the_size_setting(settings):
    settings.BLT_MAX_BYTES = 40_000
    langside = DATA / "glasgow2017_ward7_langside.blt"

    with pytest.raises(CommandError) as refused:
        call_command("count_blt", str(langside), stdout=StringIO())

    assert str(refused.value) == (
        f"{langside}: the file is 40,567 bytes, more than the 40,000 bytes a BLT file may have "
        "(setting BLT_MAX_BYTES)"
    )
    settings.BLT_MAX_BYTES = 40_567
    out = StringIO()
    call_command("count_blt", str(langside), stdout=out)
    assert "4. Tanya WISELY (Grn) (stage 9)" in out.getvalue()


def test_it_rejects_a_garbled_file_with_a_command_error(tmp_path):
    path = tmp_path / "garbled.blt"
    path.write_text("3 1\n1 1 0\n1 9 0\n0\nA\nB\nC\n")
    with pytest.raises(CommandError, match="line 3: preference 9 is not a candidate"):
        call_command("count_blt", str(path), stdout=StringIO())
