"""Entry point: ``visitdesk`` (window) and ``visitdesk COMMAND`` (headless)."""

from __future__ import annotations

import logging
import sys


def main(argv: list[str] | None = None) -> int:
    from visitdesk.cli import EXIT_FAILURE, build_parser, run_command
    from visitdesk.logs import setup_logging
    from visitdesk.private_files import owner_only_umask

    owner_only_umask()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        log_path = setup_logging(args.data_dir)
    except OSError as exc:  # an unusable --data-dir / VISITDESK_DATA_DIR: a message, exit 2
        from visitdesk.i18n import set_language, tr

        set_language(args.lang or "zh_CN")
        print(tr("cli.error.data_dir", path=exc.filename or args.data_dir or "",
                 detail=exc.strerror or exc), file=sys.stderr)
        return 2
    from visitdesk.adapters.recovery import recover_at_start

    recover_at_start(log_path.parent)
    if args.command is None:
        from visitdesk.ui.app import run_app

        return run_app(args)
    try:
        return run_command(args)
    except Exception as exc:  # last resort: a message, never a traceback
        logging.getLogger("visitdesk").exception("unexpected error")
        from visitdesk.i18n import tr

        print(tr("cli.error.unexpected", detail=exc, log=log_path), file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
