"""Find the object a ``MODULE:ATTR`` command-line argument names."""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from types import ModuleType

from zeebe_router.cli._errors import CliError, UsageError

__all__ = ["ImportFailedError", "load_attribute", "split_spec"]


class ImportFailedError(CliError):
    """Raised when the user's module exists but raised while being imported.

    The original exception is the ``__cause__``; its traceback is printed because the bug is
    in that module, not in the command line.
    """


def split_spec(spec: str) -> tuple[str, str]:
    """Split ``"pkg.module:attr.sub"`` into module and attribute path.

    Raises:
        UsageError: the text is not of the form ``MODULE:ATTR``.
    """
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr or ":" in attr:
        raise UsageError(f"expected MODULE:ATTR (for example app.main:worker), got {spec!r}")
    if not all(part.isidentifier() for part in (*module.split("."), *attr.split("."))):
        raise UsageError(f"{spec!r} is not a valid MODULE:ATTR (dotted Python names)")
    return module, attr


def load_attribute(spec: str, app_dir: str | None = None) -> object:
    """Import the module of ``spec`` (looking in ``app_dir``, default the current directory).

    Raises:
        UsageError: bad form, module not found or attribute missing.
        ImportFailedError: the module raised while it was imported.
    """
    module_name, attr = split_spec(spec)
    search_dir = os.path.abspath(app_dir or os.getcwd())
    if search_dir not in sys.path:
        sys.path.insert(0, search_dir)
    module = _import(module_name)
    obj: object = module
    walked = module_name
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise UsageError(f"{walked!r} has no attribute {part!r}{_suggest(part, obj)}") from None
        walked = f"{walked}:{part}" if walked == module_name else f"{walked}.{part}"
    return obj


def _import(module_name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing == module_name or module_name.startswith(missing + "."):
            raise UsageError(
                f"cannot import module {module_name!r}: no module named {missing!r} "
                f"(looked in {os.getcwd()} and sys.path)"
            ) from None
        raise ImportFailedError(
            f"importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    except Exception as exc:
        raise ImportFailedError(
            f"importing {module_name!r} failed: {type(exc).__name__}: {exc}"
        ) from exc


def _suggest(name: str, owner: object) -> str:
    names = [n for n in dir(owner) if not n.startswith("_")]
    close = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
