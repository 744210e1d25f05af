"""JSON Schema of the front-matter, so editors (VS Code YAML, etc.) validate while a curator types.

The shapes come from the pydantic models; the controlled-vocabulary fields become
``enum``s of the current preferred labels, so the schema is as strict as `hub validate`
on terms, and stays in step with the vocabulary files.
"""

from __future__ import annotations

from typing import Any

from hub import vocab
from hub.config import BASE_IRI, VOCAB_DIR
from hub.ingest.records import MODELS
from hub.ingest.validate import VOCAB_FIELDS


def _owner(schema: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The ``properties`` object holding a (dotted) front-matter field, and the field's last name: "evidence.level"
    is the ``level`` of the model ``evidence`` refers to (through ``$defs``)."""
    *parents, last = path.split(".")
    props = schema["properties"]
    for part in parents:
        node = props[part]
        ref = next((x["$ref"] for x in [node, *node.get("anyOf", [])] if "$ref" in x), None)
        props = schema["$defs"][ref.rsplit("/", 1)[-1]]["properties"] if ref else node["properties"]
    return props, last


def front_matter_schema(kind: str) -> dict[str, Any]:
    schemes = vocab.load(VOCAB_DIR)
    schema = MODELS[kind].model_json_schema()
    schema["properties"].pop("body", None)
    for path, scheme in VOCAB_FIELDS[kind].items():
        props, fname = _owner(schema, path)
        labels = sorted(c.label for c in schemes[scheme].concepts.values())
        desc = f"A preferred label from the '{scheme}' vocabulary (`hub vocab {scheme}`)."
        if props[fname].get("type") == "array":
            props[fname]["items"] = {"type": "string", "enum": labels}
        else:
            props[fname] = {"type": "string", "enum": labels}
        props[fname]["description"] = desc
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{BASE_IRI}schema/{kind}.schema.json"
    schema["title"] = f"Front-matter of a {kind} record"
    return schema
