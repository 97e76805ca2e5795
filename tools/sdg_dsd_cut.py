#!/usr/bin/env python3
"""Cut an SDMX-ML 2.1 structure message of the SDG DSD to the series and areas hri uses.

Usage (Python 3 standard library only):

    python3 tools/sdg_dsd_cut.py SDG_DSD.xml [--out data/sdg/SDG_DSD.cut.xml]
        [--series SL_TLF_UEM,...] [--areas 484,788] [--source "text"]

The whole message (all code lists, the concept scheme, the data structure definition
IAEG-SDGs:SDG) is copied byte for byte, except that the <Code> elements of CL_SERIES and
CL_AREA whose id is not kept are removed: those two lists hold about 1 700 codes that hri
never writes and make up most of the file. Nothing is added or changed but one XML comment
after the declaration that says where the file comes from. By default the series and areas
kept are those of data/sdg/codelists.csv (the codes that file takes from the same DSD).

After writing, the script parses both files and checks that the cut holds exactly the
same code lists, with every code of every other list and the kept codes of the two cut
lists, and that every kept code was in the source. A requested code that the source does
not hold is reported on stderr and the script exits with status 1 before writing anything
(a newer code, such as one of data/sdg/codelists_additions.csv, needs a newer DSD).
"""
import argparse
import csv
import os
import re
import sys
import xml.etree.ElementTree as ET

STR = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure}"
CUT = {"CL_SERIES": "series", "CL_AREA": "areas"}


def codes_by_list(path):
    """{codelist id: [code ids]} of a structure message."""
    root = ET.parse(path).getroot()
    return {
        cl.get("id"): [c.get("id") for c in cl.findall(STR + "Code")]
        for cl in root.iter(STR + "Codelist")
    }


def cut_list(text, cl_id, keep):
    """The message text with the codes of `cl_id` outside `keep` removed; the removed ids."""
    start = re.search(r'<(\w+:)?Codelist\b[^>]*\bid="%s"[^>]*>' % re.escape(cl_id), text)
    if start is None:
        sys.exit("no code list %s in the message" % cl_id)
    prefix = start.group(1) or ""
    end = text.find("</%sCodelist>" % prefix, start.end())
    body = text[start.end():end]
    removed = []
    code = re.compile(
        r'[ \t]*<%(p)sCode\b[^>]*\bid="([^"]*)"[^>]*?(?:/>|>.*?</%(p)sCode>)[ \t]*\r?\n?'
        % {"p": re.escape(prefix)},
        re.S,
    )

    def drop(m):
        if m.group(1) in keep:
            return m.group(0)
        removed.append(m.group(1))
        return ""

    body = code.sub(drop, body)
    return text[:start.end()] + body + text[end:], removed


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, "..", "data", "sdg")
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dsd", help="SDMX-ML 2.1 structure message holding IAEG-SDGs:SDG")
    p.add_argument("--out", default=os.path.join(data, "SDG_DSD.cut.xml"))
    p.add_argument("--series", help="comma-separated series codes to keep")
    p.add_argument("--areas", help="comma-separated M49 area codes to keep")
    p.add_argument("--source", default=None, help="where the source message comes from")
    a = p.parse_args()

    keep = {"series": set(), "areas": set()}
    with open(os.path.join(data, "codelists.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(r for r in f if not r.startswith("#")):
            if row["codelist"] in CUT:
                keep[CUT[row["codelist"]]].add(row["code"])
    if a.series:
        keep["series"] = set(a.series.split(","))
    if a.areas:
        keep["areas"] = set(a.areas.split(","))

    full = codes_by_list(a.dsd)
    missing = []
    for cl_id, what in CUT.items():
        missing += ["%s %s" % (cl_id, c) for c in sorted(keep[what] - set(full.get(cl_id, [])))]
    if missing:
        for m in missing:
            print("not in the source (kept codes must come from the DSD): " + m, file=sys.stderr)
        sys.exit(1)

    with open(a.dsd, encoding="utf-8") as f:
        text = f.read()
    for cl_id, what in CUT.items():
        text, _ = cut_list(text, cl_id, keep[what])
    note = "<!-- %s, cut by tools/sdg_dsd_cut.py: only <Code> elements of CL_SERIES and " \
           "CL_AREA outside %s and %s were removed; nothing else differs. -->\n" % (
               (a.source or os.path.basename(a.dsd)).replace("--", "-"),
               ",".join(sorted(keep["series"])), ",".join(sorted(keep["areas"])))
    decl = re.match(r"(\ufeff?<\?xml[^>]*\?>\r?\n?)", text)
    at = decl.end() if decl else 0
    text = text[:at] + note + text[at:]
    with open(a.out, "w", encoding="utf-8", newline="") as f:
        f.write(text)

    # The cut only removed codes: same lists, every other code, the kept codes.
    cut = codes_by_list(a.out)
    problems = []
    if sorted(full) != sorted(cut):
        problems.append("code lists differ: %s vs %s" % (sorted(full), sorted(cut)))
    for cl_id, codes in full.items():
        want = [c for c in codes if c in keep[CUT[cl_id]]] if cl_id in CUT else codes
        if cut.get(cl_id) != want:
            problems.append("%s: codes differ from the source" % cl_id)
    for m in problems:
        print("error: " + m, file=sys.stderr)
    print("%s: %d code lists, %d codes (source %d)" % (
        a.out, len(cut), sum(map(len, cut.values())), sum(map(len, full.values()))),
        file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
