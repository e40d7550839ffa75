"""Operational commands (demo-data, verify, backup) registered by cli.py."""


def register_more(app):
    """(filled in by the operations work)"""
