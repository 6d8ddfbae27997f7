"""Text rules every layer shares: the one control-character filter, the one normaliser, and close matches
for what a user typed ("did you mean" for names, and the forgiving parts of search).

Standard library only, and cheap to import.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

# Characters a terminal would obey rather than show (ESC starts colour, cursor and clipboard sequences; bidi
# overrides reorder text): shown as visible escapes in every human format and message.
# (Patterns are compiled on first use, by ``re``'s own cache: compiling at import costs every run.)
CONTROL = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def escape_controls(text: str) -> str:
    """``text`` with control characters made visible (``\\x1b``); tab and newline are kept."""
    import re  # here, not at the top: re (and the enum it loads) costs every run ~3 ms

    if text.isascii() and text.isprintable():
        return text
    return re.sub(
        CONTROL, lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", text
    )


def valid_unicode(text: str) -> str:
    """``text`` with lone surrogates (how Python holds an argument's bytes that are not UTF-8) replaced by
    U+FFFD, so it can be written in any Unicode encoding and read back by any parser."""
    if text.isascii():
        return text
    import re

    return re.sub("[\ud800-\udfff]", "\ufffd", text)


_UK_US = (
    ("haem", "hem"),
    ("anaem", "anem"),
    ("oedem", "edem"),
    ("oestr", "estr"),
    ("paediat", "pediat"),
    ("foet", "fet"),
    ("isation", "ization"),
    ("ise", "ize"),
    ("yse", "yze"),
    ("our", "or"),
    ("tre", "ter"),
    ("ogue", "og"),
)


def words(text: str) -> str:
    """Lower case, the words separated by one space and nothing else: 'GABA-B  receptor' is 'gaba b receptor'.
    For comparing answers word by word (the quiz); ``normalise`` joins the words for search."""
    import re

    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def normalise(text: str) -> str:
    """Lower case, letters and digits only: 'GABA-B', 'gaba b' and 'gabab' are one word."""
    import re  # here, not at the top: re (and the enum it loads) costs every run ~3 ms

    return re.sub(r"[\W_]+", "", text.lower())


def close(word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.75) -> list[str]:
    """The candidates closest to ``word`` (case-insensitive), best first."""
    import difflib

    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=cutoff)
    return [by_lower[f] for f in found]


def shorten(text: str, limit: int = 80) -> str:
    """``text`` cut to about ``limit`` characters, for quoting what a user typed in a one-line message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def listing(names: list[str], limit: int = 20) -> str:
    """The first ``limit`` names joined with commas, and how many more."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """'; did you mean 'x'?' or nothing."""
    found = close(word, candidates)
    if not found:
        return ""
    return "; did you mean " + " or ".join(f"'{f}'" for f in found) + "?"


def spellings(word: str) -> set[str]:
    """The word in British and American spelling (haemodialysis/hemodialysis, oedema/edema, ...)."""
    out = {word}
    for uk, us in _UK_US:
        for form in list(out):
            if uk in form:
                out.add(form.replace(uk, us))
            if us in form and len(us) > 2:
                out.add(form.replace(us, uk))
    return out


def stem(word: str) -> str:
    """A light stem so 'pregnant' meets 'pregnancy' and 'seizures' meets 'seizure'."""
    for suffix in ("ancies", "ancy", "ant", "ings", "ing", "ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word
