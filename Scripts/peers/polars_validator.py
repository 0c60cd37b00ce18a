#!/usr/bin/env python3
"""Peer validator for Data Exchange files: polars, vectorised (no Python loop over records).

The same header resolution, per-cell rules and per-row cross-field rules as python_validator.py,
written as column expressions. Prints one JSON line:

    {"records": N, "errors": N, "warnings": N}

Usage: polars_validator.py FILE [--error-records] [--cells-only]   (needs polars: Scripts/bench-scan makes a venv)

--cells-only: the per-cell rules alone, the cheapest fair peer: no record-shape pass (a ragged
record is not found, so its cells are checked as polars pads or truncates them; records are the
non-blank rows) and no cross-field rules. Same output line.

How it reads the file:
  * the cells: pl.read_csv(FILE, infer_schema=False): every column a String; polars drops the
    UTF-8 byte-order mark and keeps blank lines as all-null rows;
  * the shape of each record (blank line? how many fields?): polars keeps no field count and
    pads short rows with nulls, so a second, raw read takes each physical line as one String and
    counts, with expressions, the commas outside quoted fields (a line starts inside quotes when
    the quotes before it are odd in number). A record whose field count differs from the header's
    is ragged: one error, and its cells are not checked.
  * a file that is not valid UTF-8 is decoded as Windows-1252 (one warning) and read from memory;
    a file with only CR line ends is read with eol_char='\r'.
Limits: a quote left open at the end of the file is refused by polars (it exits with polars' error);
a line holding the byte 0x1F may be miscounted by the raw read.
"""
import csv
import io
import sys

import polars as pl

from dxspec import (ALERT, CLEAR, CONTROL, COUNTRY, CURRENT_YEAR, DATE, DECIMAL, EMAIL, FUTURE_LIMIT, INTEGER, POSTAL,
                    REQUIRED_KEYS, SCIENTIFIC, SIGNED_DECIMAL, STATE, TIMEZONES, YEAR, anchored, load_spec,
                    resolve_header, run)

# The patterns shared with python_validator.py come from dxspec as text; here they are anchored
# (Rust regex: `$` is the end of the text).
EDGE_SPACE = r"^\s|\s$"
BAD_ID = "|".join((CONTROL, EDGE_SPACE, anchored(SCIENTIFIC)))   # one pass: a control, an edge space, or 1.2E+11
PHONE = r"^[+().\- ]*(?:[0-9][+().\- ]*){7,}$"          # the allowed characters, at least 7 digits
TIMEZONE_NAMES = sorted(TIMEZONES)

FALSE = pl.lit(False)


def matches(v, pattern):
    """v matches the whole of the (unanchored) pattern."""
    return v.str.contains(anchored(pattern))


def format_exprs(col, v):
    """(error, warning) boolean expressions for a non-blank, non-_CLEAR_ value within its length."""
    fmt = col["format"]
    if fmt == "id":
        return v.str.contains(BAD_ID), FALSE
    if fmt == "date":
        ok = matches(v, DATE) & ~v.str.starts_with("0000")
        parsed = v.str.to_date("%Y-%m-%d", strict=False)
        return ~ok | parsed.is_null(), parsed > pl.lit(FUTURE_LIMIT)
    if fmt in ("decimal", "signed-decimal", "integer", "state", "country", "email", "alert"):
        pattern = {"decimal": DECIMAL, "signed-decimal": SIGNED_DECIMAL, "integer": INTEGER, "state": STATE,
                   "country": COUNTRY, "email": EMAIL, "alert": ALERT}[fmt]
        return ~matches(v, pattern), FALSE
    if fmt in ("latitude", "longitude"):
        limit = 90.0 if fmt == "latitude" else 180.0
        return ~matches(v, SIGNED_DECIMAL) | (v.cast(pl.Float64, strict=False).abs() > limit), FALSE
    if fmt in ("enum", "flag"):
        allowed = [x.upper() for x in (col["values"] or (["Y", "N"] if fmt == "flag" else []))]
        return ~v.str.to_uppercase().is_in(allowed), FALSE
    if fmt == "postal":
        return FALSE, ~matches(v, POSTAL)
    if fmt == "phone":
        return FALSE, ~v.str.contains(PHONE)
    if fmt == "year":
        return ~matches(v, YEAR), v.cast(pl.Int64, strict=False) > CURRENT_YEAR
    if fmt == "timezone":
        return ~v.is_in(TIMEZONE_NAMES), FALSE
    return FALSE, FALSE                   # text, or a format this peer does not know


def cell_exprs(col, v):
    """(error, warning, usable) for one cell: blank, _CLEAR_, length, then the format."""
    blank = v == ""
    clear = v == CLEAR
    long = v.str.len_chars() > col["max_length"] if col["max_length"] is not None else FALSE
    fmt_err, fmt_warn = format_exprs(col, v)
    present = ~blank & ~clear & ~long
    err = (~blank & ~clear & long) | (present & fmt_err)
    if col["column"] in REQUIRED_KEYS:
        err = err | blank
    if col["clearable"].strip().lower() == "no":
        err = err | clear
    return err, present & fmt_warn, present & ~fmt_err


def first_record(source):
    """The header: the first non-blank CSV record (stdlib csv on the first lines only)."""
    raw = open(source, "rb") if isinstance(source, str) else io.BytesIO(source)
    with io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="") as f:
        for row in csv.reader(f):
            if row:
                return row
    return None


def line_end(source):
    """'\n' (LF or CRLF), or '\r' for a file with old Mac line ends (polars takes one end-of-line byte)."""
    if isinstance(source, str):
        with open(source, "rb") as f:
            head = f.read(1 << 16)
    else:
        head = source[:1 << 16]
    return "\r" if b"\r" in head and b"\n" not in head else "\n"


def record_shapes(source, eol):
    """One row per CSV record after the header: blank (a blank line) and fields (its cell count)."""
    lines = pl.read_csv(source, has_header=False, separator="\x1f", quote_char=None, schema={"line": pl.String},
                        truncate_ragged_lines=True, empty_string_is_null=False, eol_char=eol)
    line = pl.col("line").fill_null("")
    quotes = line.str.count_matches('"', literal=True)
    lines = lines.with_columns(line, quotes=quotes).with_columns(
        inside=((pl.col("quotes").cum_sum() - pl.col("quotes")) % 2) == 1)   # starts inside a quoted field
    commas = lines.select(n=line.str.count_matches(",", literal=True))["n"]
    # Lines with quotes, or inside them: count only the commas outside the quoted parts.
    quoted = lines.with_row_index("at").filter((pl.col("quotes") > 0) | pl.col("inside"))
    if quoted.height:
        text = pl.when(pl.col("inside")).then(pl.lit('"') + line).otherwise(line)
        outside = quoted.select(n=text.str.replace_all(r'"[^"]*"', "").str.replace(r'"[^"]*$', "")
                                .str.count_matches(",", literal=True))["n"]
        commas = commas.scatter(quoted["at"], outside)
    shapes = lines.select(record=(~pl.col("inside")).cum_sum(), commas=commas,
                          blank=(pl.col("line") == "") & ~pl.col("inside"))
    if quoted.height and quoted["inside"].any():             # records spanning lines: add them up
        shapes = shapes.group_by("record", maintain_order=True).agg(pl.col("commas").sum(), pl.col("blank").first())
    shapes = shapes.select(fields=pl.col("commas") + 1, blank="blank")
    header_at = shapes["blank"].arg_min()                    # the first non-blank record is the header
    if header_at is None or shapes["blank"][header_at]:
        return shapes.clear()
    return shapes.slice(header_at + 1)


def validate(source, spec, error_records=False, cells_only=False):
    counts = {"records": 0, "errors": 0, "warnings": 0, "error_records": 0}
    header = first_record(source)
    if not header:
        counts["errors"] = 1              # an empty file is a file-level error
        return counts
    resolved, errors, warnings = resolve_header(header, spec)
    ncols = len(header)
    eol = line_end(source)
    df = pl.read_csv(source, infer_schema=False, truncate_ragged_lines=True, columns=sorted(resolved) or [0],
                     with_column_names=lambda cols: [f"c{i}" for i in range(len(cols))], eol_char=eol)
    if cells_only:                        # blank lines come back as all-null rows
        df = df.filter(~pl.all_horizontal(pl.all().is_null()))
        records, ragged = df.height, 0
        return cell_counts(df, resolved, counts, records, ragged, errors, warnings, error_records, cells_only)
    shapes = record_shapes(source, eol)
    if shapes.height != df.height:
        raise SystemExit(f"polars_validator: {df.height} rows but {shapes.height} records: cannot align")
    shape = shapes.select(records=(~pl.col("blank")).sum(), ragged=(~pl.col("blank") & (pl.col("fields") != ncols)).sum())
    records, ragged = shape.row(0)
    if records != df.height or ragged:    # keep only the records whose cells are checked
        df = df.filter((~shapes["blank"]) & (shapes["fields"] == ncols))
    errors += ragged                      # a ragged record is one error; its cells are not checked
    return cell_counts(df, resolved, counts, records, ragged, errors, warnings, error_records, cells_only)


def cell_counts(df, resolved, counts, records, ragged, errors, warnings, error_records, cells_only):
    value = {c["column"]: pl.col(f"c{i}").fill_null("") for i, c in resolved.items()}
    errs, warns, usable = [], [], {}
    for i, col in resolved.items():
        e, w, u = cell_exprs(col, value[col["column"]])
        errs.append(e)
        warns.append(w)
        usable[col["column"]] = u

    # Row rules (cross-field).
    if "Endpoint_SN" in value and not cells_only:
        sn = value["Endpoint_SN"]
        type_blank = (value["Endpoint_Type"] == "") if "Endpoint_Type" in value else pl.lit(True)
        errs.append((sn != "") & (sn != CLEAR) & type_blank)
    for a, b in (("Meter_Removal_Date", "Meter_Install_Date"), ("Endpoint_Removal_Date", "Endpoint_Install_Date"),
                 ("SA_End_Date", "SA_Start_Date")):
        if a in value and b in value and not cells_only:
            errs.append(usable[a] & usable[b] & (value[a] < value[b]))
    if "Low_Read_Limit" in value and "High_Read_Limit" in value and not cells_only:
        lo, hi = (value[k].cast(pl.Float64, strict=False) for k in ("Low_Read_Limit", "High_Read_Limit"))
        errs.append(usable["Low_Read_Limit"] & usable["High_Read_Limit"] & (lo > hi))
    for la, lo in (("Location_Latitude", "Location_Longitude"), ("Service_Point_Latitude", "Service_Point_Longitude")):
        if la in value and lo in value and not cells_only:
            warns.append(usable[la] & usable[lo] & (value[la].cast(pl.Float64, strict=False) == 0)
                         & (value[lo].cast(pl.Float64, strict=False) == 0))

    # One sum per rule and column, all in one parallel select.
    sums = [e.sum().alias(f"e{k}") for k, e in enumerate(errs)] + [w.sum().alias(f"w{k}") for k, w in enumerate(warns)]
    if error_records:
        sums.append((pl.any_horizontal(errs) if errs else FALSE).sum().alias("any"))
    totals = df.lazy().select(sums).collect().row(0, named=True) if sums else {}
    counts.update(
        records=records,
        errors=errors + sum(int(v or 0) for k, v in totals.items() if k[0] == "e"),
        warnings=warnings + sum(int(v or 0) for k, v in totals.items() if k[0] == "w"),
        error_records=ragged + int(totals.get("any") or 0),
    )
    return counts


def validate_file(path, spec=None, error_records=False, cells_only=False):
    spec = spec or load_spec()
    try:
        return validate(path, spec, error_records, cells_only)
    except pl.exceptions.ComputeError as e:
        if "utf-8" not in str(e).lower() and "utf8" not in str(e).lower():
            raise
    with open(path, "rb") as f:           # not UTF-8: Windows-1252, one file-level warning
        data = f.read().decode("cp1252", errors="replace").encode("utf-8")
    counts = validate(data, spec, error_records, cells_only)
    counts["warnings"] += 1
    return counts


def main(argv):
    cells_only = "--cells-only" in argv   # dxspec.run knows only --error-records
    rest = [a for a in argv if a != "--cells-only"]
    return run(rest, __doc__, lambda path, error_records=False: validate_file(path, None, error_records, cells_only))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
