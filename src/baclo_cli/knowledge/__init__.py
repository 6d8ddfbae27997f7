"""The knowledge layer: read the YAML knowledge file, check it, and model it as typed objects (with a cache).

Imports nothing else of baclo but ``errors`` and ``text``."""
