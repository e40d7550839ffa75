"""Points arithmetic, exact: no floats, no database.

points = round_half_up(minutes / 60 × points_per_hour × multiplier)
"""

from decimal import Decimal

MINUTES_PER_DAY = 1440


def compute_points(minutes: int, points_per_hour: int, multiplier: Decimal) -> int:
    """Points for minutes served at a rate and difficulty multiplier, rounded half up.

    The multiplier has at most two decimal places, so with m = multiplier × 100 the exact
    value is minutes × points_per_hour × m / 6000, computed with integers only.
    """
    if minutes < 0 or points_per_hour < 0:
        raise ValueError("minutes and points_per_hour must not be negative")
    hundredths = Decimal(multiplier) * 100
    if hundredths != hundredths.to_integral_value() or hundredths < 0:
        raise ValueError("multiplier must be non-negative with at most two decimal places")
    numerator = minutes * points_per_hour * int(hundredths)
    denominator = 60 * 100
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (1 if 2 * remainder >= denominator else 0)


def format_hours(minutes: int) -> str:
    """Minutes as hours with one decimal (rounded half up), for display: 90 → "1.5"."""
    tenths, remainder = divmod(minutes * 10, 60)
    if 2 * remainder >= 60:
        tenths += 1
    return f"{tenths // 10}.{tenths % 10}"


TWO_PLACES = Decimal("0.01")


def format_multiplier(value: Decimal) -> str:
    """A multiplier as its shortest decimal string: 1.50 → "1.5", 2.00 → "2", 1.25 → "1.25"."""
    text = format(Decimal(value).quantize(TWO_PLACES), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
