"""The three claim-stance labels, defined once; every other module derives from this tuple.

Order matters (probability columns, confusion matrices, reports): asserted, disputed, speculative.
"""

LABELS: tuple[str, ...] = ("asserted", "disputed", "speculative")
LABEL2ID: dict[str, int] = {label: i for i, label in enumerate(LABELS)}
ID2LABEL: dict[int, str] = dict(enumerate(LABELS))

# Lines that carry no claim (bylines, credits, navigation) get this instead of a label.
NO_CLAIM = "no-claim"
