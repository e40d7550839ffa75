"""Notifications: what residents are told about their points, hours and redemptions."""
