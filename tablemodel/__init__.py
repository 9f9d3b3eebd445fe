"""tablemodel: prove that every DynamoDB single-table access pattern returns what it should.

The root package stays tiny so that `import tablemodel` is cheap; use `tablemodel.api` for
loading and checking models, and `tablemodel.schema.model` for the model classes.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
