"""The errors the command line reports as one line on stderr, with their exit codes."""

from __future__ import annotations

__all__ = ["EXIT_RUNTIME", "EXIT_USAGE", "CliError", "UsageError"]

#: Exit code of a command that was understood but failed while running.
EXIT_RUNTIME = 1
#: Exit code of a command line that cannot be acted on (argparse uses it too).
EXIT_USAGE = 2


class CliError(Exception):
    """Raised when a command fails for a reason the user can fix; printed without traceback."""

    exit_code = EXIT_RUNTIME


class UsageError(CliError):
    """Raised when the arguments themselves are wrong (bad ``MODULE:ATTR``, invalid JSON...)."""

    exit_code = EXIT_USAGE
