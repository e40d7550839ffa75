"""Nominations with public notice (公示) and the monthly public notice (SPEC "The street office's rulebook")."""
