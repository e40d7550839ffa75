"""The points formula: exact, half up, no floats."""

from decimal import Decimal

import pytest

from points.rules import compute_points, format_hours


@pytest.mark.parametrize(("minutes", "pph", "multiplier", "expected"), [
    (1, 10, "1.0", 0),        # 0.1667 → 0
    (3, 10, "1.0", 1),        # 0.5 → 1 (half up)
    (2, 10, "1.0", 0),        # 0.333 → 0
    (9, 10, "1.5", 2),        # 2.25 → 2
    (30, 10, "1.0", 5),
    (45, 10, "1.5", 11),      # 11.25 → 11
    (60, 10, "1.0", 10),
    (1440, 1000, "3.0", 72000),
    (1440, 1000, "10", 240000),
    (1, 30, "1.0", 1),        # exactly 0.5 → 1
    (1, 90, "1.0", 2),        # exactly 1.5 → 2
    (3, 10, "3.0", 2),        # exactly 1.5 → 2
    (20, 10, "1.5", 5),       # exactly 5.0
    (10, 10, "1.5", 3),       # exactly 2.5 → 3
    (1, 10, "0.01", 0),
    (90, 7, "1.25", 13),      # 13.125 → 13
    (100, 7, "1.25", 15),     # 14.583 → 15
])
def test_compute_points_rounds_half_up_exactly(minutes, pph, multiplier, expected):
    assert compute_points(minutes, pph, Decimal(multiplier)) == expected


def test_compute_points_agrees_with_exact_fractions_everywhere():
    from fractions import Fraction
    from math import floor

    for minutes in range(0, 1441, 7):
        for pph in (1, 10, 13):
            for multiplier in ("1.00", "1.50", "2.00", "3.00", "1.33", "0.05"):
                exact = Fraction(minutes, 60) * pph * Fraction(multiplier)
                assert compute_points(minutes, pph, Decimal(multiplier)) == floor(exact + Fraction(1, 2))


def test_multipliers_with_more_than_two_places_are_refused():
    with pytest.raises(ValueError):
        compute_points(60, 10, Decimal("1.005"))


@pytest.mark.parametrize(("minutes", "shown"), [(0, "0.0"), (90, "1.5"), (61, "1.0"), (63, "1.1"), (1440, "24.0")])
def test_format_hours_shows_one_decimal(minutes, shown):
    assert format_hours(minutes) == shown
