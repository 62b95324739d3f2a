"""The commands: eval, explain, grad, check and batch. Each parses, computes through the library, then prints."""

import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ..bindings import Arguments, parse_number
from ..errors import BindingError, ExprgradError
from .app import EXIT_CHECK_FAILED, EXIT_NOTHING_CHECKED, app, check_exit_code, fail, message_text, stdout_console
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

OutputsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--output",
        metavar="NAME",
        help="Differentiate the statement (or variable) NAME instead of the last statement. Repeat it for the "
        "Jacobian: d(each output)/d(each variable).",
    ),
]


def _choose_output(program: "Program", outputs: list[str] | None, command: str) -> tuple["Program", list[str]]:
    """The program with its output chosen by --output, and the names of several outputs (empty for one)."""
    names = list(outputs or [])
    if len(names) == 1:
        return program.with_output(names[0]), []
    if names and command in ("check", "explain"):
        raise BindingError(f"{command} takes one --output; run it once per output")
    return program, names


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
        int | None,
        typer.Option(
            min=1, max=17, help="Significant digits in the table (default: exact) and in drawings (default: 6)."
        ),
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
            help="With --points: NumPy's own exp, log, tanh, sin, ** and the like (a compute over twice as fast; "
            "results may differ from eval's in the last bits).",
        ),
    ] = False,
    var: VarOption = None,
    order: Annotated[int, typer.Option(min=1, max=2, help="2 adds the Hessian (second derivatives).")] = 1,
    png: Annotated[Path | None, typer.Option(metavar="PATH", help="Draw the graph as PNG (needs Graphviz).")] = None,
    rankdir: Annotated[
        str | None,
        typer.Option(metavar="DIR", help="Drawing direction: LR (default), TB, RL or BT.", show_default=False),
    ] = None,
    color_by_grad: Annotated[
        bool, typer.Option(help="Colour values by gradient, with a legend (with --svg, --png or --dot).")
    ] = False,
    edge_derivatives: Annotated[
        bool, typer.Option(help="Label edges with local derivatives (with --svg, --png or --dot).")
    ] = False,
    outputs: OutputsOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --svg, --png and --dot files even when they are read-only.")
    ] = False,
    html: HtmlOption = None,
) -> None:
    """Evaluate PROGRAM: every node's value and d(output)/d(node); optionally draw the graph.

    Example: exprgrad eval "L = (a*b + c) * f" --a 2 --b -3 --c 10 --f -2
    """
    try:
        program, arguments = build_program(ctx, program_argument, file, var)
        program, several = _choose_output(program, outputs, "eval")
        if several:
            _eval_several(program, arguments, several, output_format, precision, order, points, (svg, dot, png))
            return
        _check_picture_options(
            rankdir,
            {
                "--rankdir": rankdir is not None,
                "--color-by-grad": color_by_grad,
                "--edge-derivatives": edge_derivatives,
                "--force": force,
            },
            drawn=svg is not None or dot is not None or png is not None or html is not None,
        )
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
        style = {"rankdir": rankdir or "LR", "color_by_grad": color_by_grad, "edge_derivatives": edge_derivatives}
        # The page is made before any drawing is written, so that a failure leaves every file as it was.
        page = _explorer_page(program, html, [svg, png, dot], file, precision=precision, **style) if html else None
        if dot is not None or svg is not None or png is not None:
            _write_drawings(program, {"svg": svg, "png": png}, dot, precision, style, program_file=file, force=force)
        if html is not None and page is not None:
            from ..files import write_output

            write_output(html, page, force=force)
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
        from .standard_streams import output_is_unicode

        # Off a terminal, or on one past the size where Rich gets slow, the tables are drawn without Rich.
        plain = _plain_output(4 * len(program.nodes) + (len(hessian) ** 2 if hessian is not None else 0))
        ascii_only = not output_is_unicode()
        text = plain_table(program, evaluation, precision, ascii_only=ascii_only) if plain else None
        if text is not None and hessian is not None:
            from ..plain import hessian_text

            # The plain Hessian is drawn with box characters: on a stream that cannot take them, Rich draws it.
            more = None if ascii_only else hessian_text(evaluation.output, hessian, precision)
            text = None if more is None else text + more
        if text is not None:
            sys.stdout.write(text)
        else:
            console = stdout_console()
            print_table(console, program, evaluation, precision)
            if hessian is not None:
                print_hessian(console, evaluation.output, hessian, precision)


def _eval_several(
    program: "Program",
    arguments: Arguments,
    names: list[str],
    output_format: OutputFormat | None,
    precision: int | None,
    order: int,
    points: str | None,
    drawings: tuple[Path | None, ...],
) -> None:
    """`eval` with several --output: every node's gradient per output, and the Jacobian."""
    if points is not None:
        raise BindingError("--points evaluates one output; give one --output")
    if any(path is not None for path in drawings):
        raise BindingError("--svg, --png and --dot draw one output's gradients; give one --output")
    if order == 2 and output_format in (OutputFormat.csv, OutputFormat.tsv):
        raise BindingError("--order 2 adds Hessians to the table or to JSON; csv and tsv have no place for them")
    evaluation = program.evaluate(arguments.values, outputs=names)
    hessians = program.hessians(arguments.values, names) if order == 2 else None
    if output_format is OutputFormat.json:
        from ..outputs import jacobian_json

        sys.stdout.write(jacobian_json(program, evaluation, hessians) + "\n")
    elif output_format in (OutputFormat.csv, OutputFormat.tsv):
        from ..outputs import jacobian_table_text

        sys.stdout.write(jacobian_table_text(program, evaluation, "," if output_format is OutputFormat.csv else "\t"))
    else:
        from ..outputs import print_jacobian_table
        from ..render import print_hessian

        console = stdout_console()
        print_jacobian_table(console, program, evaluation, precision)
        for name, hessian in (hessians or {}).items():
            print_hessian(console, name, hessian, precision)


def _check_picture_options(rankdir: str | None, given: dict[str, bool], *, drawn: bool) -> None:
    if rankdir is not None:  # the default needs no check, and the drawing module no import
        from ..dot import check_rankdir

        check_rankdir(rankdir)
    # An option that changes nothing would let a user believe it did: a usage error, as for --fast-math.
    options = [name for name, was_given in given.items() if was_given]
    if options and not drawn:
        verb = "applies" if len(options) == 1 else "apply"
        raise BindingError(f"{' and '.join(options)} {verb} to drawings only: add --svg, --png, --dot or --html")


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
        sys.stderr.write(f"exprgrad: skipped {message_text(error)}\n")

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
    except OSError as error:
        # Reading failed midway (a closed stdin, an I/O error); stdout's failures are not OSErrors (standard_streams).
        raise BindingError(f"cannot read {points}: {error.strerror or error}") from None
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
    outputs: OutputsOption = None,
    html: HtmlOption = None,
) -> None:
    """Show the backward pass: for each node, output first, the chain-rule step that gave d(output)/d(node).

    Example: exprgrad explain "L = (a*b + c) * f" --a 2 --b -3 --c 10 --f -2
    """
    from ..explain import explain

    try:
        program, arguments = build_program(ctx, program_argument, file, var)
        program, _ = _choose_output(program, outputs, "explain")
        explanation = explain(program, program.evaluate(arguments.values))
        if html is not None:
            from ..files import write_output

            write_output(html, _explorer_page(program, html, [], file, precision=precision))
    except ExprgradError as error:
        fail(error)
    from ..explain_output import explanation_json, print_explanation

    if output_format is ReportFormat.json:
        sys.stdout.write(explanation_json(explanation) + "\n")
    elif _plain_output(len(explanation.steps)):
        from ..plain import explanation_lines

        sys.stdout.write(explanation_lines(explanation, precision))
    else:
        print_explanation(stdout_console(), explanation, precision)


def _explorer_page(
    program: "Program", path: Path, others: list[Path | None], program_file: str | None, **style: Any
) -> bytes:
    from ..explorer import explorer_html
    from ..files import refuse_inputs_as_outputs

    if any(other is not None and str(other) == str(path) for other in others):
        raise BindingError("the same output path is given twice; give --html its own path")
    refuse_inputs_as_outputs([("--html", path)], [("-f", program_file)])
    return explorer_html(program, **style).encode("utf-8")


def _write_drawings(
    program: "Program",
    pictures: dict[str, Path | None],
    dot: Path | None,
    precision: int | None,
    style: dict[str, Any],
    *,
    program_file: str | None,
    force: bool,
) -> None:
    from ..dot import draw, render
    from ..files import refuse_inputs_as_outputs, write_output

    targets = [path for path in (*pictures.values(), dot) if path is not None]
    if len({str(path) for path in targets}) < len(targets):
        raise BindingError("the same output path is given twice; give --svg, --png and --dot different paths")
    outputs = [(f"--{kind}", path) for kind, path in pictures.items()] + [("--dot", dot)]
    refuse_inputs_as_outputs(outputs, [("-f", program_file)])
    source = draw(program.nodes, output=program.output, digits=precision, **style).source
    # Render before writing anything, so that a failed drawing leaves every file as it was.
    rendered = {
        path: render(source, kind, node_count=len(program.nodes)) for kind, path in pictures.items() if path is not None
    }
    if dot is not None:
        write_output(dot, source.encode("utf-8"), force=force)
    for path, picture in rendered.items():
        write_output(path, picture, force=force)


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
    outputs: OutputsOption = None,
) -> None:
    """Print derivatives as plain numbers, for scripts.

    One --wrt prints just d(output)/d(NAME); otherwise one NAME<TAB>VALUE line per variable.

    Variables come in the order they first appear in the program.

    With --order 2, two --wrt (or one, for d2/da2) print one number; otherwise ROW<TAB>COLUMN<TAB>VALUE lines.

    With several --output, each line starts with the output's name: OUTPUT<TAB>NAME<TAB>VALUE (--order 2:
    OUTPUT<TAB>ROW<TAB>COLUMN<TAB>VALUE), for every variable or the --wrt ones.

    Example: da=$(exprgrad grad "a*b + c" --a 2 --b -3 --c 10 --wrt a)
    """
    try:
        program, arguments = build_program(ctx, program_argument, file, var)
        program, several = _choose_output(program, outputs, "grad")
        wanted = checked_wrt(program, wrt or [])
        from ..textform import format_number

        if several and order == 2:
            hessians = program.hessians(arguments.values, several)
            lines = [
                f"{output}\t{row}\t{column}\t{format_number(hessian[row][column])}"
                for output, hessian in hessians.items()
                for row in hessian
                for column in hessian
                if not wanted or (row in wanted and column in wanted)
            ]
        elif several:
            jacobian = program.evaluate(arguments.values, outputs=several).jacobian
            lines = [
                f"{output}\t{name}\t{format_number(value)}"
                for output, gradients in jacobian.items()
                for name, value in gradients.items()
                if not wanted or name in wanted
            ]
        elif order == 2:
            lines = _second_derivative_lines(program, arguments.values, wanted)
        else:
            lines = _first_derivative_lines(program.evaluate(arguments.values).gradients, wanted)
    except ExprgradError as error:
        fail(error)
    sys.stdout.write("".join(line + "\n" for line in lines))


def checked_wrt(program: "Program", wrt: list[str]) -> list[str]:
    """The --wrt names (also `batch`'s "wrt"), each a variable of the program, or a BindingError naming them."""
    program.check_option_names("--wrt", wrt)
    return list(wrt)


def selected_hessian(program: "Program", values: dict[str, float], wanted: list[str]) -> dict[str, dict[str, float]]:
    """The second derivatives `grad --order 2` prints: d2/da db for --wrt a --wrt b (d2/da2 for one --wrt), else the
    block of the --wrt variables (all of them without --wrt), rows and columns in the program's order."""
    from ..hessian import hessian

    # Only the rows asked for are computed: each is one reverse pass over the gradient graph.
    if len(wanted) in (1, 2):
        return hessian(program, values, rows=[wanted[0]], columns=[wanted[-1]])
    names = [name for name in program.variables if not wanted or name in wanted]
    return hessian(program, values, rows=names, columns=names)


def _first_derivative_lines(gradients: dict[str, float], wanted: list[str]) -> list[str]:
    from ..textform import format_number

    if len(wanted) == 1:
        return [format_number(gradients[wanted[0]])]
    return [f"{name}\t{format_number(value)}" for name, value in gradients.items() if not wanted or name in wanted]


def _second_derivative_lines(program: "Program", values: dict[str, float], wanted: list[str]) -> list[str]:
    from ..textform import format_number

    selected = selected_hessian(program, values, wanted)
    if len(wanted) in (1, 2):
        return [format_number(selected[wanted[0]][wanted[-1]])]
    return [f"{row}\t{column}\t{format_number(value)}" for row in selected for column, value in selected[row].items()]


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
    outputs: OutputsOption = None,
    against: Annotated[
        str | None,
        typer.Option(
            metavar="FORMULA",
            help="A hand-derived d(output)/d(--wrt) to compare with exprgrad's at --samples random points.",
        ),
    ] = None,
    wrt: Annotated[
        str | None,
        typer.Option("--wrt", metavar="NAME", help="With --against: the variable the formula differentiates by."),
    ] = None,
    samples: Annotated[int, typer.Option(min=1, max=1_000_000, help="With --against: how many points.")] = 200,
    sample_range: Annotated[
        list[str] | None,
        typer.Option(
            "--range",
            metavar="NAME=LOW:HIGH",
            help="With --against: where NAME is sampled (repeatable; default -3:3; a variable given a value stays).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="With --against: the seed of the sampled points.")] = 0,
) -> None:
    """Check every gradient against a finite difference (and against --expect values).

    Exit 0 when all agree, 1 when any disagrees, 2 for usage errors, 4 when nothing could be checked.

    A gradient through relu or abs exactly at 0 is reported as not differentiable: neither passed nor failed.

    With --against FORMULA, compare a hand-derived derivative with exprgrad's at many points instead.

    Example: exprgrad check "x**2*sin(x)" --wrt x --against "2*x*sin(x) + x**2*cos(x)"

    A run where no gradient agreed or failed (all unchecked or not differentiable) exits 4: it verified nothing.
    """
    from ..checking import all_agree, check_gradients, nothing_checked

    try:
        for name, tolerance in (("--rtol", rtol), ("--atol", atol)):
            if not math.isfinite(tolerance):
                raise BindingError(f"{name} must be a finite number, got {tolerance!r}")
        program, arguments = build_program(ctx, program_argument, file, var)
        program, _ = _choose_output(program, outputs, "check")
        if against is not None:
            if expect:
                raise BindingError("--expect checks one point; it does not combine with --against")
            _check_against(
                program, arguments, against, wrt, samples, sample_range or [], seed, rtol, atol, output_format
            )
            return
        if wrt is not None or sample_range or samples != 200 or seed != 0:
            raise BindingError("--wrt, --samples, --range and --seed go with --against FORMULA")
        expected = _parse_expectations(expect or [])
        results = check_gradients(program, arguments.values, expected, rtol=rtol, atol=atol)
    except ExprgradError as error:
        fail(error)
    agree, verified_nothing = all_agree(results), nothing_checked(results)
    if output_format is ReportFormat.json:
        from ..formats import check_json

        sys.stdout.write(check_json(results, ok=agree, nothing_checked=verified_nothing, rtol=rtol, atol=atol) + "\n")
    else:
        from ..plain import check_text
        from ..render import print_check
        from .standard_streams import output_is_unicode

        # The plain table has box characters and ±: on a stream that cannot take them, Rich draws it in ASCII.
        text = check_text(results) if _plain_output(5 * len(results)) and output_is_unicode() else None
        if text is not None:
            sys.stdout.write(text)
        else:
            print_check(stdout_console(), results)
    code = check_exit_code(agree=agree, verified_nothing=verified_nothing)
    if code:
        raise typer.Exit(code)


def _plain_output(cells: int) -> bool:
    """Whether to draw without Rich: off a terminal always, and on one past RICH_CELLS (Rich takes seconds there)."""
    if not sys.stdout.isatty():
        return True
    from ..plain import RICH_CELLS

    return cells > RICH_CELLS


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


def _check_against(
    program: "Program",
    arguments: Arguments,
    formula_text: str,
    wrt: str | None,
    samples: int,
    range_words: list[str],
    seed: int,
    rtol: float,
    atol: float,
    output_format: ReportFormat,
) -> None:
    """`check --against`: print the report, and exit 1 on a disagreement or 4 when nothing could be compared."""
    from ..against import check_against, parse_range
    from ..against_output import report_json, report_text
    from ..parser import parse

    if wrt is None:
        if len(program.variables) != 1:
            listing = ", ".join(program.variables) or "none"
            raise BindingError(
                f"--against needs --wrt NAME: which variable does the formula differentiate by? ({listing})"
            )
        (wrt,) = program.variables
    formula = parse(formula_text, source_name="--against")
    ranges: dict[str, tuple[float, float]] = {}
    for word in range_words:
        name, bounds = parse_range(word)
        if name in ranges:
            raise BindingError(f"--range gives {name} more than once")
        ranges[name] = bounds
    report = check_against(
        program, formula, wrt, fixed=arguments.values, ranges=ranges, samples=samples, seed=seed, rtol=rtol, atol=atol
    )
    if output_format is ReportFormat.json:
        sys.stdout.write(report_json(report, formula_text, rtol=rtol, atol=atol) + "\n")
    else:
        sys.stdout.write(report_text(report, formula_text))
    if report.worst is None:
        raise typer.Exit(EXIT_NOTHING_CHECKED)
    if not report.ok:
        raise typer.Exit(EXIT_CHECK_FAILED)


@app.command("batch")
def batch_command(
    requests: Annotated[
        str,
        typer.Argument(
            metavar="FILE", help="JSON lines of requests ('-', the default, for stdin).", show_default=False
        ),
    ] = "-",
) -> None:
    """Answer many requests in one process: one JSON line in, one JSON line out, in order.

    Each request is {"command": "eval" | "grad" | "check" | "diff", "program": TEXT, "values": {NAME: NUMBER},
    ...}; each response has "line", "exit_code" and "result" (the command's JSON) or "error" ({"message",
    "exit_code"}).
    A bad request is answered with its error and the rest still run. Exit code: the largest of the requests'.

    Example: echo '{"command": "grad", "program": "a*b", "values": {"a": 2, "b": 3}}' | exprgrad batch
    """
    from .batch import run_batch

    try:
        source = sys.stdin.buffer if requests == "-" else open(requests, "rb")  # noqa: SIM115 (closed below)
    except OSError as error:
        fail(BindingError(f"cannot read {requests}: {error.strerror}"))
    try:
        code = run_batch(source, sys.stdout)
    except OSError as error:
        # Reading failed midway (a closed stdin, an I/O error); stdout's failures are not OSErrors (standard_streams).
        fail(BindingError(f"cannot read {requests}: {error.strerror or error}"))
    finally:
        if source is not sys.stdin.buffer:
            source.close()
    if code:
        raise typer.Exit(code)
