"""A synthetic model of a given size, shaped like real single-table designs.

Entities are spread over shared partitions (ten entity types per partition prefix), each with
its own sort-key prefix, a GSI and an LSI key; every entity gets five patterns: get by key,
list in partition, list via the GSI, ordered via the LSI, and a ranged read.
"""

from __future__ import annotations

from typing import Any


def build(entities: int = 200, patterns: int = 1000) -> dict[str, Any]:
    ents: dict[str, Any] = {}
    pats: dict[str, Any] = {}
    for i in range(entities):
        name = f"Entity{i}"
        group = i // 10
        ents[name] = {
            "attributes": {
                "parent_id": {"type": "string", "max_length": 36},
                "child_id": {"type": "string", "max_length": 36},
                "owner_id": {"type": "string", "max_length": 36},
                "seq": {"type": "integer", "minimum": 0, "maximum": 99999},
                "score": {"type": "number", "minimum": 0},
                "payload": {"type": "string", "max_length": 2000},
            },
            "keys": {
                "PK": f"group{group}#{{parent_id}}",
                "SK": f"e{i}#{{child_id}}",
                "GSI1PK": f"owner{i}#{{owner_id}}",
                "GSI1SK": "seq#{seq:05d}",
                "LSI1SK": "{score}",
            },
        }
    kinds = ["get", "list", "by_owner", "by_score", "seq_range"]
    for n in range(patterns):
        i = n % entities
        kind = kinds[(n // entities) % len(kinds)]
        name = f"Entity{i}"
        group = i // 10
        base: dict[str, Any] = {"description": f"{kind} for {name}", "returns": [name]}
        if kind == "get":
            base["key_condition"] = {
                "PK": f"group{group}#{{parent_id}}",
                "SK": f"e{i}#{{child_id}}",
            }
            base["intent"] = {
                "select": {name: {"parent_id": "$parent_id", "child_id": "$child_id"}}
            }
        elif kind == "list":
            base["key_condition"] = {
                "PK": f"group{group}#{{parent_id}}",
                "SK": {"begins_with": f"e{i}#"},
            }
            base["intent"] = {"select": {name: {"parent_id": "$parent_id"}}}
        elif kind == "by_owner":
            base["index"] = "GSI1"
            base["key_condition"] = {"GSI1PK": f"owner{i}#{{owner_id}}"}
            base["intent"] = {"select": {name: {"owner_id": "$owner_id"}}, "order_by": ["seq"]}
        elif kind == "by_score":
            base["index"] = "LSI1"
            base["order"] = "descending"
            base["key_condition"] = {"PK": f"group{group}#{{parent_id}}"}
            # Ten entity types share the partition: say so, as a real design would.
            members = [f"Entity{j}" for j in range(group * 10, min(group * 10 + 10, entities))]
            base["returns"] = members
            base["intent"] = {"select": {m: {"parent_id": "$parent_id"} for m in members}}
        else:
            base["index"] = "GSI1"
            base["key_condition"] = {
                "GSI1PK": f"owner{i}#{{owner_id}}",
                "GSI1SK": {"between": ["seq#{low:05d}", "seq#{high:05d}"]},
            }
            base["parameters"] = {
                "low": {"type": "integer", "minimum": 0},
                "high": {"type": "integer", "minimum": 0},
            }
            base["intent"] = {
                "select": {name: {"owner_id": "$owner_id", "seq": {"between": ["$low", "$high"]}}},
                "order_by": ["seq"],
            }
        pats[f"p{n}_{kind}_{i}"] = base
    return {
        "version": 1,
        "table": {
            "name": "generated",
            "partition_key": {"name": "PK", "type": "S"},
            "sort_key": {"name": "SK", "type": "S"},
            "local_indexes": [{"name": "LSI1", "sort_key": {"name": "LSI1SK", "type": "N"}}],
            "global_indexes": [
                {
                    "name": "GSI1",
                    "partition_key": {"name": "GSI1PK", "type": "S"},
                    "sort_key": {"name": "GSI1SK", "type": "S"},
                }
            ],
        },
        "entities": ents,
        "access_patterns": pats,
    }
