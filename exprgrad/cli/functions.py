"""`exprgrad functions`: every operator, function and constant of the language, from the registry."""

import sys
from typing import Annotated

import typer

from .app import app, stdout_console
from .arguments import ReportFormat


@app.command("functions")
def functions_command(
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="table (default) or json.")
    ] = ReportFormat.table,
) -> None:
    """List every operator, function and constant: arity, local derivative, domain and the convention at kinks.

    Example: exprgrad functions --format json
    """
    from ..catalog import as_json, entries, print_listing

    listing = entries()
    if output_format is ReportFormat.json:
        import json  # only for --format json: its import is a few ms of every start

        sys.stdout.write(json.dumps(as_json(listing), ensure_ascii=False) + "\n")
    else:
        print_listing(stdout_console(), listing)
