"""The commands: eval, explain, grad and check. Each parses, computes through the library, then prints."""

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..bindings import Arguments, parse_number
from ..errors import BindingError, ExprgradError
from .app import EXIT_CHECK_FAILED, app, fail, stdout_console
from .arguments import (
    BINDING_CONTEXT,
    FileOption,
    OutputFormat,
    ProgramArgument,
    ProgramCommand,
    ReportFormat,
    VarOption,
    build_program,
)

if TYPE_CHECKING:
    from ..program import Program

# The explorer page (issue 14): eval and explain both write it.
HtmlOption = Annotated[
    Path | None,
    typer.Option(
        metavar="PATH",
        help="Write the explorer to PATH: one self-contained HTML page (graph, table and chain-rule steps, linked; "
        "step through the passes; sliders for the inputs). Opens offline in any browser.",
    ),
]


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
    fast_math: Annotated[
        bool,
        typer.Option(
            "--fast-math",
            help="With --points: NumPy's exp, log, tanh, sin, cos and ** (a compute over twice as fast; results "
            "may differ from eval's in the last bits).",
        ),
    ] = False,
    var: VarOption = None,
    order: Annotated[int, typer.Option(min=1, max=2, help="2 adds the Hessian (second derivatives).")] = 1,
    png: Annotated[Path | None, typer.Option(metavar="PATH", help="Draw the graph as PNG (needs Graphviz).")] = None,
    rankdir: Annotated[str, typer.Option(metavar="DIR", help="Drawing direction: LR, TB, RL or BT.")] = "LR",
    color_by_grad: Annotated[bool, typer.Option(help="Colour values by gradient, with a legend.")] = False,
    edge_derivatives: Annotated[bool, typer.Option(help="Label edges with local derivatives.")] = False,
    html: HtmlOption = None,
) -> None:
    """Evaluate PROGRAM: every node's value and d(output)/d(node); optionally draw the graph.

    Example: exprgrad eval "L = (a*b + c) * f" --a 2 --b -3 --c 10 --f -2
    """
    try:
        program, arguments = build_program(ctx, program_argument, file, var)
        if rankdir != "LR":  # the default needs no check, and the drawing module no import
            from ..dot import check_rankdir

            check_rankdir(rankdir)
        if points is not None:
            drawings = (svg, dot, png, html)
            _eval_points(
                program, arguments, points, file, output_format, drawings, order, skip_bad=skip_bad, fast_math=fast_math
            )
            return
        if fast_math:
            raise BindingError("--fast-math applies to --points only (one evaluation is always exact)")
        if order == 2 and output_format in (OutputFormat.csv, OutputFormat.tsv):
            raise BindingError("--order 2 adds a Hessian to the table or to JSON; csv and tsv have no place for it")
        evaluation = program.evaluate(arguments.values)
        hessian = program.hessian(arguments.values) if order == 2 else None
        style = {"rankdir": rankdir, "color_by_grad": color_by_grad, "edge_derivatives": edge_derivatives}
        # The page is made before any drawing is written, so that a failure leaves every file as it was.
        page = _explorer_page(program, html, [svg, png, dot], precision=precision, **style) if html else None
        if dot is not None or svg is not None or png is not None:
            _write_drawings(program, {"svg": svg, "png": png}, dot, precision, style)
        if html is not None and page is not None:
            from ..files import write_output

            write_output(html, page)
    except ExprgradError as error:
        fail(error)
    if output_format is OutputFormat.json:
        from ..formats import evaluation_json

        sys.stdout.write(evaluation_json(program, evaluation, hessian) + "\n")
    elif output_format in (OutputFormat.csv, OutputFormat.tsv):
        from ..formats import evaluation_table_text

        delimiter = "," if output_format is OutputFormat.csv else "\t"
        sys.stdout.write(evaluation_table_text(program, evaluation, delimiter))
    else:
        from ..render import plain_table, print_hessian, print_table

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
    drawings: tuple[Path | None, ...],
    order: int,
    *,
    skip_bad: bool,
    fast_math: bool,
) -> None:
    from ..points import RowError, stream_points

    if output_format is OutputFormat.table:
        raise BindingError("--points writes csv, tsv or json (JSON lines), not a table")
    if any(path is not None for path in drawings):
        raise BindingError("--svg, --png, --dot and --html show one evaluation; they do not combine with --points")
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
            fast_math=fast_math,
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
    html: HtmlOption = None,
) -> None:
    """Show the backward pass: for each node, output first, the chain-rule step that gave d(output)/d(node).

    Example: exprgrad explain "L = (a*b + c) * f" --a 2 --b -3 --c 10 --f -2
    """
    from ..explain import explain

    try:
        program, arguments = build_program(ctx, program_argument, file, var)
        explanation = explain(program, program.evaluate(arguments.values))
        if html is not None:
            from ..files import write_output

            write_output(html, _explorer_page(program, html, [], precision=precision))
    except ExprgradError as error:
        fail(error)
    from ..explain_output import explanation_json, print_explanation

    if output_format is ReportFormat.json:
        sys.stdout.write(explanation_json(explanation) + "\n")
    else:
        print_explanation(stdout_console(), explanation, precision)


def _explorer_page(program: "Program", path: Path, others: list[Path | None], **style: Any) -> bytes:
    from ..explorer import explorer_html

    if any(other is not None and str(other) == str(path) for other in others):
        raise BindingError("the same output path is given twice; give --html its own path")
    return explorer_html(program, **style).encode("utf-8")


def _write_drawings(
    program: "Program", pictures: dict[str, Path | None], dot: Path | None, precision: int | None, style: dict[str, Any]
) -> None:
    from ..dot import draw, render
    from ..files import write_output

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

    One --wrt prints just d(output)/d(NAME); otherwise one NAME<TAB>VALUE line per variable.

    Variables come in the order they first appear in the program.

    With --order 2, two --wrt (or one, for d2/da2) print one number; otherwise ROW<TAB>COLUMN<TAB>VALUE lines.

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

    Exit 0 when all agree, 1 when any disagrees, 2 for usage errors.

    A gradient through relu or abs exactly at 0 is reported as not differentiable: neither passed nor failed.
    """
    from ..checking import all_agree, check_gradients

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
        from ..formats import check_json

        sys.stdout.write(check_json(results, ok=all_agree(results), rtol=rtol, atol=atol) + "\n")
    else:
        from ..render import print_check

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
