#!/usr/bin/env python3
"""Peer validator for Data Exchange files: plain Python 3, stdlib `csv`, one record at a time.

A reference point for `ledger scan`: it applies the specification's header resolution, per-cell
rules and per-row cross-field rules (no state across rows, no database) and prints one JSON line:

    {"records": N, "errors": N, "warnings": N}

Usage: python_validator.py FILE [--error-records]

--error-records adds "error_records" (records with at least one error) to the JSON line.
The rules are kept identical to polars_validator.py; the two must report the same counts.

Where the specification leaves room, these peers take:
  * header: names trimmed of spaces, tabs and a BOM, then matched exactly; an alias or an unknown
    column is one warning; a repeated column, and each missing key column (Account_ID, Location_ID,
    Service_Point_ID, Meter_ID; Endpoint_SN may be absent), is one file-level error, and the
    records are still checked (the first of repeated columns counts).
  * a cell: blank means empty (""); then `_CLEAR_` (exact case); then the length; then the format.
    A cell yields at most one exception. Ragged records: one error, cells not checked.
  * id: no C0/C1 control character, no whitespace at either end, not [+-]digits[.digits]E[+-]digits.
  * decimal: digits with at most one dot and at least one digit ("12", "0.5", ".5", "5.");
    latitude/longitude: an optionally negative decimal within the range.
  * postal: Canadian with its space ("A1A 1A1", either case); date: years 0001-9999.
  * row rules (errors): Endpoint_Type blank while Endpoint_SN is given (neither blank nor
    `_CLEAR_`); a removal date before the install date, for the meter and for the endpoint;
    SA_End_Date before SA_Start_Date; Low_Read_Limit above High_Read_Limit. Warnings: 0 and 0 as
    latitude and longitude (location, service point), a date after tomorrow, a year after this one.
    Row rules compare only values that passed their own checks.
  * not here (they need state or other records): not-empty and recommended on creation,
    one endpoint on two registers, a register twice with different values.
"""
import csv
import re
import sys
from datetime import date

import dxspec
from dxspec import CLEAR, CURRENT_YEAR, FUTURE_LIMIT, REQUIRED_KEYS, TIMEZONES, load_spec, resolve_header, run

# Cell status. VALID and WARN leave a usable value for the row rules; EMPTY is blank or a
# permitted _CLEAR_ (nothing to check, nothing to compare).
VALID, WARN, ERR, EMPTY = 0, 1, 2, 3

# The patterns shared with polars_validator.py (dxspec keeps their text), compiled for fullmatch;
# PHONE is this peer's own. ASCII digits only.
CONTROL = re.compile(dxspec.CONTROL)
SCIENTIFIC = re.compile(dxspec.SCIENTIFIC)
DATE = re.compile(dxspec.DATE)
DECIMAL = re.compile(dxspec.DECIMAL)
SIGNED_DECIMAL = re.compile(dxspec.SIGNED_DECIMAL)
INTEGER = re.compile(dxspec.INTEGER)
STATE = re.compile(dxspec.STATE)
COUNTRY = re.compile(dxspec.COUNTRY)
POSTAL = re.compile(dxspec.POSTAL)
EMAIL = re.compile(dxspec.EMAIL)
PHONE = re.compile(r"[0-9+().\- ]+")
YEAR = re.compile(dxspec.YEAR)
ALERT = re.compile(dxspec.ALERT)


# --- formats: each returns a function value -> VALID / WARN / ERR (value is non-blank, not _CLEAR_)

def _text(col):
    return lambda v: VALID


def _id(col):
    def check(v):
        if CONTROL.search(v) or v[0].isspace() or v[-1].isspace() or SCIENTIFIC.fullmatch(v):
            return ERR
        return VALID
    return check


def _date(col):
    def check(v):
        if not DATE.fullmatch(v):
            return ERR
        try:
            d = date(int(v[0:4]), int(v[5:7]), int(v[8:10]))
        except ValueError:
            return ERR
        return WARN if d > FUTURE_LIMIT else VALID
    return check


def _regex(pattern, failure=ERR):
    def make(col):
        match = pattern.fullmatch
        return lambda v: VALID if match(v) else failure
    return make


def _degrees(limit):
    def make(col):
        def check(v):
            if not SIGNED_DECIMAL.fullmatch(v):
                return ERR
            return VALID if -limit <= float(v) <= limit else ERR
        return check
    return make


def _enum(col):
    allowed = frozenset(v.upper() for v in (col["values"] or (["Y", "N"] if col["format"] == "flag" else [])))
    return lambda v: VALID if v.upper() in allowed else ERR


def _phone(col):
    def check(v):
        if PHONE.fullmatch(v) and sum(1 for c in v if "0" <= c <= "9") >= 7:
            return VALID
        return WARN
    return check


def _year(col):
    def check(v):
        if not YEAR.fullmatch(v):
            return ERR
        return WARN if int(v) > CURRENT_YEAR else VALID
    return check


def _timezone(col):
    return lambda v: VALID if v in TIMEZONES else ERR


FORMATS = {
    "id": _id, "text": _text, "date": _date,
    "decimal": _regex(DECIMAL), "signed-decimal": _regex(SIGNED_DECIMAL), "integer": _regex(INTEGER),
    "latitude": _degrees(90.0), "longitude": _degrees(180.0),
    "enum": _enum, "flag": _enum, "state": _regex(STATE), "country": _regex(COUNTRY),
    "postal": _regex(POSTAL, WARN), "email": _regex(EMAIL), "phone": _phone,
    "year": _year, "timezone": _timezone, "alert": _regex(ALERT),
}


def make_check(col):
    """value -> status: blank, _CLEAR_, length, then the format."""
    fmt = FORMATS.get(col["format"], _text)(col)
    maxlen = col["max_length"]
    blank = ERR if col["column"] in REQUIRED_KEYS else EMPTY
    clear = EMPTY if col["clearable"].strip().lower() != "no" else ERR

    def check(v):
        if not v:
            return blank
        if v == CLEAR:
            return clear
        if maxlen is not None and len(v) > maxlen:
            return ERR
        return fmt(v)
    return check


def validate(rows, spec):
    """rows: an iterator of lists of cells (the csv reader). Returns the counts."""
    counts = {"records": 0, "errors": 0, "warnings": 0, "error_records": 0}
    header = None
    for header in rows:
        if header:
            break
    if not header:
        counts["errors"] = 1              # an empty file is a file-level error
        return counts
    resolved, errors, warnings = resolve_header(header, spec)
    ncols = len(header)
    checks = [(i, make_check(c)) for i, c in resolved.items()]
    pos = {c["column"]: i for i, c in resolved.items()}
    # Row rules: index of each column taking part, or None when the header lacks it.
    sn, etype = pos.get("Endpoint_SN"), pos.get("Endpoint_Type")
    before_pairs = [(pos[a], pos[b]) for a, b in (("Meter_Removal_Date", "Meter_Install_Date"),
                                                   ("Endpoint_Removal_Date", "Endpoint_Install_Date"),
                                                   ("SA_End_Date", "SA_Start_Date"))
                    if a in pos and b in pos]
    limits = (pos["Low_Read_Limit"], pos["High_Read_Limit"]) if "Low_Read_Limit" in pos and "High_Read_Limit" in pos else None
    islands = [(pos[a], pos[b]) for a, b in (("Location_Latitude", "Location_Longitude"),
                                              ("Service_Point_Latitude", "Service_Point_Longitude"))
               if a in pos and b in pos]
    ordered = [i for i, _ in checks]
    slot = {i: k for k, i in enumerate(ordered)}      # column index -> position in `status`

    records = error_records = 0
    for row in rows:
        if not row:
            continue                      # blank line
        records += 1
        if len(row) != ncols:
            errors += 1                   # ragged row: its cells are not checked
            error_records += 1
            continue
        status = [check(row[i]) for i, check in checks]
        e = status.count(ERR)
        w = status.count(WARN)
        if sn is not None:
            v = row[sn]
            if v and v != CLEAR and (etype is None or not row[etype]):
                e += 1                    # Endpoint_Type is required whenever Endpoint_SN is given
        for a, b in before_pairs:
            if status[slot[a]] < ERR and status[slot[b]] < ERR and row[a] < row[b]:
                e += 1                    # removal/end before install/start (ISO dates compare as text)
        if limits is not None:
            lo, hi = limits
            if status[slot[lo]] < ERR and status[slot[hi]] < ERR and float(row[lo]) > float(row[hi]):
                e += 1
        for la, lo in islands:
            if status[slot[la]] < ERR and status[slot[lo]] < ERR and float(row[la]) == 0 and float(row[lo]) == 0:
                w += 1                    # null island
        errors += e
        warnings += w
        if e:
            error_records += 1
    counts.update(records=records, errors=errors, warnings=warnings, error_records=error_records)
    return counts


def validate_file(path, spec=None):
    """UTF-8 (with or without a BOM); a file that is not valid UTF-8 is read again as Windows-1252
    with one file-level warning."""
    spec = spec or load_spec()
    csv.field_size_limit(sys.maxsize)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            return validate(csv.reader(f), spec)
    except UnicodeDecodeError:
        with open(path, newline="", encoding="cp1252", errors="replace") as f:
            counts = validate(csv.reader(f), spec)
        counts["warnings"] += 1
        return counts


def main(argv):
    return run(argv, __doc__, lambda path, error_records: validate_file(path))   # error_records: always counted here


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
