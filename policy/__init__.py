"""The street office's rulebook (SPEC "The street office's rulebook"): one versioned, audited policy."""
