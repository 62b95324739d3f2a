"""The Typer app and everything around running it: the command group, one-line errors, exit codes, Ctrl-C.

Exit codes: 0 success; 1 a math error (outside a function's domain, overflow, an infinite derivative) or, for
`check`, a gradient that disagrees; 2 a usage error (the program text, an option, a variable's value, a bad input
row); 3 an output file or drawing could not be made; 4 `check` verified no gradient at all; 130 interrupted
(Ctrl-C). A closed stdout pipe ends the process as SIGPIPE does, quietly.
"""

# No `from __future__ import annotations` in this package: Typer reads the commands' annotations, and string
# annotations cost it about 50 eval() calls (~3 ms) at every start. Names imported only for type checking are quoted.
import sys
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
import typer.core

from ..errors import EvaluationError, ExprgradError

if TYPE_CHECKING:
    from rich.console import Console

EXIT_MATH = 1
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_NOTHING_CHECKED = 4
EXIT_INTERRUPTED = 130


def _report_usage_error(message: str, command: str | None) -> NoReturn:
    where = "exprgrad" if command in (None, "exprgrad") else f"exprgrad {command}"
    sys.stderr.write(f"exprgrad: error: {message.rstrip('.')} (see {where} --help)\n")
    raise typer.Exit(EXIT_USAGE)


def _usage_message(error: typer.TyperException) -> str | None:
    """The message of a usage error from the option parser, or None for any other error.

    Typer exports no class for usage errors (its copy of Click is private), so they are told by what Click
    documents of them: a `format_message()` and exit code 2. Exit and Abort are not TyperExceptions.
    """
    format_message = getattr(error, "format_message", None)
    if getattr(error, "exit_code", None) != EXIT_USAGE or not callable(format_message):
        return None
    return str(format_message())


class PlainUsageErrors:
    """Usage errors found by the option parser, printed in exprgrad's one-line form with exit code 2.

    Click would print a usage block and a boxed message; scripts look for one prefix, so every error gets it.
    """

    name: str | None
    no_args_is_help: bool

    # `ctx` is the Context of Typer's copy of Click, a private class: typed Any rather than imported from there.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and getattr(self, "no_args_is_help", False):
            # `exprgrad` alone shows the help, as Typer does it.
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        except typer.TyperException as error:
            message = _usage_message(error)
            if message is None:
                raise
            _report_usage_error(message, self.name)


class ExprgradGroup(PlainUsageErrors, typer.core.TyperGroup):
    """The top-level command group: an unknown command is a usage error in the same one-line form."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as error:
            message = _usage_message(error)
            if message is None:
                raise
            _report_usage_error(message, None)


app = typer.Typer(
    name="exprgrad",
    cls=ExprgradGroup,
    help="The value and every derivative of a small program, for every node, at once.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def exit_code_for(error: ExprgradError) -> int:
    """The exit code of a command that stops with `error` (also reported per request by `exprgrad batch`)."""
    from ..dot import RenderError
    from ..files import OutputError
    from ..points import RowError

    if isinstance(error, EvaluationError) or (isinstance(error, RowError) and error.math):
        return EXIT_MATH
    if isinstance(error, (OutputError, RenderError)):
        return EXIT_OUTPUT
    return EXIT_USAGE


def fail(error: ExprgradError) -> NoReturn:
    """Print `error` on stderr as exprgrad's one-message form and exit with its code."""
    code = exit_code_for(error)
    sys.stderr.write(f"exprgrad: error: {error}\n")
    raise typer.Exit(code)


def stdout_console() -> "Console":
    """A console for stdout: colour only on a terminal, and never a cut-off number when output is piped."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console(highlight=False)
    return Console(highlight=False, width=100_000, color_system=None)


def _print_version(requested: bool) -> None:
    if requested:
        from .. import __version__

        sys.stdout.write(f"exprgrad {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version)
    ] = False,
) -> None:
    """exprgrad: the value and every derivative of a small program, for every node, at once."""


class Interrupted(BaseException):
    """Ctrl-C. Not a KeyboardInterrupt, which the option parser would turn into "Aborted!" and exit code 1."""


def _interrupt(signal_number: int, frame: object) -> None:
    raise Interrupted


def app_for(arguments: list[str]) -> typer.Typer:
    """`app` with only the command that `arguments` name first, or all of them when they name none.

    Typer builds every command's options before it runs one: about 2 ms of the start-up for the four commands, at
    every call of a script that runs one. `exprgrad --help`, `--version` and a mistyped command name none, so they
    still see every command.
    """
    import copy

    requested = [command for command in app.registered_commands if arguments[:1] == [command.name]]
    if not requested:
        return app
    # A shallow copy shares everything else (the group class, the callback with --version, the settings).
    reduced = copy.copy(app)
    reduced.registered_commands = requested
    return reduced


def main() -> None:
    """Console-script entry point: run the app with the conventional handling of Ctrl-C and closed pipes."""
    import signal

    # Die quietly on a closed pipe (`exprgrad ... | head -1`), as command-line tools conventionally do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        app_for(sys.argv[1:])()
    except Interrupted:
        # Unwinding has already removed any half-written file (see files.write_atomically).
        sys.stderr.write("exprgrad: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
