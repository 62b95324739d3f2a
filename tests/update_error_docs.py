"""Rewrite docs/errors.md from the commands it documents.

Run `python -m tests.update_error_docs` after changing a message, read the diff, and commit it; tests/test_docs.py
fails while the page and the program disagree.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .cli_helpers import needs_shell, run, run_in_shell, split_example

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
| 3 | output could not be written: an output file or drawing, or standard output (a full disk, a closed stream) |
| 4 | `check` verified nothing: no gradient agreed or failed, or `check --against` compared no point |
| 5 | out of memory |
| 130 | interrupted by Ctrl-C (`exprgrad: interrupted`; no half-written file is left) |
| 129, 143 | stopped by SIGHUP or SIGTERM (`exprgrad: stopped by SIGTERM`): 128 + the signal's number, and, as for \
Ctrl-C, no half-written or temporary file is left |
| SIGPIPE | stdout was closed early (`exprgrad ... \\| head -1`): the process ends quietly, as shells expect |

Whatever you typed that a message repeats (a path, a name, a value, a `--points` field) is shown with each
unprintable character as its escape, `\\x1b` or `\\n`: a message never sends a control sequence to the terminal, and
it stays on one line.

Examples that set up a fault (a full disk, a closed stream, a limit) run in bash in an empty folder.
"""

# (title, exit code, what the section covers, the commands shown)
SECTIONS: list[tuple[str, int, str, list[str]]] = [
    (
        "Syntax errors",
        2,
        (
            "The text is not a program. The message gives line:column, the line itself with control characters "
            "shown as escapes, a caret, and what could have come there (for typeset signs, the operator to type; "
            "for digits other than 0-9, that numbers take those). Syntax is checked before anything else."
        ),
        [
            'exprgrad eval "a*"',
            'exprgrad eval "x = a +* b"',
            'exprgrad eval "(a + b"',
            'exprgrad eval "a $ b"',
            'exprgrad eval ""',
            'exprgrad eval "a − b" --a 1 --b 2',
            'exprgrad eval "a × b" --a 1 --b 2',
            'exprgrad eval "x = ١٢"',
        ],
    ),
    (
        "Names and functions",
        2,
        (
            "Unknown functions (with the closest names and the command that lists them all), wrong argument "
            "counts, functions used as values, built-in names assigned, a name assigned twice or used before its "
            "assignment."
        ),
        [
            'exprgrad eval "tanhh(x)" --x 1',
            'exprgrad eval "softmaxx(x)" --x 1',
            'exprgrad eval "tanh(x, x)" --x 1',
            'exprgrad eval "exp + 1"',
            'exprgrad eval "pi = 3; pi"',
            'exprgrad eval "a = 1; a = 2; a"',
            'exprgrad eval "b = a + 1; a = 2; b"',
        ],
    ),
    (
        "User functions",
        2,
        (
            "A call with the wrong number of arguments, a parameter that is not a name, repeated, or named like a "
            "function or pi, a function named like a built-in, a variable or another function, a function that "
            "calls itself or is used before its definition, and a program that only defines functions."
        ),
        [
            'exprgrad eval "sq(x) = x*x; sq(a, b)" --a 1 --b 2',
            'exprgrad eval "f(x, x) = x*x; f(a, a)" --a 1',
            'exprgrad eval "f(x + 1) = x; f(a)" --a 1',
            'exprgrad eval "f(exp) = 2*exp; f(a)" --a 1',
            'exprgrad eval "sin(x) = x; sin(a)" --a 1',
            'exprgrad eval "f(x) = x; f(x) = 2*x; f(a)" --a 1',
            'exprgrad eval "v = 2; v(x) = x; v" --a 1',
            'exprgrad eval "f(x) = x*f(x); f(a)" --a 1',
            'exprgrad eval "L = g(a); g(x) = x" --a 1',
            'exprgrad eval "f(x) = x; L = f + 1"',
            'exprgrad eval "f(x) = x; f = 2; f"',
            'exprgrad eval "sq(x) = x*x"',
        ],
    ),
    (
        "Outputs",
        2,
        (
            "--output naming no statement or variable, the same output twice, several outputs where one is "
            "needed (check, explain, --points, drawings), Hessians in CSV."
        ),
        [
            'exprgrad eval "e = a*b; L = e + c" --a 1 --b 2 --c 3 --output q',
            'exprgrad eval "e = a*b; L = e + c" --a 1 --b 2 --c 3 --output e --output e',
            'exprgrad eval "sq(x) = x*x; L = sq(a)" --a 1 --output sq',
            'exprgrad check "e = a*b; L = e + c" --a 1 --b 2 --c 3 --output e --output L',
            'exprgrad explain "e = a*b; L = e + c" --a 1 --b 2 --c 3 --output e --output L',
            'exprgrad eval "e = a*b; L = e + c" --c 3 --output e --output L --points -',
            'exprgrad eval "e = a*b; L = e + c" --a 1 --b 2 --c 3 --output e --output L --svg g.svg',
            'exprgrad eval "e = a*b; L = e + c" --a 1 --b 2 --c 3 --output e --output L --order 2 --format csv',
        ],
    ),
    (
        "Numbers in the program",
        2,
        "A literal that does not fit in a double: too large, or a nonzero number that would be read as 0.",
        ['exprgrad eval "1e999"', 'exprgrad eval "a*1e-400" --a 1'],
    ),
    (
        "Variable values",
        2,
        (
            "Missing values (all named, with the options to pass; for `e`, a word on Euler's number), a value that "
            "is not a finite number in the language's syntax (ASCII digits only; nothing a float would hold as "
            "infinity or as 0), a value given twice, a name that is not a variable (with a suggestion) or that the "
            "program computes, a single-dash option, an option without its value, a variable named like an option "
            "of the command (given with --var). A value written in the program is a default, which the command line "
            "may override."
        ),
        [
            'exprgrad eval "a*b + c" --a 2',
            'exprgrad eval "a*b" --a 2 --b x',
            'exprgrad eval "a" --a nan',
            'exprgrad eval "a" --a 1 --a 2',
            'exprgrad eval "abc" --abd 1',
            'exprgrad eval "a+b" -a 1',
            'exprgrad eval "e = a*b; e + 1" --a 1 --b 2 --e 3',
            'exprgrad eval "2*e"',
            'exprgrad eval "a" --a',
            'exprgrad eval "a*b" --a --b 2',
            'exprgrad eval "a" --a 1e-400',
            'exprgrad eval "a" --a ١٢',
            'exprgrad eval "svg*2" --svg 3',
        ],
    ),
    (
        "Command-line usage",
        2,
        (
            "No program, more than one, an unreadable or non-UTF-8 program file, a file over the 1 MiB limit, "
            "options exprgrad does not have or values it does not take (numbers in ASCII digits, none read as 0), an "
            "option of another command, a program without its command, picture options with nothing drawn."
        ),
        [
            "exprgrad eval",
            'exprgrad eval "a" "b"',
            "exprgrad eval -f missing.txt",
            'exprgrad eval "a" --a 1 --format xml',
            "exprgrad nope",
            'exprgrad "a*b" --a 1 --b 2',
            'exprgrad --a 1 --b 2 "a*b"',
            'exprgrad grad "a*b" --a 1 --b 2 --format json',
            'exprgrad explain "a*b" --a 1 --b 2 --svg t.svg',
            'exprgrad grad "a*b" --a 1 --b 2 --precision 3',
            'exprgrad eval "a" --a 1 --rankdir TB',
            'exprgrad eval "a" --a 1 --color-by-grad --edge-derivatives',
            'exprgrad check "a" --a 1 --rtol 1e-400',
            'exprgrad eval "a" --a 1 --precision ٣',
            'exprgrad grad "a*b" --a 1 --b 2 --wrt c',
            'exprgrad check "a" --a 1 --expect a',
            'exprgrad check "a*b" --against "b"',
            'exprgrad check "a*b" --wrt a --against "c"',
            'exprgrad check "a*b" --wrt a --against "b" --range a=3:1',
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
            "exprgrad eval \"a*b\" --points - <<< $'a,b\\n1,1e-400'",
            'exprgrad eval "a" --points /dev/zero',
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
            'exprgrad eval "a**b" --a 0 --b 0 --order 2',
            "exprgrad eval \"log(a)\" --points - <<< $'a\\n1\\n0'",
        ],
    ),
    (
        "Failed gradient checks",
        1,
        "`exprgrad check` exits 1 when a gradient disagrees with its finite difference or with --expect.",
        [
            'exprgrad check "a*b" --a 2 --b 3 --expect a=2',
            'exprgrad check "x**2*sin(x)" --against "2*x*sin(x)" --samples 20',
        ],
    ),
    (
        "Gradient checks that verified nothing",
        4,
        (
            "`exprgrad check` exits 4 when no gradient agreed and none failed: every variable unchecked or not "
            "differentiable at the point, or a program without variables. A CI job must not pass on such a run."
        ),
        ['exprgrad check "x**x" --x 0', 'exprgrad check "relu(x)" --x 0'],
    ),
    (
        "Output files",
        3,
        (
            "A folder that does not exist, a path that cannot be written, a drawing over the 1,000-node limit or one "
            "still being laid out at its time limit (EXPRGRAD_DRAWING_TIME_LIMIT, 20 s by default), PNG without a "
            "system Graphviz. An existing file is never left half-written."
        ),
        [
            'exprgrad eval "a" --a 1 --svg missing/graph.svg',
            'exprgrad eval "a" --a 1 --dot /proc/graph.dot',
            'exprgrad eval "a" --a 1 --html missing/page.html',
        ],
    ),
    (
        "Output that cannot be written",
        3,
        (
            "Standard output on a full disk or closed (for every command, `--help` and `--version` too); a FIFO "
            "that no process reads (refused at once rather than waited on); a read-only file, which `--force` "
            "replaces; a `dot` that exits without error but writes nothing (the old picture stays). When stdout is "
            "a regular file on a disk that fills up, it is cut back to its last complete line. If the in-process "
            "Graphviz cannot run (`ulimit -v` under about 4.3 GB, `ulimit -f`), the message is `the in-process "
            "Graphviz could not ...` with the runtime's reason, also exit 3."
        ),
        [
            'exprgrad eval "a*b" --a 1 --b 2 > /dev/full',
            "exprgrad --version > /dev/full",
            'exprgrad eval "a*b" --a 1 --b 2 >&-',
            'mkfifo pipe.dot; exprgrad eval "a*b" --a 1 --b 2 --dot pipe.dot',
            'echo old > g.dot; chmod 444 g.dot; exprgrad eval "a*b" --a 1 --b 2 --dot g.dot',
            "printf '#!/bin/sh\\ncat > /dev/null\\n' > dot; chmod +x dot; "
            'PATH=.:$PATH exprgrad eval "a*b" --a 1 --b 2 --svg g.svg',
        ],
    ),
    (
        "Inputs that cannot be read or would be overwritten",
        2,
        (
            "A program read from a closed stdin; an output path that is the program file (the same path, a "
            "symbolic link or a hard link to it), which exprgrad refuses rather than destroy the program."
        ),
        [
            "exprgrad eval -f - <&-",
            'echo "a*b" > prog.txt; exprgrad eval -f prog.txt --a 1 --b 2 --dot prog.txt',
        ],
    ),
    (
        "Out of memory",
        5,
        "The process may not have the memory the program needs (here a million nodes in 300 MB of address space).",
        ["python3 -c \"print('-' * 1000000 + 'a')\" > big.txt; ulimit -v 300000; exprgrad eval -f big.txt --a 1"],
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
            if needs_shell(command):
                with tempfile.TemporaryDirectory() as folder:
                    output, exit_code = run_in_shell(command, Path(folder))
            else:
                words, stdin = split_example(command)
                result = run(*words[1:], input=stdin)
                output, exit_code = result.stdout + result.stderr, result.exit_code
            lines.append(f"$ {command}")
            body = output.rstrip("\n")
            if body:
                lines.append(body)
            lines.append(f"[exit {exit_code}]")
        lines += ["```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    PAGE.write_text(render_page(), encoding="utf-8")
