"""LaTeX text from untrusted strings (model, campaign, domain names) and our own sentences."""

from __future__ import annotations

import re

# Each special character of LaTeX's text mode, as the text command that prints it. One pass over the
# string, so that the backslashes a replacement adds are never escaped again.
_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    # Not special, but printed as other glyphs under LaTeX's default (OT1) font encoding.
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
# Signs of our own sentences that pdfLaTeX does not know in text mode (XeLaTeX would; both work).
_SIGNS = {
    "α": r"\ensuremath{\alpha}",
    "κ": r"\ensuremath{\kappa}",
    "≥": r"\ensuremath{\geq}",
    "≤": r"\ensuremath{\leq}",
    "±": r"\ensuremath{\pm}",
    "–": r"\textendash{}",
    "\n": " ",
}


def latex_escape(text: object) -> str:
    """``text`` printed literally in LaTeX: its special characters escaped, line breaks as spaces."""
    escaped = "".join(_SPECIAL.get(c) or _SIGNS.get(c) or c for c in str(text))
    # "--" and "---" are ligatures (dashes) in LaTeX: a name's hyphens stay hyphens.
    return _HYPHENS.sub("-{}", escaped)


_HYPHENS = re.compile(r"-(?=-)")
_ESCAPED = {escaped: original for original, escaped in {**_SPECIAL, **_SIGNS}.items() if original != "\n"}
_ESCAPED["-{}"] = "-"
_ESCAPED_RE = re.compile("|".join(re.escape(e) for e in sorted(_ESCAPED, key=len, reverse=True)))


def latex_unescape(text: str) -> str:
    """The inverse of ``latex_escape`` (for readers of the tables, and the tests)."""
    return _ESCAPED_RE.sub(lambda m: _ESCAPED[m.group(0)], text)
