"""Text rules every layer shares: the one control-character filter, the one normaliser, and close matches
for what a user typed ("did you mean" for names, and the forgiving parts of search).

Standard library only, and cheap to import.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

# What search counts as part of a word besides letters and digits: the marks inside doses and names (0.5%,
# mg/day, GABA-B). A word is a run of these and of characters ``str.isalnum`` accepts (``\w`` in ``re``).
WORD_MARKS = "_.%/-"
_gaps: dict[int, str] = {}
# Characters a terminal would obey rather than show (ESC starts colour, cursor and clipboard sequences; bidi
# overrides reorder text): shown as visible escapes in every human format and message. (A pattern for the
# checker and the completion; ``escape_controls`` uses the same characters without ``re``.)
CONTROL = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def escape_controls(text: str) -> str:
    """``text`` with control characters made visible (``\\x1b``); tab and newline are kept."""
    if text.isprintable():  # every character of CONTROL is unprintable: nothing to escape
        return text
    if not _escapes:
        codes = [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), 0x200E, 0x200F]
        codes += [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]
        _escapes.update({c: f"\\x{c:02x}" if c < 256 else f"\\u{c:04x}" for c in codes})
    if "\n" in text:  # a whole answer: only its lines that are not printable are translated (a character at a time)
        return "\n".join(line if line.isprintable() else line.translate(_escapes) for line in text.split("\n"))
    return text.translate(_escapes)  # no re: it (and the enum it loads) costs a run ~5 ms


_escapes: dict[int, str] = {}  # CONTROL's characters and what shows them, built on first use


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
    For comparing answers word by word (the quiz); ``normalise`` joins the words for search. (No re.)"""
    text = text.lower()
    if text.isascii():
        if not _spaces:
            _spaces.update({i: " " for i in range(128) if not chr(i).isalnum()})
        return " ".join(text.translate(_spaces).split())
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


_spaces: dict[int, str] = {}  # every ASCII character but letters and digits, as a space


def path_text(text: str) -> str:
    """A path as ``str(pathlib.Path(text))`` writes it ('' is '.', 'a//b/./' is 'a/b'): on POSIX worked out by
    pathlib's own rules, without importing pathlib (and the re, fnmatch and urllib it loads)."""
    import os

    if os.name != "posix":
        from pathlib import Path

        return str(Path(text))
    root = "//" if text.startswith("//") and not text.startswith("///") else "/" if text.startswith("/") else ""
    parts = [part for part in text.split("/") if part and part != "."]
    return root + "/".join(parts) or "."


def stable_id(*parts: str) -> str:
    """The id of a question or a card: the first ten hex digits of the SHA-1 of its parts."""
    return sha1_hex("\x1f".join(parts))[:10]


def cut_at_word(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: cut at a word, with an ellipsis (explanations, card backs)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rsplit(" ", 1)[0] + "…"


def sha1_hex(text: str) -> str:
    """The SHA-1 of ``text`` (UTF-8) in hexadecimal: the stable ids of questions, cards and decks. From the bare
    C module: hashlib would load OpenSSL, a few milliseconds a run."""
    try:
        from _sha1 import sha1  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - a Python built without it
        from hashlib import sha1
    return str(sha1(text.encode()).hexdigest())


def normalise(text: str) -> str:
    """Lower case, letters and digits only: 'GABA-B', 'gaba b' and 'gabab' are one word."""
    return "".join(filter(str.isalnum, text.lower()))  # no re: it (and the enum it loads) costs a run ~5 ms


def split_words(text: str) -> list[str]:
    """The words of ``text`` as search sees them: runs of letters, digits and ``WORD_MARKS``, as typed."""
    if text.isascii():
        if not _gaps:
            _gaps.update({i: " " for i in range(128) if not (chr(i).isalnum() or chr(i) in WORD_MARKS)})
        return text.translate(_gaps).split()
    return "".join(ch if ch.isalnum() or ch in WORD_MARKS else " " for ch in text).split()


def close(word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.75) -> list[str]:
    """The candidates closest to ``word`` (case-insensitive), best first: what ``difflib.get_close_matches``
    answers, without importing difflib (it loads ``re``, ~5 ms a run) for words under 200 characters."""
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    word = word.lower()
    return [by_lower[f] for f in _best(word, _could_reach(word, by_lower, cutoff), n, cutoff)]


def word_index(words: Iterable[str]) -> dict[str, list[Any]]:
    """Distinct lower-case words and each one's letter mask, for ``close_in``: worked out once (and cached)
    for a vocabulary that a typo is matched against on every run."""
    distinct = list(dict.fromkeys(w.lower() for w in words if w))
    return {"words": distinct, "masks": [_mask(w) for w in distinct]}


def close_in(word: str, index: dict[str, list[Any]], n: int, cutoff: float, also: Iterable[str] = ()) -> list[str]:
    """``close(word, index's words + also)``, ruling most words out by their letter masks first: a word's
    characters that ``word`` lacks (at least one for each letter its mask has and ``word``'s has not) cannot
    match, which bounds the similarity it could reach, at one integer operation a word."""
    word = word.lower()
    lacking, size = ~_mask(word), len(word)
    words = index["words"]
    reach = {
        c: c
        for c, mask in zip(words, index["masks"], strict=True)
        if 2.0 * (len(c) - (mask & lacking).bit_count()) / (len(c) + size) >= cutoff
    }
    for other in also:
        reach.setdefault(other.lower(), other)
    return [reach[f] for f in _best(word, _could_reach(word, reach, cutoff), n, cutoff)]


def _mask(word: str) -> int:
    """A bit for each distinct character (ASCII each its own; others share 64 bits, which only loosens the
    bound ``close_in`` draws from it)."""
    mask = 0
    for ch in word:
        code = ord(ch)
        mask |= 1 << (code if code < 128 else 128 + code % 64)
    return mask


def _best(word: str, candidates: list[str], n: int, cutoff: float) -> list[str]:
    """The ``n`` candidates most similar to ``word`` at ``cutoff`` or above, best first (ties: the later
    string first), as ``difflib.get_close_matches`` orders them."""
    if len(word) >= _NO_HEURISTIC:
        import difflib

        return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)
    scored = [(score, c) for c in candidates if (score := similarity(c, word)) >= cutoff]
    return [c for _, c in sorted(scored, reverse=True)[:n]]  # heapq.nlargest's order, as difflib's


# difflib drops "popular" characters of a sequence this long or longer: below it, its ratio is the plain one.
_NO_HEURISTIC = 200


def similarity(a: str, b: str) -> float:
    """``difflib.SequenceMatcher(None, a, b).ratio()`` for ``b`` under 200 characters: twice the characters of
    the matching blocks (the longest common run, then the same on each side of it) over both lengths."""
    if not a and not b:
        return 1.0
    where: dict[str, list[int]] = {}
    for j, ch in enumerate(b):
        where.setdefault(ch, []).append(j)
    matched = 0
    todo = [(0, len(a), 0, len(b))]
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        # The longest run a[i:i+k] == b[j:j+k] in the range; of the longest, the first in a, then in b.
        besti, bestj, bestsize = alo, blo, 0
        runs: dict[int, int] = {}
        for i in range(alo, ahi):
            longer: dict[int, int] = {}
            for j in where.get(a[i], ()):
                if j < blo:
                    continue
                if j >= bhi:
                    break
                k = longer[j] = runs.get(j - 1, 0) + 1
                if k > bestsize:
                    besti, bestj, bestsize = i - k + 1, j - k + 1, k
            runs = longer
        if bestsize:
            matched += bestsize
            if alo < besti and blo < bestj:
                todo.append((alo, besti, blo, bestj))
            if besti + bestsize < ahi and bestj + bestsize < bhi:
                todo.append((besti + bestsize, ahi, bestj + bestsize, bhi))
    return 2.0 * matched / (len(a) + len(b))


def _could_reach(word: str, candidates: Iterable[str], cutoff: float) -> list[str]:
    """The candidates whose similarity to ``word`` could reach ``cutoff``: the ratio is 2M/(a+b), and M, the
    characters the two share, is at most a candidate's length less its characters that ``word`` lacks
    altogether. One C-level ``translate`` a candidate: only candidates that cannot match are dropped."""
    absent = dict.fromkeys(map(ord, word))
    size = len(word)
    return [c for c in candidates if c == word or 2.0 * (len(c) - len(c.translate(absent))) / (len(c) + size) >= cutoff]


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
