"""The answers layer: pure functions from the knowledge model and a question to a ``Result`` (plain data).

Imports the knowledge layer; never the output or CLI layers."""

# Short names a user may type for a topic (also commands of their own: 'baclo pk').
TOPIC_ALIASES = {"pk": "pharmacokinetics"}

# Words a person types for a view of one topic: each a command of its own ('baclo renal'), showing the topic's
# rows that meet the conditions (--where, every one must hold). Queries, not facts: the rows are the file's.
VIEWS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "renal": ("dosing", ("population~renal",), "kidney function"),
    "kidney": ("dosing", ("population~renal",), "kidney function"),
    "dialysis": ("dosing", ("population~dialysis",), "dialysis"),
    "elderly": ("dosing", ("population~elderly",), "older adults"),
    "paediatric": ("dosing", ("population~paediatric",), "children"),
    "children": ("dosing", ("population~paediatric",), "children"),
    "contraindications": ("warnings", ("kind=contraindication",), "contraindications"),
    "boxed-warning": ("warnings", ("kind=boxed",), "the boxed warning"),
    "lactation": ("pregnancy", (), "pregnancy and lactation"),
    "breastfeeding": ("pregnancy", (), "pregnancy and lactation"),
    "brands": ("formulations", (), "brands and dosage forms"),
    "counselling": ("administration", (), "administration and counselling"),
    "missed-dose": ("administration", ("point~missed",), "a missed dose"),
    "storage": ("administration", ("point~stor",), "storage"),
    "feeding-tube": ("administration", ("advice~tube",), "giving it through a feeding tube"),
}
