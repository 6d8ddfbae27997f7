"""The answers layer: pure functions from the knowledge model and a question to a ``Result`` (plain data).

Imports the knowledge layer; never the output or CLI layers."""

# Short names a user may type for a topic (also commands of their own: 'baclo pk').
TOPIC_ALIASES = {"pk": "pharmacokinetics"}
