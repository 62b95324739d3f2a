"""The `exprgrad` command. The only module that reads argv, prints, or chooses an exit code.

Exit codes: 0 success; 1 a math error (outside a function's domain, overflow, an infinite derivative) or, for
`check`, a gradient that disagrees; 2 a usage error (the program text, an option, a variable's value, a bad input
row); 3 an output file or drawing could not be made; 130 interrupted (Ctrl-C). A closed stdout pipe ends the
process as SIGPIPE does, quietly.
"""

# No `from __future__ import annotations` here: Typer reads the commands' annotations, and string annotations
# cost it about 50 eval() calls (~3 ms) at every start. Names imported only for type checking are quoted.
import enum
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
import typer.core

from .bindings import Arguments, is_number, parse_number, parse_var_option, parse_words
from .errors import BindingError, EvaluationError, ExprgradError

if TYPE_CHECKING:
    # Typer 0.26+ carries its own copy of Click; this is the Context class its commands are typed with.
    import typer._click as click
    from rich.console import Console

    from .program import Program

EXIT_MATH = 1
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_INTERRUPTED = 130


def _report_usage_error(message: str, command: str | None) -> NoReturn:
    where = "exprgrad" if command in (None, "exprgrad") else f"exprgrad {command}"
    sys.stderr.write(f"exprgrad: error: {message.rstrip('.')} (see {where} --help)\n")
    raise typer.Exit(EXIT_USAGE)


class PlainUsageErrors:
    """Usage errors found by the option parser, printed in exprgrad's one-line form with exit code 2.

    Click would print a usage block and a boxed message; scripts look for one prefix, so every error gets it.
    """

    name: str | None

    def parse_args(self, ctx: "click.Context", args: list[str]) -> list[str]:
        from typer._click.exceptions import NoArgsIsHelpError, UsageError

        try:
            return super().parse_args(ctx, args)  # type: ignore[misc, no-any-return]
        except NoArgsIsHelpError:
            raise
        except UsageError as error:
            _report_usage_error(error.format_message(), self.name)


class ExprgradGroup(PlainUsageErrors, typer.core.TyperGroup):
    """The top-level command group: an unknown command is a usage error in the same one-line form."""

    def resolve_command(self, ctx: "click.Context", args: list[str]) -> Any:
        from typer._click.exceptions import UsageError

        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            _report_usage_error(error.format_message(), None)


app = typer.Typer(
    name="exprgrad",
    cls=ExprgradGroup,
    help="The value and every derivative of a small program, for every node, at once.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# Words the option parser does not know (`--a 2`) are handed to exprgrad, in order, as variable values.
BINDING_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": ["-h", "--help"]}
_DASH_PROGRAMS = "exprgrad.dash_programs"


class ProgramCommand(PlainUsageErrors, typer.core.TyperCommand):
    """A command whose program may start with a minus sign and whose variable values may look like options.

    Click would read ``-tanh(x)`` as the short options -t -a -n -h (and -h is help), ``-x*f`` as -x with -f FILE,
    and the value in ``--a -f`` as an option of its own. Before Click parses, each ``--name value`` that is not one
    of the command's options is joined into ``--name=value``, and words that start with one dash and are neither
    options nor numbers are set aside and handed back as positional words.
    """

    def parse_args(self, ctx: "click.Context", args: list[str]) -> list[str]:
        options = {
            name
            for param in self.params
            for name in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]
        }
        options.update(ctx.help_option_names)
        short_options = {name for name in options if not name.startswith("--")}
        kept: list[str] = []
        set_aside: list[str] = []
        index = 0
        while index < len(args):
            word = args[index]
            following = args[index + 1] if index + 1 < len(args) else None
            index += 1
            if word == "--":
                kept.extend(args[index - 1 :])
                break
            if word.startswith("--") and "=" not in word and word not in options and following is not None:
                kept.append(f"{word}={following}")
                index += 1
            elif looks_like_dash_program(word, following, short_options):
                set_aside.append(word)
            else:
                kept.append(word)
        ctx.meta[_DASH_PROGRAMS] = set_aside
        return super().parse_args(ctx, kept)


def looks_like_dash_program(word: str, following: str | None, short_options: set[str]) -> bool:
    """Whether a word that starts with one dash is program text (``-x**2``) rather than an option (``-f``)."""
    if not word.startswith("-") or word.startswith("--") or word == "-" or word in short_options:
        return False
    if is_number(word):
        return False
    # `-a 1` is a mistaken option (bindings take two dashes); leave it for the error message that says so.
    return not (word[1:].isidentifier() and following is not None and is_number(following))


class OutputFormat(str, enum.Enum):
    """How results are written."""

    table = "table"
    json = "json"
    csv = "csv"
    tsv = "tsv"


class ReportFormat(str, enum.Enum):
    """How `check` and `explain` report."""

    table = "table"
    json = "json"


ProgramArgument = Annotated[
    str | None,
    typer.Argument(
        metavar="PROGRAM",
        help='The program, e.g. "L = (a*b + c) * f". Give its variables values with --NAME VALUE.',
        show_default=False,
    ),
]
FileOption = Annotated[
    str | None,
    typer.Option("--file", "-f", metavar="FILE", help="Read the program from FILE ('-' for stdin) instead."),
]
VarOption = Annotated[
    list[str] | None,
    typer.Option(
        "--var", metavar="NAME=VALUE", help="Give a variable a value; for names that clash with an option (svg, help)."
    ),
]


def fail(error: ExprgradError) -> NoReturn:
    """Print `error` on stderr as exprgrad's one-message form and exit with its code."""
    from .dot import RenderError
    from .files import OutputError
    from .points import RowError

    if isinstance(error, EvaluationError) or (isinstance(error, RowError) and error.math):
        code = EXIT_MATH
    elif isinstance(error, (OutputError, RenderError)):
        code = EXIT_OUTPUT
    else:
        code = EXIT_USAGE
    sys.stderr.write(f"exprgrad: error: {error}\n")
    raise typer.Exit(code)


# Programs larger than this are refused before parsing: a graph costs a few hundred bytes per node, so the limit
# keeps memory near 2 GB at most (about 370 bytes per node) while admitting programs of millions of nodes.
MAX_PROGRAM_BYTES = 16 * 1024 * 1024


def read_program(positional: list[str], file: str | None) -> tuple[str, str]:
    """The program text and the name to show in its error messages, from the argument or from ``-f FILE``."""
    if file is not None:
        if positional:
            raise BindingError(f"give the program either as an argument or with -f, not both (got {positional[0]!r})")
        source_name = "<stdin>" if file == "-" else file
        return _read_text_file(file, source_name), source_name
    if not positional:
        raise BindingError('no program given: exprgrad eval "a*b + c" --a 2 --b -3 --c 10')
    if len(positional) > 1:
        extra = " ".join(positional[1:])
        raise BindingError(
            f"unexpected argument {extra!r}: the program is one argument (quote it); values go as --NAME VALUE"
        )
    text = positional[0]
    # Python hands over argv bytes that are not UTF-8 as lone surrogates: name the place instead of parsing them.
    bad = next((i for i, c in enumerate(text) if "\ud800" <= c <= "\udfff"), None)
    if bad is not None:
        from .parser import error_at

        raise error_at(text, bad, "the program is not valid UTF-8 text")
    return text, ""


def _read_text_file(file: str, source_name: str) -> str:
    try:
        if file == "-":
            raw = sys.stdin.buffer.read(MAX_PROGRAM_BYTES + 1)
        else:
            with open(file, "rb") as stream:
                raw = stream.read(MAX_PROGRAM_BYTES + 1)
    except OSError as error:
        raise BindingError(f"cannot read {file}: {error.strerror or error}") from None
    if len(raw) > MAX_PROGRAM_BYTES:
        raise BindingError(f"{source_name} is larger than the {MAX_PROGRAM_BYTES // 2**20} MiB a program may be")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        from .parser import error_at

        # Point at the first bad byte: decode what comes before it, then mark it.
        text = raw[: error.start].decode("utf-8") + "\ufffd" + raw[error.end :].decode("utf-8", "replace")
        position = len(raw[: error.start].decode("utf-8"))
        raise error_at(text, position, "the program is not valid UTF-8 text", source_name) from None


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

    set_aside: list[str] = ctx.meta.get(_DASH_PROGRAMS, [])
    words = set_aside + ([program_argument] if program_argument is not None else []) + list(ctx.args)
    arguments = parse_words(words)
    text, source_name = read_program(arguments.positional, file)
    program = parse(text, source_name=source_name)
    parse_var_option(var or [], arguments)
    _suggest_options_for_typos(ctx, program, arguments)
    arguments.resolve()
    return program, arguments


def _suggest_options_for_typos(ctx: typer.Context, program: "Program", arguments: Arguments) -> None:
    """`--prec 3` names no variable; if it looks like one of the command's options, say so."""
    if all(name in program.variables for name in arguments.texts):
        return
    import difflib  # only when a name is unknown: its import costs a millisecond at every start

    options = [name[2:] for param in ctx.command.params for name in getattr(param, "opts", []) if name[:2] == "--"]
    for name in arguments.texts:
        if name in program.variables:
            continue
        close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
        if close and not difflib.get_close_matches(name, list(program.variables), n=1):
            raise BindingError(f"--{name} is not a variable of the program; did you mean the option --{close[0]}?")


@app.command("eval", cls=ProgramCommand, context_settings=BINDING_CONTEXT)
def eval_command(
    ctx: typer.Context,
    program_argument: ProgramArgument = None,
    file: FileOption = None,
    output_format: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            help="table (default), json, csv or tsv; with --points: csv (default), tsv or json (JSON lines).",
            show_default=False,
        ),
    ] = None,
    precision: Annotated[
        int | None, typer.Option(min=1, max=17, help="Significant digits in the table and drawings (default: exact).")
    ] = None,
    svg: Annotated[Path | None, typer.Option(metavar="PATH", help="Draw the graph as SVG to PATH.")] = None,
    dot: Annotated[Path | None, typer.Option(metavar="PATH", help="Write the graph's DOT source to PATH.")] = None,
    points: Annotated[
        str | None,
        typer.Option(
            metavar="FILE",
            help="Evaluate at every row of FILE ('-' for stdin): CSV with a header of variable names, or JSON lines.",
        ),
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="With --points: report bad rows on stderr and go on.")
    ] = False,
    var: VarOption = None,
    order: Annotated[int, typer.Option(min=1, max=2, help="2 adds the Hessian (second derivatives).")] = 1,
    png: Annotated[Path | None, typer.Option(metavar="PATH", help="Draw the graph as PNG (needs Graphviz).")] = None,
    rankdir: Annotated[str, typer.Option(metavar="DIR", help="Drawing direction: LR, TB, RL or BT.")] = "LR",
    color_by_grad: Annotated[bool, typer.Option(help="Colour values by gradient, with a legend.")] = False,
    edge_derivatives: Annotated[bool, typer.Option(help="Label edges with local derivatives.")] = False,
) -> None:
    """Evaluate PROGRAM: every node's value and d(output)/d(node); optionally draw the graph.

    Example: exprgrad eval "L = (a*b + c) * f" --a 2 --b -3 --c 10 --f -2
    """
    try:
        program, arguments = build_program(ctx, program_argument, file, var)
        if rankdir != "LR":  # the default needs no check, and the drawing module no import
            from .dot import check_rankdir

            check_rankdir(rankdir)
        if points is not None:
            _eval_points(program, arguments, points, file, output_format, skip_bad, (svg, dot, png), order)
            return
        if order == 2 and output_format in (OutputFormat.csv, OutputFormat.tsv):
            raise BindingError("--order 2 adds a Hessian to the table or to JSON; csv and tsv have no place for it")
        evaluation = program.evaluate(arguments.values)
        hessian = program.hessian(arguments.values) if order == 2 else None
        if dot is not None or svg is not None or png is not None:
            style = {"rankdir": rankdir, "color_by_grad": color_by_grad, "edge_derivatives": edge_derivatives}
            _write_drawings(program, {"svg": svg, "png": png}, dot, precision, style)
    except ExprgradError as error:
        fail(error)
    if output_format is OutputFormat.json:
        from .formats import evaluation_json

        sys.stdout.write(evaluation_json(program, evaluation, hessian) + "\n")
    elif output_format in (OutputFormat.csv, OutputFormat.tsv):
        from .formats import evaluation_table_text

        delimiter = "," if output_format is OutputFormat.csv else "\t"
        sys.stdout.write(evaluation_table_text(program, evaluation, delimiter))
    else:
        from .render import plain_table, print_hessian, print_table

        # Off a terminal the table is drawn without importing Rich (see render.plain_table).
        text = None if sys.stdout.isatty() or hessian is not None else plain_table(program, evaluation, precision)
        if text is not None:
            sys.stdout.write(text)
        else:
            console = stdout_console()
            print_table(console, program, evaluation, precision)
            if hessian is not None:
                print_hessian(console, evaluation.output, hessian, precision)


def _eval_points(
    program: "Program",
    arguments: Arguments,
    points: str,
    file: str | None,
    output_format: OutputFormat | None,
    skip_bad: bool,
    drawings: tuple[Path | None, ...],
    order: int,
) -> None:
    from .points import RowError, stream_points

    if output_format is OutputFormat.table:
        raise BindingError("--points writes csv, tsv or json (JSON lines), not a table")
    if any(path is not None for path in drawings):
        raise BindingError("--svg, --png and --dot draw one evaluation; they do not combine with --points")
    if order != 1:
        raise BindingError("--order 2 does not combine with --points")
    if points == "-" and file == "-":
        raise BindingError("the program and the points cannot both come from stdin")
    chosen = (output_format or OutputFormat.csv).value
    delimiter = "\t" if points.endswith((".tsv", ".tab")) else ","
    try:
        source = sys.stdin.buffer if points == "-" else open(points, "rb")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise BindingError(f"cannot read {points}: {error.strerror}") from None

    def report_skipped(error: RowError) -> None:
        sys.stderr.write(f"exprgrad: skipped {error}\n")

    try:
        _, skipped = stream_points(
            program,
            arguments.values,
            source,
            sys.stdout,
            output_format=chosen,
            input_delimiter=delimiter,
            on_bad_row=report_skipped if skip_bad else None,
        )
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    if skipped:
        sys.stderr.write(f"exprgrad: skipped {skipped} bad row{'s' if skipped != 1 else ''}\n")


@app.command("explain", cls=ProgramCommand, context_settings=BINDING_CONTEXT)
def explain_command(
    ctx: typer.Context,
    program_argument: ProgramArgument = None,
    file: FileOption = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="table (one equation per node) or json.")
    ] = ReportFormat.table,
    precision: Annotated[
        int | None, typer.Option(min=1, max=17, help="Significant digits of the numbers (default: exact).")
    ] = None,
    var: VarOption = None,
) -> None:
    """Show the backward pass: for each node, output first, the chain-rule step that gave d(output)/d(node).

    Example: exprgrad explain "L = (a*b + c) * f" --a 2 --b -3 --c 10 --f -2
    """
    from .explain import explain

    try:
        program, arguments = build_program(ctx, program_argument, file, var)
        explanation = explain(program, program.evaluate(arguments.values))
    except ExprgradError as error:
        fail(error)
    from .explain_output import explanation_json, print_explanation

    if output_format is ReportFormat.json:
        sys.stdout.write(explanation_json(explanation) + "\n")
    else:
        print_explanation(stdout_console(), explanation, precision)


def _write_drawings(
    program: "Program", pictures: dict[str, Path | None], dot: Path | None, precision: int | None, style: dict[str, Any]
) -> None:
    from .dot import draw, render
    from .files import write_output

    targets = [path for path in (*pictures.values(), dot) if path is not None]
    if len({str(path) for path in targets}) < len(targets):
        raise BindingError("the same output path is given twice; give --svg, --png and --dot different paths")
    source = draw(program.nodes, output=program.output, digits=precision, **style).source
    # Render before writing anything, so that a failed drawing leaves every file as it was.
    rendered = {
        path: render(source, kind, node_count=len(program.nodes)) for kind, path in pictures.items() if path is not None
    }
    if dot is not None:
        write_output(dot, source.encode("utf-8"))
    for path, picture in rendered.items():
        write_output(path, picture)


@app.command("grad", cls=ProgramCommand, context_settings=BINDING_CONTEXT)
def grad_command(
    ctx: typer.Context,
    program_argument: ProgramArgument = None,
    file: FileOption = None,
    wrt: Annotated[
        list[str] | None,
        typer.Option("--wrt", metavar="NAME", help="Only this variable (repeatable). One --wrt prints a bare number."),
    ] = None,
    order: Annotated[
        int, typer.Option(min=1, max=2, help="2: second derivatives; --wrt a --wrt b prints d2/da db.")
    ] = 1,
    var: VarOption = None,
) -> None:
    """Print derivatives as plain numbers, for scripts.

    First order: one --wrt prints just d(output)/d(NAME); otherwise one NAME<TAB>VALUE line per variable, in order
    of first appearance. With --order 2: --wrt a --wrt b (or one --wrt a, for d2/da2) prints just the number;
    otherwise one ROW<TAB>COLUMN<TAB>VALUE line per pair.

    Example: da=$(exprgrad grad "a*b + c" --a 2 --b -3 --c 10 --wrt a)
    """
    try:
        program, arguments = build_program(ctx, program_argument, file, var)
        wanted = list(wrt or [])
        unknown = [name for name in wanted if name not in program.variables]
        if unknown:
            listing = ", ".join(program.variables) or "none"
            raise BindingError(f"--wrt {unknown[0]}: not a variable of the program (its variables: {listing})")
        if order == 2:
            lines = _second_derivative_lines(program.hessian(arguments.values), wanted)
        else:
            lines = _first_derivative_lines(program.evaluate(arguments.values).gradients, wanted)
    except ExprgradError as error:
        fail(error)
    sys.stdout.write("".join(line + "\n" for line in lines))


def _first_derivative_lines(gradients: dict[str, float], wanted: list[str]) -> list[str]:
    if len(wanted) == 1:
        return [repr(gradients[wanted[0]])]
    return [f"{name}\t{value!r}" for name, value in gradients.items() if not wanted or name in wanted]


def _second_derivative_lines(hessian: dict[str, dict[str, float]], wanted: list[str]) -> list[str]:
    if len(wanted) == 2:
        return [repr(hessian[wanted[0]][wanted[1]])]
    if len(wanted) == 1:
        return [repr(hessian[wanted[0]][wanted[0]])]
    names = [name for name in hessian if not wanted or name in wanted]
    return [f"{row}\t{column}\t{hessian[row][column]!r}" for row in names for column in names]


@app.command("check", cls=ProgramCommand, context_settings=BINDING_CONTEXT)
def check_command(
    ctx: typer.Context,
    program_argument: ProgramArgument = None,
    file: FileOption = None,
    expect: Annotated[
        list[str] | None,
        typer.Option("--expect", metavar="NAME=VALUE", help="The gradient you expect for NAME (repeatable)."),
    ] = None,
    rtol: Annotated[float, typer.Option(min=0.0, help="Relative tolerance.")] = 1e-6,
    atol: Annotated[float, typer.Option(min=0.0, help="Absolute tolerance.")] = 1e-9,
    output_format: Annotated[ReportFormat, typer.Option("--format", help="table or json.")] = ReportFormat.table,
    var: VarOption = None,
) -> None:
    """Check every gradient against a finite difference (and against --expect values).

    Exit 0 when all agree, 1 when any disagrees, 2 for usage errors. A variable whose gradient passes through
    relu or abs exactly at 0 is reported as not differentiable, neither passed nor failed.
    """
    from .checking import all_agree, check_gradients

    try:
        for name, tolerance in (("--rtol", rtol), ("--atol", atol)):
            if not math.isfinite(tolerance):
                raise BindingError(f"{name} must be a finite number, got {tolerance!r}")
        program, arguments = build_program(ctx, program_argument, file, var)
        expected = _parse_expectations(expect or [])
        results = check_gradients(program, arguments.values, expected, rtol=rtol, atol=atol)
    except ExprgradError as error:
        fail(error)
    if output_format is ReportFormat.json:
        from .formats import check_json

        sys.stdout.write(check_json(results, ok=all_agree(results), rtol=rtol, atol=atol) + "\n")
    else:
        from .render import print_check

        print_check(stdout_console(), results)
    if not all_agree(results):
        raise typer.Exit(EXIT_CHECK_FAILED)


def _parse_expectations(words: list[str]) -> dict[str, float]:
    expected: dict[str, float] = {}
    for word in words:
        name, equals, text = word.partition("=")
        name = name.strip()
        if not equals or not name:
            raise BindingError(f"--expect takes NAME=VALUE, got {word!r}")
        if name in expected:
            raise BindingError(f"--expect gives {name} more than once")
        expected[name] = parse_number(text.strip(), f"the expected gradient of {name}")
    return expected


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


class Interrupted(BaseException):
    """Ctrl-C. Not a KeyboardInterrupt, which the option parser would turn into "Aborted!" and exit code 1."""


def _interrupt(signal_number: int, frame: object) -> None:
    raise Interrupted


def main() -> None:
    """Console-script entry point: run the app with the conventional handling of Ctrl-C and closed pipes."""
    import signal

    # Die quietly on a closed pipe (`exprgrad ... | head -1`), as command-line tools conventionally do.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        app()
    except Interrupted:
        # Unwinding has already removed any half-written file (see files.write_atomically).
        sys.stderr.write("exprgrad: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
