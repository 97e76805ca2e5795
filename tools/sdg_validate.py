#!/usr/bin/env python3
"""Validate SDMX-CSV files against the SDG DSD with sdmxthon, an SDMX library independent of hri.

Usage:

    python3 tools/sdg_validate.py indicators.sdg.csv [...] [--dsd data/sdg/SDG_DSD.cut.xml]
        [--constraints data/sdg/CN_SDG_GLC.json] [--additions data/sdg/codelists_additions.csv]
        [--no-additions] [--json]

Needs sdmxthon (pip install "sdmxthon==2.6.11"; .ci/run installs it). Steps:

1. The structure message (--dsd, SDMX-ML 2.1) is read by sdmxthon with validation against
   the SDMX 2.1 XML schemas; sdmxthon's own metadata checks (MS01-MS07, MX01-MX02: a DSD,
   its code lists and concepts present) must report nothing.
2. The codes of --additions (codes newer than the DSD's 2019 code lists, each with the
   public copy it was checked in, see data/sdg/README.md) are added to the DSD's code lists
   of the same id; a code the DSD already holds is left as it is and reported. With
   --no-additions the DSD is used as it is.
3. The content constraints of --constraints (an SDMX-JSON 2.0 structure message, as the
   SDMX Global Registry gives them; role Allowed, cube regions) that are attached to the
   dataflow named in a file (DATAFLOW, or STRUCTURE_ID in SDMX-CSV 2.0) are attached to the
   DSD, so that sdmxthon checks them (SS10). A file whose dataflow has no constraint there
   is refused (exit 2): its dataflow is not known to belong to the SDG DSD.
4. Each file is read with sdmxthon's SDMX-CSV reader (1.0 or 2.0) and checked with
   sdmxthon's structural validation, `Dataset.structural_validation()`:
   SS01 every dimension present, SS02 the measure present and never empty, SS03 every
   mandatory attribute present, SS04 every coded value in its code list, SS05/SS06 no
   empty dimension or mandatory attribute value, SS07 no two observations with the same
   key, SS08 facets, SS09 time periods of the DSD's type, SS10 values allowed by the
   constraints. (sdmxthon does not check the Double type of OBS_VALUE nor report columns
   the DSD does not have; hri's own tests in tests/sdg.rs do.)

Prints every error (all levels, WARNING included) and exits 0 when no file has one, 1
when some file has, 2 when a file or the structure cannot be read. --json prints one JSON
object per file: {"file", "dataflow", "rows", "errors": [{"code", "level", "component",
"message", "rows"}], "notes"}.
"""
import argparse
import csv
import json
import os
import sys


def fail(msg):
    print("error: " + msg, file=sys.stderr)
    sys.exit(2)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, "..", "data", "sdg")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="+", help="SDMX-CSV files (1.0 or 2.0)")
    p.add_argument("--dsd", default=os.path.join(data, "SDG_DSD.cut.xml"))
    p.add_argument("--constraints", default=os.path.join(data, "CN_SDG_GLC.json"))
    p.add_argument("--additions", default=os.path.join(data, "codelists_additions.csv"))
    p.add_argument("--no-additions", action="store_true", help="use the DSD's code lists as they are")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    a = p.parse_args()

    try:
        from sdmxthon.api.api import read_sdmx
        from sdmxthon.model.definitions import ContentConstraint, CubeRegion, MemberSelection
        from sdmxthon.model.itemScheme import Code
        from sdmxthon.parsers.read import read_xml
    except ImportError as e:
        fail("sdmxthon is not installed (pip install \"sdmxthon==2.6.11\"): %s" % e)

    try:
        meta = read_xml(a.dsd, mode="Metadata", validate=True)
    except Exception as e:  # sdmxthon raises Exception on XML schema errors
        fail("%s: not a valid SDMX-ML structure message: %s" % (a.dsd, e))
    if meta.get("errors"):
        fail("%s: sdmxthon metadata errors: %s" % (a.dsd, meta["errors"]))
    dsds = meta.get("DataStructures") or {}
    sdg = [d for k, d in dsds.items() if k.startswith("IAEG-SDGs:SDG(")]
    if len(sdg) != 1:
        fail("%s: expected one IAEG-SDGs:SDG data structure, found %s" % (a.dsd, list(dsds)))
    dsd = sdg[0]

    notes = []
    # Code lists of the DSD by id (CL_SERIES, ...), as its components reference them.
    lists = {}
    for desc in (dsd.dimension_descriptor, dsd.attribute_descriptor):
        for comp in desc.components.values():
            rep = comp.representation
            if rep is not None and rep.codelist is not None and not isinstance(rep.codelist, str):
                lists[rep.codelist.id] = rep.codelist
    if not a.no_additions:
        with open(a.additions, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(r for r in f if not r.startswith("#")):
                cl = lists.get(row["codelist"])
                if cl is None:
                    fail("%s: code list %s is not used by %s" % (a.additions, row["codelist"], dsd.unique_id))
                if row["code"] in cl.items:
                    notes.append("%s %s is already in the DSD; the addition can go" % (row["codelist"], row["code"]))
                    continue
                cl.append(Code(id_=row["code"], name=row["name"]))
                notes.append("added %s %s (%s)" % (row["codelist"], row["code"], row["source"]))

    with open(a.constraints, encoding="utf-8") as f:
        cons = json.load(f)["data"].get("dataConstraints", [])
    by_flow = {}
    for c in cons:
        if c.get("role") != "Allowed":
            continue
        for urn in c.get("constraintAttachment", {}).get("dataflows", []):
            flow = urn.rsplit("=", 1)[1]
            by_flow.setdefault(flow, []).append(c)

    failed = False
    for path in a.files:
        try:
            msg = read_sdmx(path)
        except Exception as e:
            fail("%s: sdmxthon could not read it as SDMX-CSV: %s" % (path, e))
        for flow, ds in msg.payload.items():
            if flow not in by_flow:
                fail("%s: dataflow %s has no constraint in %s (known: %s)" % (path, flow, a.constraints, sorted(by_flow)))
            if dsd.constraints:
                dsd.constraints.clear()
            for c in by_flow[flow]:
                regions = []
                for r in c.get("cubeRegions", []):
                    if not r.get("include", True):
                        fail("%s: excluded cube regions are not supported" % c["id"])
                    members = [MemberSelection(True, values_for=kv["id"], sel_value=[v["value"] for v in kv["values"]])
                               for kv in r["keyValues"]]
                    regions.append(CubeRegion(is_included=True, member=members))
                dsd.add_constraint(ContentConstraint(id_=c["id"], version=c["version"], role="Allowed",
                                                     dataContentRegion=regions))
            ds.structure = dsd
            errors = ds.structural_validation()
            out = [{"code": e["Code"], "level": e["ErrorLevel"], "component": e["Component"],
                    "message": e["Message"], "rows": len(e["Rows"] or [])} for e in errors]
            failed |= bool(out)
            if a.json:
                print(json.dumps({"file": path, "dataflow": flow, "rows": len(ds.data), "errors": out,
                                  "notes": notes}))
            else:
                print("%s: %s, %d rows, %d errors" % (path, flow, len(ds.data), len(out)))
                for e in out:
                    print("  %(code)s %(level)s %(component)s: %(message)s (%(rows)d rows)" % e)
    if not a.json:
        for n in notes:
            print("note: " + n)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
