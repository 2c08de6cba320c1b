"""pydantic's validation errors, said as what the administrator should write instead.

pydantic reports `String should match pattern '^[a-z0-9]…'` or `Extra inputs are
not permitted`; an administrator needs `use lower-case letters, digits …` and
`did you mean 'clerk_address'?`. The settings allowed at a place, their bounds
and defaults are read from the models along the error's key path.
"""

from __future__ import annotations

import difflib
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from mailbot.config.errors import Lines, located
from mailbot.config.fields import DOTTED_ID, PATTERN_WORDS
from mailbot.config.models import Rules
from mailbot.util.textfold import fold

# A password typed into the file under some name: say where it belongs instead.
_SECRET_KEYS = {"password", "passwd", "pass", "pwd", "secret", "matkhau", "mat_khau"}   # folded, "_" for spaces


def describe(error: dict[str, Any], lines: Lines) -> str:
    """`line N: key.path: <what to write>` for one pydantic error."""
    loc = tuple(error["loc"])
    return located(lines, loc, _wording(error, loc))


def _wording(error: dict[str, Any], loc: tuple) -> str:
    kind, value, msg = error["type"], error.get("input"), error["msg"]
    ctx = error.get("ctx") or {}
    model, field = _walk(loc)
    example = _example(field)
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]) if loc else "?", model)
    if kind == "string_pattern_mismatch":
        return _pattern(value, ctx.get("pattern", ""), msg)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"write a number {_bounds(ctx, field)}{example} (found {value!r})"
    if kind in ("int_parsing", "int_type"):
        return f"write a whole number{example} (found {value!r})"
    if kind == "int_from_float":
        return f"write a whole number, without decimals{example} (found {value!r})"
    if kind in ("float_parsing", "float_type"):
        return f"write a number{example} (found {value!r})"
    if kind in ("bool_parsing", "bool_type"):
        return f"write true or false (found {value!r})"
    if kind == "literal_error":
        return f"write one of {ctx.get('expected', '')} (found {value!r})"
    if kind == "missing":
        return f"required setting missing: add `{loc[-1]}: …` to this entry (see the example rules.yaml)"
    if kind == "string_type":
        if value is None:
            return "empty: write a value, or remove the line"
        if isinstance(value, (list, dict)):
            return f"write a single value here, not a {'list' if isinstance(value, list) else 'section'}"
        return f"write text here; put it in quotes if it looks like a number: '{value}'"
    if kind == "list_type":
        if value is None:
            return "empty: write a list, e.g. [a, b] (or one `- item` per line below), or remove the line"
        return f"write a list, e.g. [{value}] (or one `- item` per line below), not {value!r}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        if value is None:
            return "the section is empty: write its settings indented below it, or remove the line"
        return f"write a section of settings here (key: value lines indented below it), not {value!r}"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return f"write a date as YYYY-MM-DD, e.g. 2026-12-01 (found {value!r})"
    if msg.startswith("Value error, "):
        return msg[len("Value error, "):]
    return msg


def _unwrap(annotation: Any) -> Any:
    """X from Optional[X], X | None and Annotated[X, …]."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _walk(loc: tuple) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model holding the last key of `loc`, and that key's field (None when unknown)."""
    annotation: Any = Rules
    model: type[BaseModel] | None = None
    field: FieldInfo | None = None
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            if get_origin(annotation) is not list:
                return None, None
            annotation, model, field = get_args(annotation)[0], None, None
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
            field = next((f for name, f in model.model_fields.items() if part in (name, f.alias)), None)
            if field is None:
                return model, None
            annotation = field.annotation
        else:
            return None, None
    return model, field


def _settings(model: type[BaseModel]) -> list[str]:
    """The keys an administrator may write in this section, as written in the file (aliases)."""
    return [f.alias or name for name, f in model.model_fields.items() if not f.exclude]


def _unknown_key(key: str, model: type[BaseModel] | None) -> str:
    if model is None:
        return f"unknown setting {key!r} (check the spelling; see the example rules.yaml)"
    allowed = _settings(model)
    if fold(key).replace(" ", "_") in _SECRET_KEYS and "password_file" in allowed:
        return (f"unknown setting {key!r}: a password may not be written in rules.yaml; put it in a file "
                "readable only by mailbot and name the file with password_file (or name an environment "
                "variable with password_env)")
    near = difflib.get_close_matches(key.lower(), allowed, n=1, cutoff=0.6)
    if near:
        return f"unknown setting {key!r}; did you mean {near[0]!r}?"
    return f"unknown setting {key!r}; the settings allowed here are: {', '.join(allowed)}"


def _pattern(value: Any, pattern: str, msg: str) -> str:
    words = PATTERN_WORDS.get(pattern)
    if words is None:
        return msg
    keep = "a-z0-9_.-" if pattern == DOTTED_ID else "a-z0-9_-"
    suggestion = re.sub(rf"[^{keep}]+", "-", fold(str(value))).strip("-_.")
    return f"{value!r} is not a valid id: {words}{f', e.g. {suggestion}' if suggestion else ''}"


def _bounds(ctx: dict[str, Any], field: FieldInfo | None) -> str:
    limits = dict(ctx)
    for item in (field.metadata if field else ()):
        for name in ("ge", "gt", "le", "lt"):
            if getattr(item, name, None) is not None:
                limits.setdefault(name, getattr(item, name))
    limits = {name: int(v) if isinstance(v, float) and v.is_integer() else v for name, v in limits.items()}
    if "ge" in limits and "le" in limits:
        return f"from {limits['ge']} to {limits['le']}"
    parts = [f"{words} {limits[name]}" for name, words in
             (("ge", "at least"), ("gt", "above"), ("le", "at most"), ("lt", "below")) if name in limits]
    return ("of " if len(parts) == 1 and parts[0].startswith("at ") else "") + " and ".join(parts)


def _example(field: FieldInfo | None) -> str:
    default = field.default if field is not None else None
    return f", e.g. {default}" if isinstance(default, (int, float)) and not isinstance(default, bool) else ""
