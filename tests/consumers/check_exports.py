"""Real consumers read what `pird export` wrote (run by scripts/check-exports).

usage: check_exports.py DTD CASE_DIR...

Each CASE_DIR holds `expected.jsonl` (the pairs the export must hold, one
{"src": …, "tgt": …, "score": …} per line, written by scripts/check-exports from the alignments
table with Python's own readers) and pird's exports of them: `pairs.tmx`, `pairs.jsonl` and the
Moses files `pairs.ckb` / `pairs.ar`. The checks:

- translate-toolkit's TMX reader loads every unit, with source language ckb and the right text
  on both sides (XML 1.0 cannot carry C0 control characters, so those are expected dropped);
- lxml validates the TMX against the TMX 1.4 DTD;
- Hugging Face `datasets` loads the JSONL as a translation data set with the same pairs;
- the two Moses files have as many lines as there are pairs (`wc -l`), with no tab in any line.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import datasets
from lxml import etree
from translate.storage import tmx

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MOSES_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85\u2028\u2029]")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def fail(case: Path, message: str) -> None:
    sys.exit(f"check-exports: {case.name}: {message}")


def check_case(case: Path, dtd: etree.DTD) -> int:
    # Split on "\n" only: the texts hold other line separators (U+2028, \r) on purpose.
    text = (case / "expected.jsonl").read_text(encoding="utf-8")
    expected = [json.loads(line) for line in text.split("\n") if line]

    store = tmx.tmxfile.parsefile(str(case / "pairs.tmx"))
    units = store.units
    if len(units) != len(expected):
        fail(case, f"translate-toolkit read {len(units)} TMX units, expected {len(expected)}")
    for i, (unit, pair) in enumerate(zip(units, expected)):
        langs = [node.get(XML_LANG) for node in unit.getlanguageNodes()]
        if langs != ["ckb", "ar"] or unit.getsourcelanguage() != "ckb":
            fail(case, f"TMX unit {i + 1}: languages {langs}, source {unit.getsourcelanguage()}")
        want = (XML_FORBIDDEN.sub("", pair["src"]), XML_FORBIDDEN.sub("", pair["tgt"]))
        if (unit.source, unit.target) != want:
            fail(case, f"TMX unit {i + 1}: {(unit.source, unit.target)!r} != {want!r}")

    document = etree.parse(str(case / "pairs.tmx"))
    if not dtd.validate(document):
        fail(case, f"TMX not valid against the TMX 1.4 DTD: {dtd.error_log.filter_from_errors()}")

    loaded = datasets.load_dataset("json", data_files=str(case / "pairs.jsonl"), split="train")
    if len(loaded) != len(expected):
        fail(case, f"datasets loaded {len(loaded)} rows, expected {len(expected)}")
    for i, (row, pair) in enumerate(zip(loaded, expected)):
        if row["translation"] != {"ckb": pair["src"], "ar": pair["tgt"]}:
            fail(case, f"JSONL row {i + 1}: {row['translation']!r}")
        if pair["score"] is not None and abs(row["score"] - pair["score"]) > 1e-6:
            fail(case, f"JSONL row {i + 1}: score {row['score']} != {pair['score']}")

    counts = [int(subprocess.run(["wc", "-l", str(case / f"pairs.{lang}")], capture_output=True,
                                 text=True, check=True).stdout.split()[0]) for lang in ("ckb", "ar")]
    if counts != [len(expected)] * 2:
        fail(case, f"Moses files have {counts} lines, expected {len(expected)} each")
    for lang, side in (("ckb", "src"), ("ar", "tgt")):
        lines = (case / f"pairs.{lang}").read_text(encoding="utf-8").split("\n")[:-1]
        for i, (line, pair) in enumerate(zip(lines, expected)):
            want = MOSES_BREAKS.sub(" ", pair[side].strip())
            if "\t" in line or line != want:
                fail(case, f"Moses {lang} line {i + 1}: {line!r} != {want!r}")
    print(f"check-exports: {case.name}: {len(expected)} pairs read back by translate-toolkit, lxml "
          f"(DTD valid), datasets and wc -l")
    return len(expected)


def main() -> None:
    datasets.disable_progress_bars()
    dtd = etree.DTD(sys.argv[1])
    for case in sys.argv[2:]:
        check_case(Path(case), dtd)


if __name__ == "__main__":
    main()
