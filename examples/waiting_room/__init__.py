"""The waiting-room example (a package so that type checkers tell its models.py apart)."""
