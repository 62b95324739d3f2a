"""The `diff` command: a program's derivatives as a formula or as code (see exprgrad.symbolic and exprgrad.codegen)."""

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..bindings import parse_words
from ..errors import BindingError, ExprgradError
from .app import app, fail
from .arguments import (
    _DASH_PROGRAMS,
    BINDING_CONTEXT,
    FileOption,
    ProgramArgument,
    ProgramCommand,
    read_program,
)


class DiffFormat(str, enum.Enum):
    """How `diff` writes: the code alone, or JSON with the code and the name of every result in it."""

    text = "text"
    json = "json"


@app.command("diff", cls=ProgramCommand, context_settings=BINDING_CONTEXT)
def diff_command(
    ctx: typer.Context,
    program_argument: ProgramArgument = None,
    file: FileOption = None,
    wrt: Annotated[
        list[str] | None,
        typer.Option("--wrt", metavar="NAME", help="Differentiate with respect to NAME only (repeatable)."),
    ] = None,
    output: Annotated[
        list[str] | None,
        typer.Option(
            "--output", metavar="NAME", help="Differentiate the statement (or variable) NAME instead of the last one."
        ),
    ] = None,
    order: Annotated[int, typer.Option(min=1, max=2, help="2 adds the Hessian entries, each pair once.")] = 1,
    target: Annotated[
        str, typer.Option("--to", metavar="TARGET", help="exprgrad (default), python, numpy, c, js or latex.")
    ] = "exprgrad",
    name: Annotated[str, typer.Option("--name", metavar="NAME", help="The generated function's name.")] = "f",
    output_format: Annotated[
        DiffFormat, typer.Option("--format", help="text (the code itself) or json (the code and its names).")
    ] = DiffFormat.text,
    out: Annotated[
        Path | None, typer.Option("-o", "--out", metavar="PATH", help="Write to PATH (atomically) instead of stdout.")
    ] = None,
) -> None:
    """Write the derivatives of PROGRAM as a program, as code or as LaTeX.

    Default target: the program in exprgrad's language with d_NAME statements (d2_NAME_OTHER for --order 2).

    Shared subexpressions are named once; --to python, numpy, c, js or latex writes code or equations instead.

    Example: exprgrad diff "x**2*sin(x)" --wrt x
    """
    from ..codegen import generate
    from ..parser import parse
    from ..symbolic import differentiate

    try:
        set_aside: list[str] = ctx.meta.get(_DASH_PROGRAMS, [])
        words = set_aside + ([program_argument] if program_argument is not None else []) + list(ctx.args)
        arguments = parse_words(words)
        text, source_name = read_program(arguments.positional, file)
        program = parse(text, source_name=source_name)
        if arguments.texts:
            given = next(iter(arguments.texts))
            raise BindingError(f"diff writes formulas and takes no values (got --{given}); use eval for numbers")
        if output:
            if len(output) > 1:
                raise BindingError("diff takes one --output; run it once per output")
            program = program.with_output(output[0])
        derivatives = differentiate(program, wrt or [], order)
        generated = generate(derivatives, target, function_name=name, source=text)
        document = generated.json() + "\n" if output_format is DiffFormat.json else generated.code
        if out is not None:
            from ..files import write_output

            write_output(out, document.encode("utf-8"))
            return
    except ExprgradError as error:
        fail(error)
    sys.stdout.write(document)
