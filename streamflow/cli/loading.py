"""Find the app a ``MODULE:ATTR`` string names, with one readable error when it cannot."""
from __future__ import annotations

import importlib
import os
import sys
import traceback

import click

from ..app import App


def load_app(spec: str) -> App:
    """The :class:`~streamflow.App` named by ``MODULE:ATTR`` (the current directory importable);
    what is wrong with the spec or the import as one click error, not a traceback."""
    if ":" not in spec:
        raise click.ClickException(f"{spec!r}: give MODULE:ATTR, e.g. examples.wordcount:app")
    module_name, attr = spec.split(":", 1)
    if not module_name or not attr:
        raise click.ClickException(f"{spec!r}: give MODULE:ATTR, e.g. examples.wordcount:app")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise click.ClickException(f"cannot import {module_name!r}: no such module "
                                       f"(searched from {os.getcwd()})") from None
        raise click.ClickException(f"importing {module_name!r} failed: {_where(exc)}") from None
    except Exception as exc:  # noqa: BLE001 - the user's module raised at import
        raise click.ClickException(f"importing {module_name!r} failed: {_where(exc)}") from None
    try:
        obj = getattr(module, attr)
    except AttributeError:
        raise click.ClickException(f"module {module_name!r} has no attribute {attr!r}") from None
    if not isinstance(obj, App):
        raise click.ClickException(f"{spec} is a {type(obj).__name__}, not a streamflow.App")
    return obj


def _where(exc: BaseException) -> str:
    """``Type: message (file:line)`` of the innermost frame: one line, not a traceback."""
    tb = traceback.extract_tb(exc.__traceback__)
    place = f" ({tb[-1].filename}:{tb[-1].lineno})" if tb else ""
    return f"{type(exc).__name__}: {exc}{place}"
