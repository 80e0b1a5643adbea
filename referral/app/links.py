"""Reading a page's link (query parameters) forgivingly, and saying what was ignored.

Rules, the same on every page:

- Names of levels are read case-insensitively (``t12`` opens T12); booleans accept
  ``1/0``, ``true/false``, ``yes/no``, ``on/off`` in any case.
- A parameter given more than once (``level=L5&level=T6``) uses its **last** value, as a
  browser form would, and the page says so.
- A value that cannot be read is dropped from the link; the page shows a warning and the
  default. The value itself is shown as plain text, shortened to ``SHOWN_CHARS`` — never
  as markdown or HTML, so a crafted link cannot put an image, a link or markup on the page.

:func:`read_link` is pure (tested directly); :func:`apply_link` and :func:`show_problems`
are the thin Streamlit edge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import streamlit as st

from referral import schema

#: How much of a rejected value is quoted back to the reader.
SHOWN_CHARS = 40

Parser = Callable[[str], str | None]


def shorten(value: str, limit: int = SHOWN_CHARS) -> str:
    """``value`` cut to ``limit`` characters with an ellipsis, control characters removed.

    >>> shorten("x" * 100, 5)
    'xxxx…'
    >>> shorten("a\\nb")
    'a b'
    """
    flat = "".join(ch if ch.isprintable() else " " for ch in value)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def choice(options: Iterable[str]) -> Parser:
    """A parser accepting one of ``options``, case-insensitively, returning its spelling.

    >>> choice(["T12", "L1"])("t12")
    'T12'
    >>> choice(["T12"])("x") is None
    True
    """
    canonical = {option.casefold(): option for option in options}
    return lambda raw: canonical.get(raw.strip().casefold())


_BOOLEANS = {"1": "true", "true": "true", "yes": "true", "on": "true"} | {
    "0": "false",
    "false": "false",
    "no": "false",
    "off": "false",
}


def boolean(raw: str) -> str | None:
    """``"true"``/``"false"`` for the usual spellings of a switch, else ``None``.

    >>> boolean("1"), boolean("TRUE"), boolean("off"), boolean("maybe")
    ('true', 'true', 'false', None)
    """
    return _BOOLEANS.get(raw.strip().casefold())


def integer(low: int, high: int) -> Parser:
    """A parser for ASCII whole numbers in ``[low, high]`` (returned as written canonically).

    >>> integer(0, 99)("7"), integer(0, 99)("\\u0667"), integer(0, 99)("100")
    ('7', None, None)
    """

    def parse(raw: str) -> str | None:
        text = raw.strip()
        if not text.isascii() or not text.isdigit() or len(text) > len(str(high)):
            return None
        value = int(text)
        return str(value) if low <= value <= high else None

    return parse


LEVEL: Parser = choice(schema.LEVELS)


@dataclass(frozen=True)
class Param:
    """One query parameter of a page: its parser, default and a description for messages;
    ``instead`` names what is shown in place of an unreadable value when the default is no
    value to name (``""``, e.g. "a new round")."""

    key: str
    parse: Parser
    default: str
    expected: str
    instead: str = ""


@dataclass(frozen=True)
class Problem:
    """Something in the link that was ignored or changed.

    ``message`` holds only the page's own words (safe to show as markdown); ``quoted`` is
    the link's text, shortened, to be shown as plain text only.
    """

    key: str
    message: str
    quoted: str


@dataclass(frozen=True)
class LinkReading:
    """What the link asks for: canonical values, and what to tell the reader."""

    values: dict[str, str]
    problems: tuple[Problem, ...]


def read_link(query: Mapping[str, Sequence[str]], params: Sequence[Param]) -> LinkReading:
    """Read ``query`` (key → every value given) against ``params``.

    Returns canonical values for the parameters present and readable, and a problem for
    each repeated or unreadable one (the default then applies).

    >>> spec = [Param("level", LEVEL, "T12", "a level C2 … S3")]
    >>> read_link({"level": ["L5", "t6"]}, spec).values
    {'level': 'T6'}
    >>> problem = read_link({"level": ["![x](http://h/p.png)"]}, spec).problems[0]
    >>> problem.message, problem.quoted
    ("The link's **level** is not a level C2 … S3; showing T12.", '![x](http://h/p.png)')
    >>> seed = Param("seed", integer(0, 9), "", "a whole number 0 … 9", "a new round")
    >>> read_link({"seed": ["x"]}, [seed]).problems[0].message
    "The link's **seed** is not a whole number 0 … 9; showing a new round."
    """
    values: dict[str, str] = {}
    problems: list[Problem] = []
    for param in params:
        given = list(query.get(param.key, ()))
        if not given:
            continue
        raw = given[-1]
        if len(given) > 1:
            problems.append(
                Problem(
                    param.key,
                    f"The link gives **{param.key}** {len(given)} times; using the last one.",
                    ", ".join(shorten(v, 12) for v in given),
                )
            )
        value = param.parse(raw)
        if value is None:
            shown = param.instead or param.default
            then = f"showing {shown}" if shown else "ignoring it"
            problems.append(
                Problem(
                    param.key,
                    f"The link's **{param.key}** is not {param.expected}; {then}.",
                    shorten(raw),
                )
            )
        else:
            values[param.key] = value
    return LinkReading(values, tuple(problems))


def apply_link(params: Sequence[Param]) -> tuple[Problem, ...]:
    """Read the page's link once per visit and seed the widgets keyed like the parameters.

    Call before the widgets are created. Readable values are written back in canonical
    form (``t12`` → ``T12``); unreadable ones are removed from the link. Returns the
    problems to show (:func:`show_problems`); on later reruns of the same visit, none.
    """
    marker = "_link_read:" + ",".join(p.key for p in params)
    if st.session_state.get(marker):
        return ()
    st.session_state[marker] = True
    query = {p.key: st.query_params.get_all(p.key) for p in params}
    reading = read_link(query, params)
    for param in params:
        if param.key in reading.values:
            value = reading.values[param.key]
            st.session_state[param.key] = widget_value(param, value)
            if query[param.key] != [value]:
                st.query_params[param.key] = value
        elif query[param.key]:
            del st.query_params[param.key]
    return reading.problems


def widget_value(param: Param, value: str) -> object:
    """The widget's value for a canonical link value (booleans become ``bool``)."""
    return value == "true" if param.parse is boolean else value


def show_problems(problems: Sequence[Problem]) -> None:
    """Warn about each problem: the page's words in ``st.warning``, the link's own text
    after it through ``st.text`` (plain text; ``st.warning`` would render it as markdown)."""
    for problem in problems:
        st.warning(problem.message, icon="⚠️")
        st.text(f"From the link: {problem.quoted}")
