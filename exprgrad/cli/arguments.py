"""Reading a command line: the program (argument, file or stdin) and the values of its variables.

Click knows only exprgrad's own options; every other word (``--a 2``, a program that starts with a minus sign)
is handed over in order and sorted here, with the help of `exprgrad.bindings`.
"""

import enum
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core

from ..bindings import Arguments, is_number, parse_var_option, parse_words, rounds_to_zero
from ..errors import BindingError
from .app import PlainUsageErrors, escaped, report_usage_error

if TYPE_CHECKING:
    from ..program import Program


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

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        options = {
            name
            for param in self.params
            for name in [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]
        }
        options.update(ctx.help_option_names)
        short_options = {name for name in options if not name.startswith("--")}
        # Typer 0.29's arguments carry no `type`: the names of the numeric options are read defensively.
        numeric = {
            name: type_name
            for param in self.params
            for type_name in [getattr(getattr(param, "type", None), "name", "")]
            if type_name.startswith(("int", "float"))
            for name in getattr(param, "opts", [])
        }
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
            option, equals, value = word.partition("=")
            if option in numeric and (equals or following is not None):
                _check_option_number(option, value if equals else following, numeric[option], self.name)  # type: ignore[arg-type]
            if (
                word.startswith("--")
                and "=" not in word
                and word not in options
                and following is not None
                and not following.startswith("--")
            ):
                kept.append(f"{word}={following}")
                index += 1
            elif looks_like_dash_program(word, following, short_options):
                set_aside.append(word)
            else:
                kept.append(word)
        ctx.meta[_DASH_PROGRAMS] = set_aside
        return super().parse_args(ctx, kept)


def _check_option_number(option: str, text: str, kind: str, command: str | None) -> None:
    """The numbers of options follow the rules of variables' values: ASCII digits, and no float read as 0 from a
    nonzero number (Click's int() and float() would read `٣` as 3 and `1e-400` as 0)."""
    if not text.isascii():
        report_usage_error(f"{option} must be a number written with ASCII digits, got {text!r}", command)
    if kind.startswith("float") and is_number(text) and rounds_to_zero(text, float(text)):
        report_usage_error(f"{option} is too small for a float (it would be read as 0): {text}", command)


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


# Programs larger than this are refused before parsing. The densest program has one node per byte (`----a`), and
# a command's peak memory is up to about 1.9 KB per node (explain; JSON 1.4 KB, the table 1.1 KB, grad 0.5 KB), so
# 1 MiB keeps every command near 2 GB at most while admitting a million nodes (benchmarks/run.py, case `limits`).
MAX_PROGRAM_BYTES = 1024 * 1024


def read_program(positional: list[str], file: str | None) -> tuple[str, str]:
    """The program text and the name to show in its error messages, from the argument or from ``-f FILE``."""
    if file is not None:
        if positional:
            raise BindingError(f"give the program either as an argument or with -f, not both (got {positional[0]!r})")
        # Escaped here because a syntax error shows it in a message of several lines, not escaped as a whole.
        source_name = "<stdin>" if file == "-" else escaped(file)
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
        from ..parser import error_at

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
        from ..parser import error_at

        # Point at the first bad byte: decode what comes before it, then mark it.
        text = raw[: error.start].decode("utf-8") + "\ufffd" + raw[error.end :].decode("utf-8", "replace")
        position = len(raw[: error.start].decode("utf-8"))
        raise error_at(text, position, "the program is not valid UTF-8 text", source_name) from None


def build_program(
    ctx: typer.Context, program_argument: str | None, file: str | None, var: list[str] | None
) -> tuple["Program", Arguments]:
    """Parse the program and sort the command line into variable values (syntax is checked before values)."""
    from ..parser import parse

    set_aside: list[str] = ctx.meta.get(_DASH_PROGRAMS, [])
    words = set_aside + ([program_argument] if program_argument is not None else []) + list(ctx.args)
    try:
        arguments = parse_words(words)
    except BindingError:
        # `grad ... --skip-bad` or `--svg` last: an option of another command, not a variable without a value.
        _refuse_other_commands_options(ctx, [word[2:].partition("=")[0] for word in words if word[:2] == "--"])
        raise
    text, source_name = read_program(arguments.positional, file)
    program = parse(text, source_name=source_name)
    parse_var_option(var or [], arguments)
    _suggest_options_for_typos(ctx, program, arguments)
    _suggest_var_for_option_names(ctx, program, arguments)
    arguments.resolve()
    return program, arguments


def _suggest_options_for_typos(ctx: typer.Context, program: "Program", arguments: Arguments) -> None:
    """`--prec 3` names no variable; if it looks like one of the command's options, say so."""
    if all(name in program.variables for name in arguments.texts):
        return
    import difflib  # only when a name is unknown: its import costs a millisecond at every start

    _refuse_other_commands_options(ctx, [name for name in arguments.texts if name not in program.variables])
    options = [name[2:] for param in ctx.command.params for name in getattr(param, "opts", []) if name[:2] == "--"]
    for name in arguments.texts:
        if name in program.variables:
            continue
        if name in options:
            # Only words after `--` get here under an option's own name.
            raise BindingError(f"--{name} comes after --, where exprgrad reads no options: put it before --")
        close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
        if close and not difflib.get_close_matches(name, list(program.variables), n=1):
            raise BindingError(f"--{name} is not a variable of the program; did you mean the option --{close[0]}?")


def _suggest_var_for_option_names(ctx: typer.Context, program: "Program", arguments: Arguments) -> None:
    """A variable named like one of the command's options (`svg`) is given with --var: say so when it has no value."""
    for param in ctx.command.params:
        for option in getattr(param, "opts", []):
            name = option[2:]
            missing = name in program.variables and name not in program.defaults and name not in arguments.texts
            if option[:2] == "--" and missing:
                raise BindingError(
                    f"no value for {name}: --{name} is an option of {ctx.command.name}; "
                    f"give the variable with --var {name}=VALUE"
                )


def _refuse_other_commands_options(ctx: typer.Context, names: list[str]) -> None:
    """`grad ... --format json`: say that the command lacks the option, rather than call `format` a variable."""
    if not names:
        return
    # Only on an error path: building every command's options costs a few milliseconds.
    import typer.main

    from .app import app

    command = ctx.command
    own = {name for param in command.params for name in getattr(param, "opts", [])}
    others: dict[str, list[str]] = {}
    group = typer.main.get_command(app)
    for other in getattr(group, "commands", {}).values():
        for param in other.params:
            for option in [*getattr(param, "opts", []), *(getattr(param, "secondary_opts", None) or [])]:
                if option[:2] == "--" and option not in own and other.name not in others.setdefault(option, []):
                    others[option].append(other.name)
    for name in names:
        owners = others.get(f"--{name}")
        if owners:
            having = owners[0] if len(owners) == 1 else ", ".join(owners[:-1]) + f" and {owners[-1]}"
            raise BindingError(
                f"{command.name} has no --{name} option ({having} {'has' if len(owners) == 1 else 'have'} it)"
            )
