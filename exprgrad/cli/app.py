"""The Typer app and everything around running it: the command group, one-line errors, exit codes, signals.

Exit codes: 0 success; 1 a math error (outside a function's domain, overflow, an infinite derivative) or, for
`check`, a gradient that disagrees; 2 a usage error (the program text, an option, a variable's value, a bad input
row); 3 output that could not be written (a file, a drawing, or standard output: a full disk, a closed stream);
4 `check` verified nothing; 5 out of memory; 128 + the signal's number when interrupted (130 Ctrl-C, 129 SIGHUP,
143 SIGTERM), after removing any half-written file. A closed stdout pipe ends the process as SIGPIPE does, quietly.
"""

# No `from __future__ import annotations` in this package: Typer reads the commands' annotations, and string
# annotations cost it about 50 eval() calls (~3 ms) at every start. Names imported only for type checking are quoted.
import errno
import os
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
# `check` verified nothing: no gradient agreed or failed, or `check --against` compared no point.
EXIT_NOTHING_CHECKED = 4
EXIT_OUT_OF_MEMORY = 5
EXIT_INTERRUPTED = 130


def _write_stderr(text: str) -> None:
    """Write a last message; if even stderr cannot take it, the exit code alone has to say what happened."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def escaped(text: str) -> str:
    """`text` safe to write to a terminal on one line: each unprintable character (an escape sequence's ESC, a
    newline, a tab) as its Python escape, ``\\x1b``. Everything a user typed reaches messages through this."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def report_usage_error(message: str, command: str | None) -> NoReturn:
    """Print a usage error in exprgrad's one-line form, pointing at the command's help, and exit with code 2."""
    where = "exprgrad" if command in (None, "exprgrad") else f"exprgrad {command}"
    _write_stderr(f"exprgrad: error: {escaped(message.rstrip('.'))} (see {where} --help)\n")
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
        given = list(args)  # the parser consumes `args`
        try:
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        except typer.TyperException as error:
            if _usage_message(error) is None:
                raise
            report_usage_error(self.usage_message(error, given), self.name)

    def usage_message(self, error: typer.TyperException, args: list[str]) -> str:
        """The message for a usage error the option parser found in `args`."""
        return _usage_message(error) or str(error)


class ExprgradGroup(PlainUsageErrors, typer.core.TyperGroup):
    """The top-level command group: an unknown command is a usage error in the same one-line form, and words that
    look like a program's (`exprgrad "a*b" --a 2`, `exprgrad --a 2 "a*b"`) are pointed at `exprgrad eval`."""

    def usage_message(self, error: typer.TyperException, args: list[str]) -> str:
        """An unknown option before any command (`exprgrad --a 2 "a*b"`) is likely a program's: suggest eval."""
        message = _usage_message(error) or str(error)
        # Only with a word that could be the program or a value: `exprgrad --bogus` alone is just a wrong option.
        # Click's NoSuchOption, told by its name: Typer exports no class for it.
        unknown_option = type(error).__name__ == "NoSuchOption" and not getattr(error, "possibilities", None)
        if unknown_option and any(word[:2] != "--" for word in args):
            message = f"{message.rstrip('.')}; to evaluate a program: {_eval_suggestion(args)}"
        return message

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as error:
            message = _usage_message(error)
            if message is None:
                raise
            if "Did you mean" not in message:
                message = f"no such command {args[0]!r}; to evaluate it as a program: {_eval_suggestion(args)}"
            report_usage_error(message, None)


def _eval_suggestion(args: list[str]) -> str:
    import shlex

    return shlex.join(["exprgrad", "eval", *args])


app = typer.Typer(
    name="exprgrad",
    cls=ExprgradGroup,
    help="The value and every derivative of a small program, for every node, at once.",
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
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


def check_exit_code(*, agree: bool, verified_nothing: bool) -> int:
    """The exit code of `check`: a disagreement outranks a run that verified nothing (also used by `batch`)."""
    if not agree:
        return EXIT_CHECK_FAILED
    return EXIT_NOTHING_CHECKED if verified_nothing else 0


def fail(error: ExprgradError) -> NoReturn:
    """Print `error` on stderr as exprgrad's one-message form and exit with its code."""
    code = exit_code_for(error)
    _write_stderr(f"exprgrad: error: {message_text(error)}\n")
    raise typer.Exit(code)


def message_text(error: ExprgradError) -> str:
    """The text of `error` for stderr, with whatever the user typed in it (paths, names, values) `escaped`."""
    from ..errors import ParseError

    if isinstance(error, ParseError):
        # Several lines by design (the message, the source line, the caret), each already shown safely.
        return "\n".join(escaped(line) for line in str(error).split("\n"))
    return escaped(str(error))


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
    """Ctrl-C, SIGTERM or SIGHUP. Not a KeyboardInterrupt, which the option parser would turn into "Aborted!" and exit
    code 1. Raised wherever the program is, so that unwinding removes any half-written file."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


# The signals that end exprgrad cleanly: the terminal's Ctrl-C, `kill`, and a closed terminal.
_STOPPING_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def _interrupt(signal_number: int, frame: object) -> None:
    import signal

    # A second signal must not interrupt the clean-up of the first.
    for name in _STOPPING_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise Interrupted(signal_number)


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
    """Console-script entry point: run the app; turn signals, unwritable output and lack of memory into exit codes."""
    import signal

    from .standard_streams import OutputStreamError, prepare_standard_streams

    prepare_standard_streams()
    # A broken pipe is reported as an error (EPIPE) rather than killing the process: writing to a `dot` that exited
    # early or to a FIFO whose reader left is a failure to report. On stdout it ends the process as SIGPIPE would.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    for name in _STOPPING_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _interrupt)
    out_of_memory = False
    try:
        try:
            app_for(sys.argv[1:])()
        finally:
            sys.stdout.flush()
    except Interrupted as interruption:
        # Unwinding has already removed any half-written file (see files.write_atomically).
        number = interruption.signal_number
        if number == signal.SIGINT:
            _write_stderr("exprgrad: interrupted\n")
        else:
            _write_stderr(f"exprgrad: stopped by {signal.Signals(number).name}\n")
        sys.exit(128 + number)
    except OutputStreamError as error:
        if error.errno == errno.EPIPE:
            # The reader has gone (`exprgrad ... | head -1`): end as SIGPIPE would, quietly, as shells expect.
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGPIPE)
        _write_stderr(f"exprgrad: error: cannot write to standard output: {error.reason}\n")
        sys.exit(EXIT_OUTPUT)
    except MemoryError:
        # Reported after the except block, once the traceback (and with it the graph) has been freed.
        out_of_memory = True
    if out_of_memory:
        _write_stderr(
            "exprgrad: error: out of memory: the program needs more memory than this process may use"
            " (see Limits and resources in the README)\n"
        )
        sys.exit(EXIT_OUT_OF_MEMORY)
