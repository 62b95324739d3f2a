"""The `exprgrad` command. The only module that reads argv, prints, or chooses an exit code.

Exit codes: 0 success; 1 a math error (outside a function's domain, overflow, an infinite derivative);
2 a usage error (the program text, an option, a variable's value); 3 an output file or drawing could not be made;
130 interrupted (Ctrl-C). A closed stdout pipe ends the process as SIGPIPE does, quietly.
"""

# No `from __future__ import annotations` here: Typer reads the commands' annotations, and string annotations
# cost it about 50 eval() calls (~3 ms) at every start. Names imported only for type checking are quoted.
import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from .bindings import Arguments, parse_var_option, parse_words
from .errors import BindingError, EvaluationError, ExprgradError, ParseError

if TYPE_CHECKING:
    from rich.console import Console

    from .program import Program

EXIT_MATH = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="exprgrad",
    help="The value and every derivative of a small program, for every node, at once.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Words the option parser does not know (`--a 2`) are handed to exprgrad, in order, as variable values.
BINDING_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": ["-h", "--help"]}


class TableFormat(str, enum.Enum):
    """Output formats of a single evaluation."""

    table = "table"
    json = "json"


def fail(error: ExprgradError) -> NoReturn:
    """Print `error` on stderr as exprgrad's one-message form and exit with its code."""
    if isinstance(error, EvaluationError):
        code = EXIT_MATH
    elif isinstance(error, (ParseError, BindingError)):
        code = EXIT_USAGE
    else:
        code = EXIT_OUTPUT if _is_output_error(error) else EXIT_USAGE
    sys.stderr.write(f"exprgrad: error: {error}\n")
    raise typer.Exit(code)


def _is_output_error(error: ExprgradError) -> bool:
    from .dot import RenderError
    from .files import OutputError

    return isinstance(error, (OutputError, RenderError))


def read_program(positional: list[str], file: str | None) -> tuple[str, str]:
    """The program text and the name to show in its error messages, from the argument or from ``-f FILE``."""
    if file is not None:
        if positional:
            raise BindingError(f"give the program either as an argument or with -f, not both (got {positional[0]!r})")
        return _read_text_file(file), "<stdin>" if file == "-" else file
    if not positional:
        raise BindingError('no program given: exprgrad eval "a*b + c" --a 2 --b -3 --c 10')
    if len(positional) > 1:
        extra = " ".join(positional[1:])
        raise BindingError(
            f"unexpected argument {extra!r}: the program is one argument (quote it), values go as --NAME VALUE"
        )
    return positional[0], ""


def _read_text_file(file: str) -> str:
    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as error:
        raise BindingError(f"cannot read {file}: {error.strerror}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BindingError(f"{file} is not UTF-8 text (byte {error.start})") from None


def stdout_console() -> "Console":
    """A console for stdout: colour only on a terminal, and never a cut-off number when output is piped."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console(highlight=False)
    return Console(highlight=False, width=100_000, color_system=None)


def build_program(
    ctx: typer.Context, program_argument: str | None, file: str | None, var: list[str] | None
) -> tuple["Program", Arguments]:
    """Parse the program and sort the command line into variable values (syntax is checked before values)."""
    from .parser import parse

    words = ([program_argument] if program_argument is not None else []) + list(ctx.args)
    arguments = parse_words(words)
    text, source_name = read_program(arguments.positional, file)
    program = parse(text, source_name=source_name)
    parse_var_option(var or [], arguments)
    return program, arguments


PROGRAM_HELP = 'The program, e.g. "L = (a*b + c) * f". Bind its variables with --NAME VALUE.'
FILE_HELP = "Read the program from FILE ('-' for stdin) instead of the argument."
PRECISION_HELP = "Significant digits in the table and drawings (default: exact)."
VAR_HELP = "Bind a variable as NAME=VALUE; for names that collide with an option (svg, format, help)."


@app.command("eval", context_settings=BINDING_CONTEXT)
def eval_command(
    ctx: typer.Context,
    program_argument: Annotated[
        str | None, typer.Argument(metavar="PROGRAM", help=PROGRAM_HELP, show_default=False)
    ] = None,
    file: Annotated[str | None, typer.Option("--file", "-f", metavar="FILE", help=FILE_HELP)] = None,
    output_format: Annotated[
        TableFormat, typer.Option("--format", help="table (for people) or json.")
    ] = TableFormat.table,
    precision: Annotated[int | None, typer.Option(min=1, max=17, help=PRECISION_HELP)] = None,
    svg: Annotated[Path | None, typer.Option(metavar="PATH", help="Draw the graph as SVG to PATH.")] = None,
    dot: Annotated[Path | None, typer.Option(metavar="PATH", help="Write the graph's DOT source to PATH.")] = None,
    var: Annotated[list[str] | None, typer.Option(metavar="NAME=VALUE", help=VAR_HELP)] = None,
) -> None:
    """Evaluate PROGRAM: every node's value and d(output)/d(node), as a table or JSON; optionally draw the graph.

    Example: exprgrad eval "L = (a*b + c) * f" --a 2 --b -3 --c 10 --f -2
    """
    try:
        program, arguments = build_program(ctx, program_argument, file, var)
        evaluation = program.evaluate(arguments.values)
        if dot is not None or svg is not None:
            _write_drawings(program, svg, dot, precision)
    except ExprgradError as error:
        fail(error)
    if output_format is TableFormat.json:
        from .formats import evaluation_json

        sys.stdout.write(evaluation_json(program, evaluation) + "\n")
    else:
        from .render import plain_table, print_table

        text = None if sys.stdout.isatty() else plain_table(program, evaluation, precision)
        if text is not None:
            sys.stdout.write(text)
        else:
            print_table(stdout_console(), program, evaluation, precision)


def _write_drawings(program: "Program", svg: Path | None, dot: Path | None, precision: int | None) -> None:
    from .dot import draw, render
    from .files import write_atomically

    source = draw(program.nodes, output=program.output, digits=precision).source
    # Render before writing anything, so that a failed drawing leaves every file as it was.
    picture = render(source, "svg", node_count=len(program.nodes)) if svg is not None else None
    if dot is not None:
        write_atomically(dot, source.encode("utf-8"))
    if svg is not None and picture is not None:
        write_atomically(svg, picture)


def _print_version(requested: bool) -> None:
    if requested:
        from . import __version__

        sys.stdout.write(f"exprgrad {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_print_version)
    ] = False,
) -> None:
    """exprgrad: the value and every derivative of a small program, for every node, at once."""


def main() -> None:
    """Console-script entry point: run the app with the conventional handling of Ctrl-C and closed pipes."""
    import signal

    # Die quietly on a closed pipe (`exprgrad ... | head -1`), as command-line tools conventionally do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("exprgrad: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
