"""Read a scenario YAML file safely: codes as text, bounded size, one-line errors.

YAML 1.1 turns some text into numbers: an unquoted INSEE code ``49007`` becomes
the integer 49007, ``01043`` the octal number 547, ``on`` the boolean true.
The options that name communes and services (``stances``, ``billing_keys``,
``min_level_by_service``, ``force``, ``forbid``, ``perimeter_communes``,
``perimeter_services``) and the names of overrides and scenarios are
therefore read as the text written in the file, whatever YAML would make of
it. Everything else is read by PyYAML's safe loader (tags never execute).

A hostile or broken file gets a :class:`~mutusim.errors.ScenarioError` of one
line, naming the file and, where it can, the line: a file that is not UTF-8
(UTF-16, Windows-1252), larger than :data:`MAX_FILE_BYTES`, nested deeper than
:data:`MAX_DEPTH`, expanding through aliases to more than :data:`MAX_VALUES`
values ("billion laughs"), or holding a key twice in one mapping (YAML would
keep the last silently).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mutusim.errors import ScenarioError

__all__ = ["CODE_OPTIONS", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_VALUES", "read_scenario_yaml"]

#: Largest scenario file read [bytes]; a real one is a few kilobytes.
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of mappings and lists in a scenario file.
MAX_DEPTH = 20
#: Most values (scalars, lists, mappings) once aliases are expanded.
MAX_VALUES = 100_000

#: How each option naming codes is read: ``codes`` (one code or a list of
#: them), ``code_map`` (codes as keys), ``stances`` (service -> commune ->
#: stance, all text), ``decisions`` (force / forbid entries), ``text``.
CODE_OPTIONS: dict[str, str] = {
    "name": "text",
    "description": "text",
    "perimeter_communes": "codes",
    "perimeter_services": "codes",
    "min_level_by_service": "code_map",
    "billing_keys": "code_map_text",
    "stances": "stances",
    "force": "decisions",
    "forbid": "decisions",
}
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader (no tag executes); a class of our own so that nothing global changes."""


def read_scenario_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The top-level mapping of a scenario file, codes kept as written.

    Parameters
    ----------
    path : str or path-like
        A YAML file.

    Returns
    -------
    dict
        Option name -> value; ``overrides`` and ``scenarios`` as read.

    Raises
    ------
    ScenarioError
        One line naming the file (and the line) for a file that cannot be
        read, is not UTF-8, is not valid YAML, is too large or too deep,
        expands through aliases beyond :data:`MAX_VALUES`, repeats a key, or
        does not hold a mapping.
    """
    p = Path(path)
    text = _decode(_read(p), p)
    loader = _Loader(text)
    try:
        _check_depth(text, p)
        node = loader.get_single_node()
        if node is None:
            return {}
        _check_size(node, p)
        _check_duplicates(node, p)
        doc = _build(loader, node, "doc")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{p}{where}: not valid YAML ({problem})") from None
    finally:
        loader.dispose()
    if not isinstance(doc, dict):
        raise ScenarioError(f"{p}: expected a mapping of options at top level")
    return doc


# ------------------------------------------------------------------ reading
def _read(p: Path) -> bytes:
    if not p.is_file():
        what = "is a folder" if p.is_dir() else "not found"
        raise ScenarioError(f"{p}: scenario file {what}; give the path of a .yaml file")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"{p}: {size:,} bytes, more than a scenario file holds "
                f"(at most {MAX_FILE_BYTES:,}); give the scenario's .yaml file"
            )
        with p.open("rb") as f:
            return f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(
            f"{p}: cannot be read ({exc.strerror or exc}); check that you may read it"
        ) from None


def _decode(data: bytes, p: Path) -> str:
    """UTF-8 text (with or without BOM); UTF-16 and Windows-1252 files are named, not guessed."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise ScenarioError(
            f"{p}: the file is UTF-16 text, not UTF-8; save it again as UTF-8 "
            "(in Notepad: Save as, Encoding UTF-8)"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise ScenarioError(
            f"{p} line {line}: byte 0x{byte:02X} is not UTF-8 (the file looks like "
            "Windows-1252 or latin-1); save it again as UTF-8"
        ) from None


# ----------------------------------------------------------------- bounding
def _check_depth(text: str, p: Path) -> None:
    """Reject deep nesting from the event stream, before the (recursive) composer sees it."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                where = f" line {mark.line + 1}" if mark is not None else ""
                raise ScenarioError(
                    f"{p}{where}: lists and mappings nested more than {MAX_DEPTH} deep; "
                    "a scenario has a few levels of options"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_size(root: Node, p: Path) -> None:
    """Count the values the document stands for once aliases are expanded (memoised per node)."""
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()

    def size(node: Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in in_progress:
            raise ScenarioError(
                f"{p} line {node.start_mark.line + 1}: an alias refers to the value that "
                "contains it (a recursive structure); write the values out"
            )
        in_progress.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(n) for n in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        in_progress.discard(key)
        sizes[key] = min(total, MAX_VALUES + 1)
        if total > MAX_VALUES:
            raise ScenarioError(
                f"{p}: aliases (*name) expand the file to more than {MAX_VALUES:,} values; "
                "a scenario has a few dozen options, write them out"
            )
        return sizes[key]

    size(root)


def _check_duplicates(root: Node, p: Path) -> None:
    """A key written twice in one mapping is an error (YAML would keep the last one silently)."""
    seen_nodes: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, MappingNode):
            first: dict[str, int] = {}
            for k, v in node.value:
                todo.append(v)
                if not isinstance(k, ScalarNode) or k.tag == _MERGE:
                    continue
                line = k.start_mark.line + 1
                if k.value in first:
                    raise ScenarioError(
                        f"{p} line {line}: '{_short(k.value)}' is written twice in the same "
                        f"mapping (first on line {first[k.value]}); keep one"
                    )
                first[k.value] = line


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------- construction
def _build(loader: _Loader, node: Node, role: str) -> Any:
    """Construct ``node``, keeping the text of the scalars that name codes.

    Roles: ``doc`` (top level), ``options``, ``overrides``, ``scenarios``,
    ``text``, ``codes``, ``code_map``, ``code_map_text``, ``stances``,
    ``decisions``, ``any``.
    """
    if role == "text":
        if isinstance(node, ScalarNode):
            if node.tag == _NULL and node.style is None:
                return None
            return node.value
        return loader.construct_object(node, deep=True)
    if role == "codes":
        if isinstance(node, SequenceNode):
            return [_build(loader, n, "text") for n in node.value]
        return _build(loader, node, "text")
    if role == "decisions":
        if not isinstance(node, SequenceNode):
            return loader.construct_object(node, deep=True)
        return [_build(loader, n, "decision") for n in node.value]
    if role == "decision":
        if isinstance(node, SequenceNode):
            return [_build(loader, n, "text") for n in node.value]
        return _mapping(loader, node, lambda _k: "text")
    if not isinstance(node, MappingNode) or role == "any":
        return loader.construct_object(node, deep=True)
    if role in ("doc", "options"):
        special = {"overrides": "overrides", "scenarios": "scenarios"} if role == "doc" else {}
        return _mapping(loader, node, lambda k: special.get(k) or CODE_OPTIONS.get(k, "any"))
    if role == "overrides":
        return _mapping(loader, node, lambda _k: "options")
    if role == "scenarios":
        return _mapping(loader, node, lambda _k: "codes")
    if role == "code_map":
        return _mapping(loader, node, lambda _k: "any")
    if role == "code_map_text":
        return _mapping(loader, node, lambda _k: "text")
    if role == "stances":
        return _mapping(loader, node, lambda _k: "code_map_text")
    raise AssertionError(f"unknown role {role}")  # pragma: no cover


def _mapping(loader: _Loader, node: Node, role_of: Any) -> Any:
    """A mapping whose keys are read as text, each value built in the role ``role_of(key)``."""
    if not isinstance(node, MappingNode):
        return loader.construct_object(node, deep=True)
    loader.flatten_mapping(node)  # merge keys (<<: *base), as PyYAML does
    out: dict[Any, Any] = {}
    for k, v in node.value:
        if not isinstance(k, ScalarNode):
            what = "list" if isinstance(k, SequenceNode) else "mapping"
            raise yaml.constructor.ConstructorError(
                None, None, f"a key must be a name or a code, not a {what}", k.start_mark
            )
        out[k.value] = _build(loader, v, role_of(k.value))
    return out
