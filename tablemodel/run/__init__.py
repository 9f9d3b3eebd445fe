"""`tablemodel check --run`: sample data, the intent oracle, and running patterns on an engine."""
