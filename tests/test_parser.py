"""The language: statements, precedence, numbers, labels, and the errors of a program that does not parse."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import exprgrad
from exprgrad import ParseError, parse
from exprgrad.parser import folded


def value_of(text: str, **bindings: float) -> float:
    return parse(text).evaluate(bindings).value


# Each case is (program, bindings, value): the value is worked out by hand with Python's precedence rules.
PRECEDENCE = [
    ("-a**2", {"a": 3}, -9.0),
    ("(-a)**2", {"a": 3}, 9.0),
    ("a**b**c", {"a": 2, "b": 3, "c": 2}, 512.0),
    ("a^b^c", {"a": 2, "b": 3, "c": 2}, 512.0),
    ("(a**b)**c", {"a": 2, "b": 3, "c": 2}, 64.0),
    ("2**-1", {}, 0.5),
    ("2**-a**2", {"a": 1}, 0.5),
    ("a-b-c", {"a": 10, "b": 3, "c": 2}, 5.0),
    ("a/b/c", {"a": 12, "b": 3, "c": 2}, 2.0),
    ("a+b*c", {"a": 1, "b": 2, "c": 3}, 7.0),
    ("(a+b)*c", {"a": 1, "b": 2, "c": 3}, 9.0),
    ("a*-b", {"a": 2, "b": 3}, -6.0),
    ("- - a", {"a": 2}, 2.0),
    ("+a", {"a": 2}, 2.0),
    ("-a*b", {"a": 2, "b": 3}, -6.0),
    ("a - -b", {"a": 2, "b": 3}, 5.0),
    ("2*a**2", {"a": 3}, 18.0),
    ("-2**2", {}, -4.0),
    ("a*b/c*d", {"a": 2, "b": 6, "c": 3, "d": 5}, 20.0),
    ("tanh(0)+exp(0)+log(1)+sin(0)+cos(0)+sqrt(4)+abs(-3)+relu(-1)+sigmoid(0)", {}, 7.5),
    ("pi", {}, math.pi),
]


@pytest.mark.parametrize(("text", "bindings", "expected"), PRECEDENCE)
def test_precedence_and_associativity_follow_python(text: str, bindings: dict[str, float], expected: float) -> None:
    """Unary minus binds looser than **, ** is right-associative, the rest left-associative."""
    assert value_of(text, **bindings) == expected


@pytest.mark.parametrize(
    ("literal", "value"), [("2", 2.0), ("2.5", 2.5), (".5", 0.5), ("1e-3", 1e-3), ("1E+3", 1e3), ("2.", 2.0)]
)
def test_number_literals(literal: str, value: float) -> None:
    """Integers, decimals, a leading dot, exponents in either case."""
    assert value_of(literal) == value


def test_statements_separated_by_semicolons_newlines_and_comments() -> None:
    """`;` and line breaks separate statements; `#` starts a comment; blank lines are fine."""
    text = "# the walk-through\ne = a*b   # product\n\nd = e + c; L = d*f;\n"
    program = parse(text)
    assert program.output_name == "L"
    assert program.evaluate({"a": 2, "b": -3, "c": 10, "f": -2}).value == -8.0


def test_signed_literal_assignment_makes_an_input_variable() -> None:
    """`b = -3` makes b a variable with a default: it is in the gradients like any other."""
    program = parse("a = 2; b = -3; L = a*b")
    result = program.evaluate({})
    assert result.value == -6.0
    assert result.gradients == {"a": -3.0, "b": 2.0}
    assert program.free_variables == []


def test_each_variable_is_one_node() -> None:
    """However often a name is used, it is one node."""
    program = parse("a*a + a")
    assert sum(1 for node in program.nodes if node.label == "a") == 1
    assert program.evaluate({"a": 3}).gradients == {"a": 7.0}


def test_unnamed_nodes_are_labelled_by_their_source_text() -> None:
    """Intermediate nodes read as the text that made them, named ones by their name."""
    program = parse("L = (a*b + c) * f")
    assert [node.label for node in program.nodes] == ["a", "b", "a*b", "c", "a*b + c", "f", "L"]


def test_alias_gets_its_own_node() -> None:
    """`d = e` gives d a row of its own (an identity node), so every name is visible."""
    program = parse("e = a*b; d = e; L = d + 1")
    labels = [node.label for node in program.nodes]
    assert "d" in labels and "e" in labels
    assert program.evaluate({"a": 2, "b": 3}).gradients == {"a": 3.0, "b": 2.0}


def test_long_labels_are_elided_in_the_middle() -> None:
    """A long unnamed expression's label keeps its start and end, so labelling stays constant-time."""
    text = " + ".join(f"x{i}" for i in range(50))
    program = parse(text)
    label = program.output.label
    assert "…" in label and label.startswith("x0 + x1") and label.endswith("x49")


def test_100000_deep_nesting_parses_and_differentiates() -> None:
    """Parentheses nested 100,000 deep: no recursion anywhere in the pipeline."""
    depth = 100_000
    text = "(" * depth + "x" + "+1)" * depth
    result = parse(text).evaluate({"x": 1.0})
    assert result.value == depth + 1.0
    assert result.gradients == {"x": 1.0}


def test_100000_deep_unary_nesting() -> None:
    """tanh(tanh(...)) and - - - ... nested 100,000 deep."""
    depth = 100_000
    result = parse("tanh(" * depth + "x" + ")" * depth).evaluate({"x": 0.0})
    assert result.gradients == {"x": 1.0}
    assert parse("-" * depth + "x").evaluate({"x": 2.0}).value == 2.0


def test_100000_statement_chain() -> None:
    """x1 = x0*w + b; x2 = x1*w + b; ... 100,000 statements."""
    n = 100_000
    lines = [f"x{i + 1} = x{i}*w + b" for i in range(n)]
    result = parse("\n".join(lines)).evaluate({"x0": 1.0, "w": 1.0, "b": 0.0})
    assert result.value == 1.0
    assert result.gradients["x0"] == 1.0
    assert result.gradients["b"] == float(n)


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        ("a*", 1, 3, "ends too early"),
        ("a +* b", 1, 4, "unexpected '*'"),
        ("(a", 1, 3, "expected ')'"),
        ("a)", 1, 2, "unexpected ')'"),
        ("a b", 1, 3, "unexpected 'b'"),
        ("x = 1\ny = $", 2, 5, "unexpected character '$'"),
        ("a = = b", 1, 5, "unexpected '='"),
        ("", 1, 1, "empty"),
        ("# only a comment", 1, 17, "empty"),
        ("tanhh(a)", 1, 1, "did you mean tanh, atanh or tan?"),
        ("tanh(a, b)", 1, 1, "tanh takes 1 argument, got 2"),
        ("exp()", 1, 1, "exp takes 1 argument, got 0"),
        ("tanh + 1", 1, 1, "tanh is a function"),
        ("pi = 3", 1, 1, "built-in constant"),
        ("log = 3", 1, 1, "built-in function"),
        ("x = 1; x = 2", 1, 8, "assigned twice"),
        ("y = x + 1; x = 2", 1, 12, "used (line 1, column 5) before it is assigned"),
        ("1e999", 1, 1, "too large"),
    ],
)
def test_errors_point_at_the_line_and_column(text: str, line: int, column: int, fragment: str) -> None:
    """Every parse error carries a 1-based line and column and says what is wrong in words."""
    with pytest.raises(ParseError) as caught:
        parse(text)
    error = caught.value
    assert fragment in error.message
    assert (error.line, error.column) == (line, column)


def test_syntax_error_wins_over_an_earlier_unknown_function() -> None:
    """A syntax error anywhere is reported before problems like an unknown function earlier in the text."""
    with pytest.raises(ParseError, match="ends too early"):
        parse("tanhh(a); b*")


def test_error_text_has_the_source_line_and_a_caret() -> None:
    """str(ParseError) shows line:column, the line, and a caret under the column."""
    with pytest.raises(ParseError) as caught:
        parse("x = 1\ny = a +* b", source_name="prog.txt")
    assert (
        str(caught.value)
        == "prog.txt:2:8: unexpected '*'; expected '(', '+', '-', a name or a number\n  y = a +* b\n         ^"
    )


# Every character Python counts as whitespace, and some that make tokens.
_WHITESPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())
_LABEL_PIECES = st.text(alphabet=st.sampled_from(_WHITESPACE + "ab+*(…é"), max_size=30)


def test_the_only_printable_whitespace_is_the_space() -> None:
    """What `folded`'s fast path rests on: any other whitespace in a label makes it unprintable."""
    assert [c for c in _WHITESPACE if c.isprintable()] == [" "]


@given(_LABEL_PIECES)
def test_folded_labels_match_a_full_fold(middle: str) -> None:
    """The fast path of `folded` gives exactly what folding every piece would."""
    piece = f"x{middle}y"  # a label starts and ends with a token
    assert folded(piece) == " ".join(piece.split())


def test_labels_fold_tabs_and_form_feeds_short_and_elided() -> None:
    """Whitespace the grammar skips is one space in a label, on both sides of an elision."""
    assert parse("a\t*\f  b").output.label == "a * b"
    label = parse("\t +\f".join(f"x{i}" for i in range(30))).output.label
    assert label.startswith("x0 + x1 + ") and label.endswith(" + x28 + x29") and "…" in label
    assert "\t" not in label and "\f" not in label and "  " not in label


@pytest.mark.parametrize(
    "text",
    [
        "L = (a +\n     b) * c",
        "L = tanh(\n  a*b\n  + c\n)",
        "L = (a   # the first term\n     + b  # the second\n\n     ) * c",
        "L = ((a\n+\nb)\n)*c",
        "L = (a +\r\n b) * c",
    ],
)
def test_line_breaks_inside_parentheses_continue_the_statement(text: str) -> None:
    """As in Python: inside parentheses or a call's arguments, a line break (with comments) is no separator."""
    values = {"a": 1.5, "b": -2.0, "c": 3.0}
    program = parse(text)
    one_line = " ".join(line.partition("#")[0] for line in text.splitlines())
    assert program.output_name == "L"
    assert len(program.nodes) == len(parse(one_line).nodes)
    assert program.evaluate(values).value == parse(one_line).evaluate(values).value


def test_a_line_break_after_closing_parentheses_still_ends_the_statement() -> None:
    """Once every parenthesis is closed, a line break separates statements again."""
    program = parse("x = (a +\n b)\ny = (x)\nz = tanh((y))\nz*2")
    assert program.evaluate({"a": 0.0, "b": 0.0}).value == 0.0
    assert [name for name in program.names if name not in program.variables] == ["x", "y", "z"]


def test_a_semicolon_inside_parentheses_is_still_an_error() -> None:
    """Only line breaks continue a statement: a semicolon inside parentheses is pointed at."""
    with pytest.raises(ParseError) as caught:
        parse("L = (a +\n  ; b)")
    assert (caught.value.line, caught.value.column) == (2, 3)
    assert caught.value.message.startswith("unexpected ';'")


def test_a_byte_order_mark_is_ignored() -> None:
    """A UTF-8 byte-order mark at the start is not part of the program, and columns count without it."""
    assert parse("\ufeffL = a*2").evaluate({"a": 3}).value == 6.0
    with pytest.raises(ParseError) as caught:
        parse("\ufeffa $")
    assert (caught.value.line, caught.value.column) == (1, 3)


@pytest.mark.parametrize(
    ("text", "column", "hint"),
    [
        ("a \u2212 b", 3, "unexpected character '\u2212'; did you mean '-'?"),
        ("a \u00d7 b", 3, "unexpected character '\u00d7'; did you mean '*'?"),
        ("a \u00f7 b", 3, "unexpected character '\u00f7'; did you mean '/'?"),
        ("a \u00b7 b", 3, "unexpected character '\u00b7'; did you mean '*'?"),
    ],
)
def test_typeset_operators_get_a_hint(text: str, column: int, hint: str) -> None:
    """The minus sign, times and division signs of typeset formulas point at the operator to type instead."""
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert caught.value.message == hint
    assert caught.value.column == column


@pytest.mark.parametrize(("text", "column"), [("\u0661\u0662", 1), ("x = 2\u0663", 6), ("\uff11 + a", 1)])
def test_numbers_take_ascii_digits_only(text: str, column: int) -> None:
    """Digits of other scripts (Arabic-Indic, fullwidth) are not numbers: a syntax error that says so."""
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert "numbers are written with the digits 0-9" in caught.value.message
    assert caught.value.column == column


@given(st.characters(categories=["Nd"]).filter(lambda c: not c.isascii()))
def test_no_non_ascii_digit_reads_as_a_number(digit: str) -> None:
    """Every decimal digit outside ASCII, alone or after an ASCII one, is refused where a number would be."""
    for text in (digit, f"1{digit}", f"x = .{digit}"):
        with pytest.raises(ParseError):
            parse(text)


def test_unknown_functions_suggest_up_to_three_names_and_the_listing_command() -> None:
    """The message names the closest functions (built-in or the program's own) and `exprgrad functions`."""
    with pytest.raises(ParseError) as caught:
        parse("tnh(x)")
    assert caught.value.message.startswith("unknown function 'tnh' (did you mean tanh")
    assert caught.value.message.endswith("`exprgrad functions` lists them all)")
    with pytest.raises(ParseError) as caught:
        parse("square(x) = x*x; squares(x) = 2*x; squre(a)")
    assert "did you mean square, squares or sqrt?" in caught.value.message
    with pytest.raises(ParseError) as caught:
        parse("zzzz(a)")
    assert caught.value.message == "unknown function 'zzzz' (`exprgrad functions` lists them all)"


def test_e_is_an_ordinary_name_and_its_missing_value_mentions_eulers_number() -> None:
    """`e` is a variable like any other; with no value the message says Euler's number is exp(1)."""
    assert parse("e = a*b; e + 1").evaluate({"a": 2, "b": 3}).value == 7.0
    with pytest.raises(
        exprgrad.BindingError, match=r"no value for e: pass --e VALUE; Euler's number is written exp\(1\)"
    ):
        parse("2*e").evaluate({})
