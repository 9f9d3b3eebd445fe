"""Exports to the formats people already use: NoSQL Workbench, CloudFormation, IAM.

Each reads the resolved design only; sample items for Workbench come from the model's sample
section (`tablemodel.run.sample`, which loads no SDK).
"""

from __future__ import annotations

from tablemodel.export.cloudformation import cloudformation_template, table_properties
from tablemodel.export.iam import COGNITO_IDENTITY, ExportError, iam_policy, iam_policy_text
from tablemodel.export.workbench import WorkbenchExport, workbench_model

__all__ = [
    "COGNITO_IDENTITY",
    "ExportError",
    "WorkbenchExport",
    "cloudformation_template",
    "iam_policy",
    "iam_policy_text",
    "table_properties",
    "workbench_model",
]
