"""What a check or a run found, as plain data, and its machine-readable renderings."""
