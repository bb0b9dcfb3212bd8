//! Parity with Vecalign's `score.py`: 200 random multi-document cases (many-to-many beads,
//! deletions, repeated beads, beads empty on both sides, empty predictions and empty gold) were
//! scored by `score.py` itself (`tests/data/make_scorepy_cases.py`); pird-eval must reproduce its
//! counts and its six figures exactly.

use pird_eval::{Bead, BeadCounts, BeadTally};
use serde_json::Value;

fn beads(value: &Value) -> Vec<Bead> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            let side = |i: usize| -> Vec<u32> {
                pair[i]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|id| id.as_u64().unwrap() as u32)
                    .collect()
            };
            Bead::new(side(0), side(1))
        })
        .collect()
}

/// score.py's counts `[tp_strict, fp_strict, tp_lax, fp_lax]` as [`BeadCounts`].
fn counts(value: &Value) -> BeadCounts {
    let c: Vec<u64> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(c[0] + c[1], c[2] + c[3]);
    BeadCounts {
        total: c[0] + c[1],
        strict_correct: c[0],
        lax_correct: c[2],
    }
}

#[test]
fn matches_score_py_exactly() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/scorepy_cases.json"
    ))
    .unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    let cases = data["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 200);
    for (i, case) in cases.iter().enumerate() {
        let mut tally = BeadTally::new();
        for document in case["documents"].as_array().unwrap() {
            tally.add_document(&beads(&document["predicted"]), &beads(&document["gold"]));
        }
        let expected = &case["expected"];
        assert_eq!(
            tally.precision,
            counts(&expected["precision_counts"]),
            "case {i}"
        );
        assert_eq!(tally.recall, counts(&expected["recall_counts"]), "case {i}");
        let s = tally.scores();
        let figures = [
            ("precision_strict", s.strict.precision),
            ("recall_strict", s.strict.recall),
            ("f1_strict", s.strict.f1),
            ("precision_lax", s.lax.precision),
            ("recall_lax", s.lax.recall),
            ("f1_lax", s.lax.f1),
        ];
        for (name, value) in figures {
            let want: f64 = expected[name].as_str().unwrap().parse().unwrap();
            assert_eq!(value, want, "case {i}: {name}");
        }
    }
}
