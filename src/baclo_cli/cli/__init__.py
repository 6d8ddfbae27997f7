"""The CLI layer: the command table, the fast path, the Typer app built from the table, and the run loop.

Parses arguments and picks a renderer; holds no facts and no formatting."""
