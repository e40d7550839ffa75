"""Star levels (星级志愿者) from approved service hours, never from the balance.

The national scale: one star at 100 hours, then 300, 600, 1000 and 1500. The street office's
rulebook (a later policy setting) may change the thresholds or add points earned; until then
these are the levels every page shows.
"""

DEFAULT_STAR_HOURS = (100, 300, 600, 1000, 1500)


def star_for(service_minutes: int, thresholds_hours: tuple[int, ...] = DEFAULT_STAR_HOURS) -> int:
    """The highest level whose hours the person has reached; 0 below the first."""
    star = 0
    for level, hours in enumerate(thresholds_hours, start=1):
        if service_minutes >= hours * 60:
            star = level
    return star


def minutes_to_next_star(service_minutes: int, thresholds_hours: tuple[int, ...] = DEFAULT_STAR_HOURS) -> int | None:
    """How many more minutes to the next level; None at the top."""
    for hours in thresholds_hours:
        if service_minutes < hours * 60:
            return hours * 60 - service_minutes
    return None
