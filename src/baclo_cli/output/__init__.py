"""The output layer: renderers that turn a ``Result`` into text in each format, tables, pager, JSON contracts.

Imports the layers below; never the CLI layer or Typer."""

# The output formats, in the order help lists them. Every list of formats (the command table, the tests)
# is this one.
FORMATS = ("table", "json", "ndjson", "yaml", "csv", "tsv", "markdown", "plain")
