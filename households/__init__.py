"""Households, gifts of points and proxies (API.md "Households, gifts and proxies")."""
