"""Rewrite docs/errors.md from the commands it documents.

Run `python -m tests.update_error_docs` after changing a message, read the diff, and commit it; tests/test_docs.py
fails while the page and the program disagree.
"""

from __future__ import annotations

from pathlib import Path

from .cli_helpers import run, split_example

PAGE = Path(__file__).resolve().parent.parent / "docs" / "errors.md"

INTRODUCTION = """# Errors and exit codes

Every error is one message on stderr that starts with `exprgrad: error:`, and every kind of error has one exit code.
Nothing prints a Python traceback. The examples below are the real output. `tests/test_docs.py` re-runs every example
and fails if one of them no longer matches; `python -m tests.update_error_docs` rewrites this page.

| exit code | meaning |
| --- | --- |
| 0 | success |
| 1 | a math error (domain, overflow, infinite derivative); for `check`, a gradient that disagrees |
| 2 | a usage error: the program text, a name, a value, an option, a `--points` row |
| 3 | an output file or drawing could not be made |
| 130 | interrupted by Ctrl-C (`exprgrad: interrupted`; no half-written file is left) |
| SIGPIPE | stdout was closed early (`exprgrad ... \\| head -1`): the process ends quietly, as shells expect |
"""

# (title, exit code, what the section covers, the commands shown)
SECTIONS: list[tuple[str, int, str, list[str]]] = [
    (
        "Syntax errors",
        2,
        (
            "The text is not a program. The message gives line:column, the line itself with control characters "
            "shown as escapes, a caret, and what could have come there. Syntax is checked before anything else."
        ),
        [
            'exprgrad eval "a*"',
            'exprgrad eval "x = a +* b"',
            'exprgrad eval "(a + b"',
            'exprgrad eval "a $ b"',
            'exprgrad eval ""',
        ],
    ),
    (
        "Names and functions",
        2,
        (
            "Unknown functions (with a suggestion), wrong argument counts, functions used as values, built-in "
            "names assigned, a name assigned twice or used before its assignment."
        ),
        [
            'exprgrad eval "tanhh(x)" --x 1',
            'exprgrad eval "tanh(x, x)" --x 1',
            'exprgrad eval "exp + 1"',
            'exprgrad eval "pi = 3; pi"',
            'exprgrad eval "a = 1; a = 2; a"',
            'exprgrad eval "b = a + 1; a = 2; b"',
        ],
    ),
    ("Numbers in the program", 2, "A literal that does not fit in a double.", ['exprgrad eval "1e999"']),
    (
        "Variable values",
        2,
        (
            "Missing values (all named, with the options to pass), a value that is not a finite number in the "
            "language's syntax, a value given twice, a name that is not a variable (with a suggestion), a single-"
            "dash option."
        ),
        [
            'exprgrad eval "a*b + c" --a 2',
            'exprgrad eval "a*b" --a 2 --b x',
            'exprgrad eval "a" --a nan',
            'exprgrad eval "a" --a 1 --a 2',
            'exprgrad eval "abc" --abd 1',
            'exprgrad eval "a+b" -a 1',
            'exprgrad eval "b = -3; a*b" --a 1 --b 2',
            'exprgrad eval "a" --a',
        ],
    ),
    (
        "Command-line usage",
        2,
        (
            "No program, more than one, an unreadable or non-UTF-8 program file, a file over the 16 MiB limit, "
            "options exprgrad does not have or values it does not take."
        ),
        [
            "exprgrad eval",
            'exprgrad eval "a" "b"',
            "exprgrad eval -f missing.txt",
            'exprgrad eval "a" --a 1 --format xml',
            "exprgrad nope",
            'exprgrad grad "a*b" --a 1 --b 2 --wrt c',
            'exprgrad check "a" --a 1 --expect a',
        ],
    ),
    (
        "Rows of --points",
        2,
        (
            "A row with too few or too many fields, a field that is not a number, a header naming something that "
            "is not a variable, an empty input. The message gives the line number. With --skip-bad, bad rows are "
            "reported and skipped (exit 0)."
        ),
        [
            "exprgrad eval \"a*b\" --points - <<< $'a,b\\n1,2\\n3'",
            "exprgrad eval \"a*b\" --points - <<< $'a,b\\n1,x'",
            "exprgrad eval \"a*b\" --points - <<< $'a,q\\n1,2'",
            "exprgrad eval \"log(a)*b\" --points - --skip-bad <<< $'a,b\\n1,x\\n2,3'",
            'exprgrad eval "a*b" --a 1 --b 2 --fast-math',
        ],
    ),
    (
        "Math errors",
        1,
        (
            "Outside a function's domain, an overflow, or an infinite derivative. The message names the node, its"
            " operation and its inputs' values (and the line, for --points rows). exprgrad never prints inf or "
            "nan."
        ),
        [
            'exprgrad eval "log(a)" --a -1',
            'exprgrad eval "y = sqrt(a)" --a 0',
            'exprgrad eval "a/b" --a 1 --b 0',
            'exprgrad eval "a**b" --a -8 --b 0.5',
            'exprgrad eval "exp(a)" --a 1000',
            'exprgrad eval "a*b" --a 1e200 --b 1e200',
            "exprgrad eval \"log(a)\" --points - <<< $'a\\n1\\n0'",
        ],
    ),
    (
        "Failed gradient checks",
        1,
        "`exprgrad check` exits 1 when a gradient disagrees with its finite difference or with --expect.",
        ['exprgrad check "a*b" --a 2 --b 3 --expect a=2'],
    ),
    (
        "Output files",
        3,
        (
            "A folder that does not exist, a path that cannot be written, a drawing over the 2,000-node limit, "
            "PNG without a system Graphviz. An existing file is never left half-written."
        ),
        [
            'exprgrad eval "a" --a 1 --svg missing/graph.svg',
            'exprgrad eval "a" --a 1 --dot /proc/graph.dot',
            'exprgrad eval "a" --a 1 --html missing/page.html',
        ],
    ),
    (
        "exprgrad diff",
        2,
        (
            "`diff` writes formulas: a --wrt that names no variable, an unknown --to target, a --name the target "
            "cannot use, and variable values (which belong to eval) are usage errors."
        ),
        [
            'exprgrad diff "x*y" --wrt z',
            'exprgrad diff "x*y" --to fortran',
            'exprgrad diff "x*y" --to c --name double',
            'exprgrad diff "x*y" --x 2',
        ],
    ),
]


def render_page() -> str:
    """The whole page, with every command run for real."""
    lines = [INTRODUCTION]
    for title, code, text, commands in SECTIONS:
        lines += [f"## {title} (exit {code})", "", text, "", "```console"]
        for command in commands:
            words, stdin = split_example(command)
            result = run(*words[1:], input=stdin)
            lines.append(f"$ {command}")
            body = (result.stdout + result.stderr).rstrip("\n")
            if body:
                lines.append(body)
            lines.append(f"[exit {result.exit_code}]")
        lines += ["```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    PAGE.write_text(render_page(), encoding="utf-8")
