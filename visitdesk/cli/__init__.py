"""Headless commands (the contract documented in docs/cli.md).

Each area registers its subcommands from its own module (``COMMAND_MODULES``); this module
owns the shared options, the context and the exit codes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from visitdesk import __version__
from visitdesk.core.errors import InputError, NotFound, StateError, VisitdeskError

EXIT_OK = 0
"""Success (an import with rejected rows still counts as read)."""
EXIT_FAILURE = 1
"""Unexpected internal error; details in the log."""
EXIT_REFUSED = 2
"""Input refused, validation blocked, or a usage error; the message says why."""
EXIT_NOT_FOUND = 3
"""The account, visit or file named does not exist."""
EXIT_INVALID_SIGNATURE = 4
"""``verify``: the signature is missing, broken or the file was changed after signing."""

COMMAND_MODULES = (
    "visitdesk.cli.accounts",
    "visitdesk.cli.plans",
    "visitdesk.cli.visits",
    "visitdesk.cli.documents",
)

log = logging.getLogger("visitdesk")


@dataclass
class Context:
    """What every command gets: the data folder, settings and (lazily) the case store."""

    data_dir: Path
    args: argparse.Namespace
    _closers: list[Any] = field(default_factory=list)

    @cached_property
    def settings(self):  # -> Settings
        from visitdesk.adapters.settings_store import load_settings

        return load_settings(self.data_dir)

    @cached_property
    def store(self):  # -> CaseStore
        from visitdesk.adapters.store import CaseStore

        store = CaseStore(self.data_dir)
        self._closers.append(store)
        return store

    def close(self) -> None:
        for c in self._closers:
            c.close()


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _common_options() -> argparse.ArgumentParser:
    """Options accepted both before and after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="folder of the case store (default: the user's data folder, "
                        "or $VISITDESK_DATA_DIR)")
    common.add_argument("--lang", choices=("zh_CN", "en"), default=argparse.SUPPRESS,
                        help="language of messages (default: the setting, Simplified Chinese)")
    return common


COMMON = _common_options()


def add_command(sub: Any, name: str, help: str, func: Any) -> argparse.ArgumentParser:
    """Register a subcommand that accepts the common options and runs ``func(ctx)``."""
    parser = sub.add_parser(name, help=help, description=help, parents=[COMMON])
    parser.set_defaults(func=func)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="visitdesk",
        description="visitdesk: on-site collection visits. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"visitdesk {__version__}")
    parser.add_argument("--data-dir", help="folder of the case store (default: the user's data "
                        "folder, or $VISITDESK_DATA_DIR)")
    parser.add_argument("--lang", choices=("zh_CN", "en"), help="language of messages "
                        "(default: the setting, Simplified Chinese)")
    parser.add_argument("--demo", action="store_true",
                        help="open the window on a separate demo store preloaded with the "
                        "bundled demo workbook")
    parser.add_argument("--open", metavar="FILE", dest="open_file",
                        help="open the window and start importing FILE (the installer's "
                        "\"Open with\" entry for .xlsx uses this)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # area not built yet
            raise
        module.register(sub)
    return parser


def run_command(args: argparse.Namespace) -> int:
    from visitdesk import i18n
    from visitdesk.paths import data_dir

    ctx = Context(data_dir(args.data_dir), args)
    try:
        i18n.set_language(args.lang or ctx.settings.language)
        return int(args.func(ctx) or 0)
    except NotFound as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_NOT_FOUND
    except (InputError, StateError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    except VisitdeskError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILURE
    finally:
        ctx.close()
