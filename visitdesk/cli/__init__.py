"""Headless commands (the contract documented in docs/cli.md).

Each area registers its subcommands from its own module (``COMMAND_MODULES``); this module
owns the shared options, the context and the exit codes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from visitdesk import __version__
from visitdesk.core.errors import InputError, NotFound, StateError, Unavailable, VisitdeskError

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
    "visitdesk.cli.privacy",
    "visitdesk.cli.attachments",
    "visitdesk.cli.collection",
    "visitdesk.cli.server",
    "visitdesk.cli.lexicon",
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
        from visitdesk.cli.privacy import unlock_store

        unlock_store(self.data_dir, self.args)
        store = CaseStore(self.data_dir)
        self._closers.append(store)
        return store

    def close(self) -> None:
        for c in self._closers:
            c.close()


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` display columns, right-aligned if ``right``."""
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def _common_options() -> argparse.ArgumentParser:
    """Options accepted both before and after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="folder of the case store (default: the user's data folder, "
                        "or $VISITDESK_DATA_DIR)")
    common.add_argument("--lang", choices=("zh_CN", "en"), default=argparse.SUPPRESS,
                        help="language of messages (default: the setting, Simplified Chinese)")
    common.add_argument("--store-passphrase-file", metavar="F", default=argparse.SUPPRESS,
                        help="file whose first line is the passphrase of an encrypted store")
    return common


COMMON = _common_options()


def add_command(sub: Any, name: str, help: str, func: Any) -> argparse.ArgumentParser:
    """Register a subcommand that accepts the common options and runs ``func(ctx)``."""
    parser = sub.add_parser(name, help=help, description=help, parents=[COMMON])
    parser.set_defaults(func=func)
    return parser


# Options whose value may be negative (then refused with a message that says what to change):
# argparse would take ``--rate -1%`` for two options, so such values are joined as ``--rate=-1%``.
SIGNED_VALUE_OPTIONS = frozenset({
    "--rate", "--down-payment", "--income", "--expenses", "--other-debts", "--months",
    "--grace-months", "--due-day", "--waive-interest", "--waive-fees", "--waive-principal",
})


def join_signed_values(argv: list[str]) -> list[str]:
    """``["--rate", "-1%"]`` → ``["--rate=-1%"]`` for the options in ``SIGNED_VALUE_OPTIONS``."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        nxt = argv[i + 1] if i + 1 < len(argv) else ""
        if (arg in SIGNED_VALUE_OPTIONS and len(nxt) > 1 and nxt[0] == "-"
                and (nxt[1].isdigit() or nxt[1] == ".")):
            out.append(f"{arg}={nxt}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def _language_from_argv(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


class Parser(argparse.ArgumentParser):
    """argparse with signed option values joined and usage errors introduced in the UI
    language (exit code 2, as argparse does)."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        if args is None:
            args = sys.argv[1:]
        return super().parse_known_args(join_signed_values(list(args)), namespace)

    def error(self, message: str):  # type: ignore[override]
        from visitdesk import i18n

        lang = _language_from_argv(sys.argv[1:])
        if lang:
            i18n.set_language(lang)
        self.print_usage(sys.stderr)
        self.exit(EXIT_REFUSED, i18n.tr("cli.error.usage", prog=self.prog, detail=message) + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="visitdesk",
        description="visitdesk: on-site collection visits. Without a command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"visitdesk {__version__}")
    parser.add_argument("--data-dir", help="folder of the case store (default: the user's data "
                        "folder, or $VISITDESK_DATA_DIR)")
    parser.add_argument("--lang", choices=("zh_CN", "en"), help="language of messages "
                        "(default: the setting, Simplified Chinese)")
    parser.add_argument("--store-passphrase-file", metavar="F",
                        help="file whose first line is the passphrase of an encrypted store "
                        "(or $VISITDESK_STORE_PASSPHRASE)")
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
    except BrokenPipeError:
        # the reader went away (``visitdesk accounts | head``): not an error of ours
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except NotFound as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_NOT_FOUND
    except (InputError, StateError, Unavailable) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_REFUSED
    except VisitdeskError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:
        # a busy store or a full disk met outside a transaction (opening, migrating, writing
        # a file): said as such, exit 2; anything else is a bug for __main__ to report
        from visitdesk.adapters.store import unavailable

        translated = unavailable(exc)
        if translated is None:
            raise
        log.warning("%s: %s", type(exc).__name__, exc)
        print(str(translated), file=sys.stderr)
        return EXIT_REFUSED
    finally:
        try:
            ctx.close()
        except Exception as exc:  # closing on a full disk: the command's outcome stands
            log.warning("closing the store: %s", exc)
