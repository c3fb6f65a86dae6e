"""Loading a workload script and turning ``-p name=value`` into its arguments.

A workload script defines ``workload(sim, **params)``.  Parameters are
matched against the function's signature: an unknown name is an error
(listing the known ones and pointing to ``--list-params``), and a value is converted to the type of the
parameter's default (int, float, bool, str); a parameter without a default
takes an int or float if the text looks like one, else the string.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from simuring.cli.errors import UserError

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def load_script(path_text: str) -> tuple[ModuleType, Callable[..., Any]]:
    path = Path(path_text)
    if not path.exists():
        raise UserError(f"{path_text}: no such workload script")
    if not path.is_file():
        raise UserError(f"{path_text}: not a file")
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path_text}: cannot read: {exc}") from None
    try:
        code = compile(source, str(path), "exec")
    except SyntaxError as exc:
        raise UserError(f"{path_text}:{exc.lineno}: syntax error: {exc.msg}") from None
    name = f"simuring_workload_{path.stem.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[name] = module
    sys.path.insert(0, str(path.resolve().parent))
    try:
        exec(code, module.__dict__)
    except Exception as exc:
        raise UserError(f"{path_text}:{script_line(exc, path)}: error while loading the script: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.pop(0)
    fn = getattr(module, "workload", None)
    if not callable(fn):
        raise UserError(f"{path_text}: defines no workload(sim, **params) function")
    return module, fn


def script_line(exc: BaseException, path: Path) -> str:
    """The line of ``path`` deepest in the traceback of ``exc`` ('?' if none)."""
    target = str(path.resolve())
    seen: BaseException | None = exc
    while seen is not None:  # SimPy re-raises a copy with the original as __cause__
        line = "?"
        for frame in traceback.extract_tb(seen.__traceback__):
            if str(Path(frame.filename).resolve()) == target:
                line = str(frame.lineno)
        if line != "?":
            return line
        seen = seen.__cause__ or seen.__context__
    return "?"


def _convert(name: str, text: str, default: Any) -> Any:
    if isinstance(default, bool):
        low = text.strip().lower()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise UserError(f"-p {name}={text}: expected a boolean (true/false), got {text!r}")
    if isinstance(default, int):
        try:
            return int(text, 0)
        except ValueError:
            raise UserError(f"-p {name}={text}: expected an integer, got {text!r}") from None
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise UserError(f"-p {name}={text}: expected a number, got {text!r}") from None
    if default is None or default is inspect.Parameter.empty:
        for conv in (lambda t: int(t, 0), float):
            try:
                return conv(text)
            except ValueError:
                pass
    return text


def parse_params(fn: Callable[..., Any], items: Sequence[str], script: str) -> dict[str, Any]:
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())[1:]  # the first is sim
    by_name = {p.name: p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise UserError(f"-p {item}: expected name=value")
        name, text = item.split("=", 1)
        name = name.strip()
        if name not in by_name and not var_kw:
            known = ", ".join(by_name) or "none"
            raise UserError(
                f"-p {name}: {script} has no parameter {name!r} (known: {known}; "
                f"'simuring run {script} --list-params' describes them)"
            )
        default = by_name[name].default if name in by_name else None
        out[name] = _convert(name, text, default)
    missing = [p.name for p in by_name.values() if p.default is p.empty and p.name not in out]
    if missing:
        raise UserError(f"{script}: workload() needs -p {missing[0]}=VALUE")
    return out


def defaults_of(fn: Callable[..., Any]) -> dict[str, Any]:
    sig = inspect.signature(fn)
    return {
        p.name: p.default
        for p in list(sig.parameters.values())[1:]
        if p.default is not p.empty
    }
