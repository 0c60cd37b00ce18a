"""What the two peer validators share: the column specification (where it is, how it is read, how
a file's header resolves against it), the key columns, the cell patterns, the dates the warnings
are measured against, and the command line (FILE [--error-records], one JSON line out).

Imported by python_validator.py and polars_validator.py, which are run as scripts: Python puts
the script's own folder (this one) first on sys.path, so `import dxspec` finds this file.
"""
import csv
import json
import os
import sys
import zoneinfo
from datetime import date, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# The column specification the ledger ships (its resource folder; the older Specification/ place
# is accepted too). DX_SPEC overrides it.
SPEC_CANDIDATES = [os.path.join(REPO, "Sources", "DataExchange", sub, "data-exchange-columns.csv")
                   for sub in ("Resources", "Specification")]
SPEC_PATH = os.environ.get("DX_SPEC") or next((p for p in SPEC_CANDIDATES if os.path.exists(p)), SPEC_CANDIDATES[0])

REQUIRED_KEYS = ("Account_ID", "Location_ID", "Service_Point_ID", "Meter_ID")
CLEAR = "_CLEAR_"

# The cell patterns, as text and unanchored: python_validator.py compiles them and takes a full
# match (re.fullmatch), polars_validator.py wraps them with anchored() for Rust regex. CONTROL is
# searched for anywhere in a cell. ASCII digits only. (Each peer keeps its own phone pattern.)
CONTROL = r"[\x00-\x1f\x7f-\x9f]"
SCIENTIFIC = r"[+-]?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]+"
DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
DECIMAL = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
SIGNED_DECIMAL = r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
INTEGER = r"[0-9]+"
STATE = r"[A-Za-z]{2}"
COUNTRY = r"[A-Za-z]{2,3}"
POSTAL = r"[0-9]{5}(?:-[0-9]{4})?|[A-Za-z][0-9][A-Za-z] [0-9][A-Za-z][0-9]"
EMAIL = r"[^@]+@[^@]+\.[^@]+"
YEAR = r"[0-9]{4}"
ALERT = r"0[1-9]|[1-9][0-9]"


def anchored(pattern):
    """The pattern matching a whole text only (in Rust regex `$` is the end of the text)."""
    return f"^(?:{pattern})$"


TODAY = date.today()
FUTURE_LIMIT = TODAY + timedelta(days=1)   # a date after this is a warning
CURRENT_YEAR = TODAY.year                  # a year after this is a warning
TIMEZONES = frozenset(zoneinfo.available_timezones())


def load_spec(path=SPEC_PATH):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["max_length"] = int(r["max_length"]) if r["max_length"].strip() else None
        r["aliases"] = [a.strip() for a in r["aliases"].split("|") if a.strip()]
        r["values"] = [v.strip() for v in r["values"].split("|") if v.strip()]
    return rows


def resolve_header(header, spec):
    """Header cells -> ({index: spec column}, file-level errors, warnings)."""
    by_name = {c["column"]: c for c in spec}
    by_alias = {a: c for c in spec for a in c["aliases"]}
    resolved, seen, errors, warnings = {}, set(), 0, 0
    for i, raw in enumerate(header):
        name = raw.replace("\ufeff", "").strip(" \t")
        col = by_name.get(name)
        if col is None:
            col = by_alias.get(name)
            warnings += 1                 # an alias (accepted, named the old way) or an unknown column
        if col is None:
            continue                      # unknown: ignored
        if col["column"] in seen:
            errors += 1                   # a repeated column: file-level error; the first one counts
            continue
        seen.add(col["column"])
        resolved[i] = col
    errors += sum(1 for k in REQUIRED_KEYS if k not in seen)  # a header without a key column
    return resolved, errors, warnings


def run(argv, usage, validate_file):
    """The command line of a peer: FILE [--error-records] -> one JSON line, exit status 0; anything
    else prints usage (the peer's docstring) to stderr, exit status 2.
    validate_file(path, error_records=bool) -> the counts (a dict; "error_records" read only when asked)."""
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 1 or any(a not in ("--error-records",) for a in argv if a.startswith("--")):
        print(usage.strip(), file=sys.stderr)
        return 2
    counts = validate_file(args[0], error_records="--error-records" in argv)
    out = {k: counts[k] for k in ("records", "errors", "warnings")}
    if "--error-records" in argv:
        out["error_records"] = counts["error_records"]
    print(json.dumps(out))
    return 0
