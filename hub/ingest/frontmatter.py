"""Read a Markdown file with YAML front-matter, keeping the line of every value.

Curators fix errors by line number, so the parser keeps, for every top-level key
and every list item, the line in the *file* (not in the YAML block) it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass
class Document:
    path: Path
    meta: dict
    body: str
    body_line: int  # file line of the body's first line (of the line after the front-matter when it is empty)
    # "themes" -> line of the key; "themes[2]" -> line of the third item; "sources[0].doc" -> line
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, key: str = "") -> int:
        """Best line for a key path: the item, else its parent key, else the front-matter start."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key.rsplit(".", 1)[0] if "." in key else key.split("[", 1)[0] if "[" in key else ""
        return 1


class FrontMatterError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _record_lines(node: yaml.Node, prefix: str, offset: int, out: dict[str, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            out.setdefault(key, key_node.start_mark.line + offset)
            _record_lines(value_node, key, offset, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            key = f"{prefix}[{i}]"
            out[key] = item.start_mark.line + offset
            _record_lines(item, key, offset, out)


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster, same marks


class _UniqueKeyLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key '{key}': each key may appear once in the front-matter",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


# Dates stay strings: a curator's "2023-09-12" must round-trip as written.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse(text: str, path: Path) -> Document:
    """Split and parse; raises FrontMatterError with the file line of the problem."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(1, "the file must start with a '---' line opening the YAML front-matter")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise FrontMatterError(1, "the front-matter is not closed: add a '---' line after it") from None
    block = "\n".join(lines[1:end])
    offset = 2  # YAML line 0 is file line 2
    loader = _UniqueKeyLoader(block)
    try:
        node = loader.get_single_node()  # one parse: the node tree gives both the values and their lines
        meta = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + offset) if mark else 1
        raise FrontMatterError(line, f"YAML syntax: {exc.problem or exc}".strip()) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(1, f"YAML syntax: {exc}") from None
    finally:
        loader.dispose()
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise FrontMatterError(2, "the front-matter must be a mapping of 'key: value' lines")
    positions: dict[str, int] = {}
    if node is not None:
        _record_lines(node, "", offset, positions)
    rest = "\n".join(lines[end + 1 :])
    body = rest.strip("\n")
    # the file line of the body's first line, past blank lines, so a line of the body is body_line + its index
    body_line = end + 2 + (len(rest) - len(rest.lstrip("\n")) if body else 0)
    return Document(path=path, meta=meta, body=body, body_line=body_line, lines=positions)


def read(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FrontMatterError(1, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse(text, path)
