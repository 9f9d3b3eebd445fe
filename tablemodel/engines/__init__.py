"""DynamoDB engines the toolkit runs against: DynamoDB Local (AWS's Java engine) on loopback.

Standard library only at import time; boto3 is imported lazily where a client is made.
"""

from tablemodel.engines.dynamodb_local import DynamoDBLocal, EngineError, find_jar, find_java

__all__ = ["DynamoDBLocal", "EngineError", "find_jar", "find_java"]
