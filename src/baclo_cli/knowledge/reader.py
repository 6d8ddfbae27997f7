"""Read a knowledge file's YAML into plain data, refusing everything that is not plain data.

One reader for ``baclo validate`` and every command, so a file is valid everywhere or refused everywhere:
PyYAML's safe loader only (the C one when present), no Python tags, no anchors or aliases (no alias bombs),
no key given twice, no number literal too long to convert quickly, and every error PyYAML can raise while
building a value (an impossible date, ``!!int abc``, ``!!bool maybe``, an integer of thousands of digits) becomes a
``DataFileError`` with the line where PyYAML saw it.
"""

from __future__ import annotations

import os

from baclo_cli.errors import DataFileError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from baclo_cli.knowledge.checks import Problem

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_NUMBER_CHARS = 40  # a longer number literal is a mistake or an attack (slow big-integer conversion)
MAX_DEPTH = 50


def read_bytes(path: str | os.PathLike[str], size_limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, refusing folders and files over ``size_limit``."""
    if os.path.isdir(path):
        raise DataFileError(str(path), "is a folder, not a knowledge file")
    try:
        with open(path, "rb") as handle:
            raw = handle.read(size_limit + 1)
    except FileNotFoundError:
        raise DataFileError(str(path), "no such file") from None
    except OSError as exc:
        raise DataFileError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > size_limit:
        raise DataFileError(str(path), f"too large: a knowledge file may be at most {size_limit} bytes")
    return raw


def decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(source, f"not UTF-8 text (byte {exc.start})") from None


def _loader_class() -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    constructor_error = yaml.constructor.ConstructorError

    class BoundedLoader(base):  # type: ignore[misc,valid-type]
        def construct_object(self, node: Any, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep)
            except yaml.YAMLError:
                raise
            except Exception as exc:  # PyYAML's builders fail in many ways on odd values
                # (``!!bool maybe`` is a KeyError, ``!!timestamp x`` an AttributeError): each is a bad value
                value = str(node.value)[:30]
                if isinstance(exc, (ValueError, OverflowError, TypeError, ArithmeticError, RecursionError)):
                    problem = f"cannot read the value {value!r}: {exc}"
                else:
                    problem = f"cannot read the value {value!r} as a {str(node.tag).rsplit(':', 1)[-1]}"
                raise constructor_error(None, None, problem, node.start_mark) from None

    def bounded_number(kind: str, construct: Any) -> Any:
        def build(loader: Any, node: Any) -> Any:
            if len(str(node.value)) > MAX_NUMBER_CHARS:
                raise constructor_error(
                    None, None, f"{kind} of {len(str(node.value))} characters is too long", node.start_mark
                )
            return construct(loader, node)

        return build

    safe = yaml.constructor.SafeConstructor
    BoundedLoader.add_constructor("tag:yaml.org,2002:int", bounded_number("number", safe.construct_yaml_int))
    BoundedLoader.add_constructor("tag:yaml.org,2002:float", bounded_number("number", safe.construct_yaml_float))
    BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", bounded_number("date", safe.construct_yaml_timestamp))
    return BoundedLoader


def parse_yaml_text(text: str, source: str) -> Any:
    """Plain data (dicts, lists, text, numbers, booleans, None) from YAML text; ``DataFileError`` otherwise."""
    import yaml

    try:
        data = yaml.load(text, Loader=_loader_class())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DataFileError(source, _yaml_message(exc), mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise DataFileError(source, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise DataFileError(source, "nesting too deep") from None
    return _plain(data, source)


def _yaml_message(exc: Any) -> str:
    problem = str(exc.problem or exc.context or "invalid YAML")
    if "could not determine a constructor" in problem or "constructor for the tag" in problem:
        return f"refused YAML tag ({problem.split('tag', 1)[-1].strip()}): only plain data is allowed"
    if problem.startswith(("cannot read the value", "number of", "date of")):
        return problem
    return f"invalid YAML: {problem}"


def _plain(data: Any, source: str) -> Any:
    """Copy YAML data into plain JSON-able values; refuse anchors and aliases (shared nodes).

    An alias bomb ("billion laughs") loads as a small graph of shared lists; copying it would blow up,
    so any node met twice is refused before the copy grows.
    """
    import datetime

    seen: set[int] = set()

    def walk(value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise DataFileError(source, f"nesting too deep (more than {MAX_DEPTH} levels)")
        if isinstance(value, (dict, list)):
            if id(value) in seen:
                raise DataFileError(source, "YAML anchors and aliases are not allowed in a knowledge file")
            seen.add(id(value))
            if isinstance(value, dict):
                return {_key(k): walk(v, depth + 1) for k, v in value.items()}
            return [walk(v, depth + 1) for v in value]
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        raise DataFileError(source, f"unsupported YAML value of type {type(value).__name__}")

    def _key(key: Any) -> Any:
        if isinstance(key, (datetime.date, datetime.datetime)):
            return key.isoformat()
        if isinstance(key, (str, int, float, bool)) or key is None:
            return key
        raise DataFileError(source, "mapping keys must be text")

    return walk(data, 0)


def _compose(text: str) -> Any:
    import yaml

    try:
        return yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError, ValueError):
        return None


def duplicate_keys(text: str) -> list[Problem]:
    """Keys given twice in one mapping: YAML keeps the last silently, which would drop facts unseen.

    Call only on text that ``parse_yaml_text`` accepted (no aliases, so the walk stays small).
    """
    import yaml

    from baclo_cli.knowledge.checks import Problem

    root = _compose(text)
    problems: list[Problem] = []

    def walk(node: Any, trail: tuple[str | int, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                if key in seen:
                    problems.append(Problem((*trail, key), f"key '{key}' appears twice; the first would be lost"))
                seen.add(key)
                walk(value_node, (*trail, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                walk(child, (*trail, i))

    if root is not None:
        walk(root, ())
    return problems


def lines_of(text: str, data_paths: list[tuple[str | int, ...]]) -> list[int | None]:
    """The 1-based line where each of ``data_paths`` sits in the YAML text (None where it cannot be found),
    from one parse of the text however many paths are asked."""
    root = _compose(text) if any(data_paths) else None
    return [_line_in(root, path) if path else None for path in data_paths]


def _line_in(node: Any, data_path: tuple[str | int, ...]) -> int | None:
    line = None
    for part in data_path:
        if node is None:
            break
        line = node.start_mark.line + 1
        node = _child(node, part)
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _child(node: Any, part: str | int) -> Any:
    value = getattr(node, "value", None)
    if isinstance(part, int) and isinstance(value, list) and node.tag.endswith(":seq"):
        return value[part] if part < len(value) else None
    if isinstance(value, list) and node.tag.endswith(":map"):
        for key_node, value_node in value:
            if str(key_node.value) == str(part):
                return value_node
    return None
