"""The `exprgrad` command: the only package that reads argv, prints, or chooses an exit code.

`app` is the Typer application and `main` the console-script entry point; the commands register themselves on
`app` when `commands` is imported.
"""

from . import commands, diff_command
from .app import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_MATH, EXIT_OUTPUT, EXIT_USAGE, app, main
from .arguments import MAX_PROGRAM_BYTES

__all__ = [
    "EXIT_CHECK_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_MATH",
    "EXIT_OUTPUT",
    "EXIT_USAGE",
    "MAX_PROGRAM_BYTES",
    "app",
    "commands",
    "diff_command",
    "main",
]
