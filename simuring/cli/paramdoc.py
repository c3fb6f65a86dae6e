"""``simuring run SCRIPT.py --list-params``: a workload's parameters, defaults and docs.

The parameters are those of ``workload(sim, ...)`` after ``sim``.  Their docs
come from a Google-style section of the function's docstring::

    def workload(sim, ops=1000, flags="SINGLE_ISSUER"):
        '''NOP round trips.

        Args:
            ops: how many NOPs to submit, one at a time.
            flags: io_uring setup flags, IORING_SETUP_* names joined by ','
                (continuation lines are indented more).
        '''

The section header is ``Args:``, ``Arguments:``, ``Parameters:`` or
``Params:`` alone on its line; an entry may give a type (``ops (int): ...``);
the section ends at the first line indented no more than its header.  A
parameter without an entry is listed with an empty doc.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from attrs import define

SECTION_HEADERS = ("Args", "Arguments", "Parameters", "Params")

_HEADER = re.compile(rf"^(?P<indent>\s*)(?:{'|'.join(SECTION_HEADERS)}):\s*$")
_ENTRY = re.compile(r"^\*{0,2}(?P<name>\w+)\s*(?:\([^)]*\))?\s*:(?P<doc>.*)$")


@define
class ParamInfo:
    """One parameter of a workload, as ``--list-params`` shows it."""

    name: str
    default: Any
    """The default value, or ``inspect.Parameter.empty`` when it is required."""
    doc: str
    var_keyword: bool = False
    """``**name``: the workload takes any other ``-p NAME=VALUE``."""

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty and not self.var_keyword


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _section_lines(doc: str) -> list[str]:
    """The lines of the docstring's first Args/Parameters section, after its header."""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        header = _HEADER.match(line)
        if header is None:
            continue
        level = len(header["indent"])
        body: list[str] = []
        for following in lines[i + 1 :]:
            if following.strip() and _indent(following) <= level:
                break
            body.append(following)
        return body
    return []


def param_docs(fn: Callable[..., Any]) -> dict[str, str]:
    """Each documented parameter's description (continuation lines joined), in docstring order."""
    # the raw docstring, not inspect.getdoc: cleandoc dedents a header on the
    # docstring's first line apart from the lines under it
    doc = (getattr(fn, "__doc__", None) or "").expandtabs()
    lines = [line for line in _section_lines(doc) if line.strip()]
    if not lines:
        return {}
    entry_indent = _indent(lines[0])
    docs: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if _indent(line) > entry_indent:
            if current is not None:  # a continuation line
                current.append(line.strip())
            continue
        entry = _ENTRY.match(line.strip())
        current = None
        if entry is not None:
            current = docs.setdefault(entry["name"], [])
            current.append(entry["doc"].strip())
    return {name: " ".join(part for part in parts if part) for name, parts in docs.items()}


def workload_params(fn: Callable[..., Any]) -> list[ParamInfo]:
    """The parameters of ``workload(sim, ...)`` after ``sim``, in signature order."""
    docs = param_docs(fn)
    out = []
    for p in list(inspect.signature(fn).parameters.values())[1:]:
        if p.kind is p.VAR_POSITIONAL:
            continue  # -p gives keyword arguments only
        out.append(ParamInfo(p.name, p.default, docs.get(p.name, ""), var_keyword=p.kind is p.VAR_KEYWORD))
    return out


def format_default(param: ParamInfo) -> str:
    """The default as one would write it after ``-p NAME=``: ``required`` if none."""
    if param.var_keyword:
        return "-"
    if param.required:
        return "required"
    value = param.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and (not value or value != value.strip() or " " in value):
        return repr(value)
    return str(value)


def format_param_list(script: str, fn: Callable[..., Any]) -> str:
    """The ``--list-params`` text: a header, then one aligned line per parameter."""
    params = workload_params(fn)
    if not params:
        return f"{script}: workload() takes no parameters"
    rows = [(("**" if p.var_keyword else "") + p.name, format_default(p), p.doc) for p in params]
    name_w = max(len("parameter"), *(len(r[0]) for r in rows))
    default_w = max(len("default"), *(len(r[1]) for r in rows))
    lines = [f"{script}: workload parameters (set with -p NAME=VALUE)", ""]
    lines.append(f"  {'parameter':<{name_w}}  {'default':<{default_w}}  description")
    for name, default, doc in rows:
        lines.append(f"  {name:<{name_w}}  {default:<{default_w}}  {doc}".rstrip())
    return "\n".join(lines)
