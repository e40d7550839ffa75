"""`flask verify --jobs 2` (the summaries checked in a forked process) says exactly what --jobs 1 says."""

import pytest

from tests.test_cli import disable_append_only, hand_edit, invoke, use_the_database


def verdict(output: str) -> list[str]:
    """The report without its timing line."""
    return [line for line in output.splitlines() if not line.startswith("Checked ")]


def test_both_ways_pass_a_database_in_use_with_the_same_report(app):
    use_the_database(app)
    one, two = invoke(app, "verify", "--jobs", "1"), invoke(app, "verify", "--jobs", "2")
    assert one.exit_code == two.exit_code == 0, two.output
    assert verdict(one.output) == verdict(two.output)
    assert "All checks passed." in two.output and "in 2 process(es)" in two.output


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_summary_edited_by_hand_fails_in_the_second_process_too(app, jobs):
    use_the_database(app)
    hand_edit(app, "UPDATE stats_hours SET minutes = minutes + 60 WHERE dim = 'total'")
    result = invoke(app, "verify", "--jobs", jobs)
    assert result.exit_code == 1
    assert "Verification FAILED: stats: hours summary" in result.output
    assert "All checks passed" not in result.output


def test_a_transfer_edited_by_hand_fails_while_the_summaries_are_checked_elsewhere(app):
    use_the_database(app)
    hand_edit(app, *disable_append_only(app, "transfers"),
              "UPDATE transfers SET memo = 'changed' WHERE id = (SELECT MIN(id) FROM transfers)")
    result = invoke(app, "verify", "--jobs", "2", "--all")
    assert result.exit_code == 1
    assert "Verification FAILED: ledger: transfer" in result.output and "checksum" in result.output


@pytest.mark.parametrize("jobs", ["0", "3", "２", "1e1"])
def test_an_odd_number_of_jobs_is_refused_with_a_message(app, jobs):
    result = invoke(app, "verify", "--jobs", jobs)
    assert result.exit_code == 2 and "--jobs" in result.output
