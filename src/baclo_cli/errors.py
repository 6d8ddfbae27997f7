"""Domain errors. They are data until the CLI edge, which maps each to a message and an exit code."""

from __future__ import annotations

# Exit codes, documented in README.md ("Exit codes").
EXIT_NOT_FOUND = 1
EXIT_USAGE = 2
EXIT_DATA = 3
EXIT_ABOVE_LABEL = 4  # dose-check: above the ceiling that applies to the patient described
EXIT_WRITE = 5  # output or review progress could not be written (disk full, closed stdout)
EXIT_LABEL_CHANGED = 6  # labels --check: a cited label has a newer version on DailyMed, or is no longer listed
EXIT_LABEL_SERVICE = (
    7  # labels --check: DailyMed could not be asked (offline, DNS, refused, timeout) or its answer used
)
EXIT_INTERNAL = 70  # a bug: an error baclo did not expect (the property-based tests look for this)
EXIT_INTERRUPTED = 130


def debug_enabled() -> bool:
    """``BACLO_DEBUG=1`` (or true, yes, on) shows tracebacks; unset, empty, 0, false, no and off do not."""
    import os

    return os.environ.get("BACLO_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


class BacloError(Exception):
    """Base class; ``exit_code`` says how the CLI ends."""

    exit_code = EXIT_USAGE


class DataFileError(BacloError):
    """The knowledge file is missing, unreadable, malformed or schema-invalid."""

    exit_code = EXIT_DATA

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.message = message
        self.line = line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class UnknownTopic(BacloError):
    """A topic name that the knowledge file does not hold."""

    def __init__(self, name: str, known: list[str]) -> None:
        from baclo_cli.text import did_you_mean, listing, shorten

        self.name = name
        self.known = known
        hint = did_you_mean(name[:200], known)
        super().__init__(f"unknown topic '{shorten(name)}'{hint or '; known topics: ' + listing(known)}")


class NothingFound(BacloError):
    """A lookup that matched nothing (search with no hit, unknown glossary term)."""

    exit_code = EXIT_NOT_FOUND


class BadValue(BacloError):
    """An argument whose value makes no sense (a negative dose, an unknown field)."""


class LabelServiceError(BacloError):
    """``labels --check``: the label service could not be reached, or its answer could not be used."""

    exit_code = EXIT_LABEL_SERVICE
