"""Volunteering beyond the log book (SPEC): open activities, sign-up, attendance codes, certificates."""
