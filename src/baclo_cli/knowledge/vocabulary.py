"""The words the knowledge file may use (evidence levels, reference kinds, jurisdictions, dose-band kinds ...).

Plain tuples and no imports: the checker validates against them and the output contracts publish them, and
'baclo schema' need not import the checker (and its re, enum and typing) to print them.
"""

# The knowledge file's own format version (its 'schema' field): what this baclo reads.
SCHEMA_VERSION = 2

# How a fact is known; lets a reader tell a labelled fact from a case report.
EVIDENCE_LEVELS = (
    "label",
    "guideline",
    "regulatory",
    "monograph",
    "review",
    "meta-analysis",
    "rct",
    "cohort",
    "case-report",
    "preclinical",
    "article",
)

# What kind of source a reference is; lets a pharmacist weigh it and a script filter on it.
REFERENCE_KINDS = (
    "label",
    "regulator",
    "guideline",
    "systematic-review",
    "trial",
    "study",
    "case-report",
    "compendium",
    "manufacturer",
    "textbook",
    "consumer",
    "news",
)

# Where a reference applies (a label or a regulator's decision belongs to one jurisdiction); INT: international
# (WHO); EU: the EMA and its committees; FI: Finland (the Current Care guidelines).
JURISDICTIONS = ("US", "UK", "EU", "DE", "FR", "AU", "CA", "CH", "FI", "INT")

DOSE_BAND_KINDS = ("start", "usual", "max", "study", "toxicity", "avoid", "caution", "not-established")

DOSE_BAND_SETTINGS = ("hospital",)  # a ceiling that holds only under hospital supervision

POPULATIONS = ("any", "adult", "elderly", "child")

DOSE_UNITS = ("mg", "mcg", "mg/kg")  # mg/kg: per kg of body weight (children's bands)
