#!/usr/bin/env python3
"""Regenerates scorepy_cases.json: random gold/predicted alignments scored by Vecalign's score.py.

Usage: make_scorepy_cases.py PATH/TO/vecalign/score.py > scorepy_cases.json

score.py is imported from the given path and run unchanged; its `dp_utils` import is replaced by a
stand-in (only `score_multiple` and `_precision` are called), and numpy by a minimal stand-in when
numpy is not installed. Ids inside a bead are generated sorted, as Vecalign writes them.
"""

import importlib.util
import json
import random
import sys
import types


def install_stand_ins():
    sys.modules.setdefault("dp_utils", types.SimpleNamespace(read_alignments=None))
    try:
        import numpy  # noqa: F401
    except ImportError:
        class Counts(list):
            def __iadd__(self, other):
                for i, v in enumerate(other):
                    self[i] += v
                return self

        sys.modules["numpy"] = types.SimpleNamespace(
            array=lambda values, dtype=None: Counts(values), int32=int)


def load_score(path):
    spec = importlib.util.spec_from_file_location("vecalign_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SIZES = [(1, 1)] * 12 + [(1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 0), (0, 1), (2, 0), (0, 2)]


def monotone(rng, n_beads, sizes=SIZES):
    s = t = 0
    beads = []
    for _ in range(n_beads):
        a, b = rng.choice(sizes)
        beads.append((list(range(s, s + a)), list(range(t, t + b))))
        s, t = s + a, t + b
    return beads


def perturb(rng, gold):
    beads = [(list(x), list(y)) for x, y in gold]
    for _ in range(rng.randint(0, 6)):
        if len(beads) < 2:
            break
        i = rng.randrange(len(beads) - 1)
        op = rng.random()
        (x1, y1), (x2, y2) = beads[i], beads[i + 1]
        if op < 0.25:  # merge two neighbours
            beads[i:i + 2] = [(x1 + x2, y1 + y2)]
        elif op < 0.5 and len(x1) + len(y1) >= 2:  # split a bead
            beads[i:i + 1] = [(x1[:1], y1[:1]), (x1[1:], y1[1:])]
        elif op < 0.65 and y1:  # move a target sentence to the next bead
            beads[i:i + 2] = [(x1, y1[:-1]), (x2, y1[-1:] + y2)]
        elif op < 0.75 and x1 and y1:  # turn a bead into a deletion and an insertion
            beads[i:i + 1] = [(x1, []), ([], y1)]
        elif op < 0.85:  # repeat a bead
            beads.insert(i, beads[i])
        elif op < 0.92:  # a bead empty on both sides
            beads.insert(i, ([], []))
        else:  # a wrong link anywhere
            beads.append(([rng.randrange(12)], [rng.randrange(12)]))
    # Vecalign writes each side sorted and without repeats; pird's Bead keeps them so too.
    beads = [(sorted(set(x)), sorted(set(y))) for x, y in beads]
    return [b for b in beads if b[0] or b[1] or rng.random() < 0.5]


def scored(score, gold_list, test_list):
    pcounts = [0, 0, 0, 0]
    rcounts = [0, 0, 0, 0]
    for gold, test in zip(gold_list, test_list):
        p = score._precision(goldalign=gold, testalign=test)
        r = score._precision(goldalign=[b for b in test if b[0] and b[1]],
                             testalign=[b for b in gold if b[0] and b[1]])
        pcounts = [a + int(b) for a, b in zip(pcounts, p)]
        rcounts = [a + int(b) for a, b in zip(rcounts, r)]
    # Figures as repr() strings: Rust's str::parse::<f64> reads them back to the identical double.
    result = {k: repr(float(v)) for k, v in score.score_multiple(gold_list, test_list).items()}
    result["precision_counts"] = pcounts
    result["recall_counts"] = rcounts
    return result


def main():
    install_stand_ins()
    score = load_score(sys.argv[1])
    rng = random.Random(20240607)
    cases = []
    for case in range(200):
        documents = []
        for _ in range(rng.randint(1, 3)):
            kind = rng.random()
            gold = monotone(rng, rng.randint(0 if kind < 0.05 else 1, 12))
            if kind < 0.1:
                predicted = []
            elif kind < 0.25:
                predicted = monotone(rng, rng.randint(1, 12))
            else:
                predicted = perturb(rng, gold)
            documents.append({"gold": gold, "predicted": predicted})
        expected = scored(score, [d["gold"] for d in documents],
                          [d["predicted"] for d in documents])
        cases.append({"documents": documents, "expected": expected})
    json.dump({"generator": "make_scorepy_cases.py", "score_py": "thompsonb/vecalign score.py",
               "cases": cases}, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
