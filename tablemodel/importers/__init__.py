"""Imports: other tools' models as starting tablemodel models (NoSQL Workbench today)."""
