//! The monotonic bead alignment search: dynamic programming in a band, coarse to fine.
//!
//! Like Vecalign, the documents are first halved repeatedly (averaging neighbouring sentences)
//! until a full dynamic programme is small; its path is projected onto the next finer level and
//! widened by a window, and only that band is searched there. Work therefore grows linearly with
//! document length instead of with the product of the lengths.

use crate::bead_cost::{BeadCost, CostConfig};
use crate::overlap::Overlaps;
use crate::pair_score::Background;
use std::ops::Range;

/// One bead: a run of source sentences aligned with a run of target sentences (either may be empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bead {
    /// Source sentence indices.
    pub source: Range<usize>,
    /// Target sentence indices.
    pub target: Range<usize>,
}

impl Bead {
    /// The bead's shape as written in tables, e.g. `2-1`.
    pub fn shape(&self) -> String {
        format!("{}-{}", self.source.len(), self.target.len())
    }
}

/// Settings of the parallel aligner.
#[derive(Debug, Clone, PartialEq)]
pub struct ParallelConfig {
    /// Allowed bead shapes `(source sentences, target sentences)`.
    pub shapes: Vec<(usize, usize)>,
    /// Rows and columns added around the projected coarse path at each finer level.
    pub window: usize,
    /// Largest number of cells searched without going coarser.
    pub max_full_cells: usize,
    /// Cost normalisation and deletion penalty.
    pub cost: CostConfig,
}

impl Default for ParallelConfig {
    fn default() -> Self {
        Self {
            shapes: vec![
                (1, 0),
                (0, 1),
                (1, 1),
                (1, 2),
                (2, 1),
                (2, 2),
                (1, 3),
                (3, 1),
            ],
            window: 8,
            max_full_cells: 1 << 20,
            cost: CostConfig::default(),
        }
    }
}

/// A bead with its cost and the cosine of its two runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredBead {
    /// The bead.
    pub bead: Bead,
    /// Its cost in the search (lower is better).
    pub cost: f32,
    /// Cosine of the source run's and the target run's vectors (0 for deletions).
    pub cosine: f32,
}

/// Aligns two parallel documents monotonically; returns beads covering every sentence in order.
///
/// `reference` (sentences of other texts, in the same space as the runs) sets the cost's
/// normalisers and deletion penalty when given; see [`BeadCost::new`].
pub fn align_parallel(
    source: &Overlaps,
    target: &Overlaps,
    config: &ParallelConfig,
    reference: Option<&Background>,
) -> Vec<ScoredBead> {
    let (n, m) = (source.len(), target.len());
    if n == 0 || m == 0 {
        return deletions_only(n, m);
    }
    let band = if (n + 1) * (m + 1) <= config.max_full_cells {
        Band::full(n, m)
    } else {
        // Search the halved documents first; only shapes up to 2 make sense there.
        let coarse_source = Overlaps::by_summing(source.halved().view(), 2);
        let coarse_target = Overlaps::by_summing(target.halved().view(), 2);
        let coarse_config = ParallelConfig {
            shapes: vec![(1, 0), (0, 1), (1, 1), (1, 2), (2, 1)],
            ..config.clone()
        };
        let coarse = align_parallel(&coarse_source, &coarse_target, &coarse_config, reference);
        Band::around_coarse_path(&coarse, n, m, config.window)
    };
    let cost = BeadCost::new(source, target, config.cost, reference);
    let shapes: Vec<(usize, usize)> = config
        .shapes
        .iter()
        .copied()
        .filter(|&(a, b)| a <= source.max_len() && b <= target.max_len())
        .collect();
    let path = search(&band, &shapes, |a, b, i, j| cost.cost(a, b, i, j));
    path.into_iter()
        .map(|bead| {
            let (a, b) = (bead.source.len(), bead.target.len());
            let (i, j) = (bead.source.start, bead.target.start);
            ScoredBead {
                cost: cost.cost(a, b, i, j),
                cosine: cost.cosine(a, b, i, j),
                bead,
            }
        })
        .collect()
}

fn deletions_only(n: usize, m: usize) -> Vec<ScoredBead> {
    let source = (0..n).map(|i| Bead {
        source: i..i + 1,
        target: 0..0,
    });
    let target = (0..m).map(|j| Bead {
        source: n..n,
        target: j..j + 1,
    });
    source
        .chain(target)
        .map(|bead| ScoredBead {
            bead,
            cost: 0.0,
            cosine: 0.0,
        })
        .collect()
}

/// The cells searched: for each source position `i` in `0..=n`, target positions `lo[i]..=hi[i]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Band {
    lo: Vec<usize>,
    hi: Vec<usize>,
}

impl Band {
    fn full(n: usize, m: usize) -> Self {
        Self {
            lo: vec![0; n + 1],
            hi: vec![m; n + 1],
        }
    }

    /// The cells near a path found on the halved documents, widened by `window`.
    fn around_coarse_path(coarse: &[ScoredBead], n: usize, m: usize, window: usize) -> Self {
        let mut lo = vec![usize::MAX; n + 1];
        let mut hi = vec![0usize; n + 1];
        let (mut ci, mut cj) = (0usize, 0usize);
        for scored in coarse {
            let (ni, nj) = (ci + scored.bead.source.len(), cj + scored.bead.target.len());
            // The coarse step (ci, cj) → (ni, nj) covers these fine rows and columns.
            let rows = (2 * ci).min(n)..=(2 * ni).min(n);
            for r in rows {
                lo[r] = lo[r].min((2 * cj).min(m));
                hi[r] = hi[r].max((2 * nj).min(m));
            }
            (ci, cj) = (ni, nj);
        }
        // Widen by the window in both directions, then make both edges non-decreasing.
        let mut wide_lo = vec![0usize; n + 1];
        let mut wide_hi = vec![0usize; n + 1];
        for r in 0..=n {
            let rows = r.saturating_sub(window)..=(r + window).min(n);
            let min_lo = rows.clone().map(|k| lo[k]).min().unwrap_or(0);
            let max_hi = rows.map(|k| hi[k]).max().unwrap_or(m);
            wide_lo[r] = min_lo.min(m).saturating_sub(window);
            wide_hi[r] = (max_hi + window).min(m);
        }
        for r in (0..n).rev() {
            wide_lo[r] = wide_lo[r].min(wide_lo[r + 1]);
        }
        for r in 1..=n {
            wide_hi[r] = wide_hi[r].max(wide_hi[r - 1]);
        }
        wide_lo[0] = 0;
        wide_hi[n] = m;
        Self {
            lo: wide_lo,
            hi: wide_hi,
        }
    }

    fn contains(&self, i: usize, j: usize) -> bool {
        i < self.lo.len() && self.lo[i] <= j && j <= self.hi[i]
    }
}

/// The cheapest monotone path from (0, 0) to (n, m) inside `band` using `shapes`.
fn search(
    band: &Band,
    shapes: &[(usize, usize)],
    cost: impl Fn(usize, usize, usize, usize) -> f32,
) -> Vec<Bead> {
    let n = band.lo.len() - 1;
    let m = band.hi[n];
    let mut offsets = Vec::with_capacity(n + 2);
    offsets.push(0usize);
    for i in 0..=n {
        offsets.push(offsets[i] + band.hi[i] + 1 - band.lo[i].min(band.hi[i] + 1));
    }
    let cell = |i: usize, j: usize| offsets[i] + (j - band.lo[i]);
    let mut best = vec![f32::INFINITY; offsets[n + 1]];
    let mut choice = vec![u8::MAX; offsets[n + 1]];
    best[cell(0, 0)] = 0.0;
    for i in 0..=n {
        for j in band.lo[i]..=band.hi[i] {
            if i == 0 && j == 0 {
                continue;
            }
            let mut cheapest = f32::INFINITY;
            let mut pick = u8::MAX;
            for (s, &(a, b)) in shapes.iter().enumerate() {
                if a > i || b > j || !band.contains(i - a, j - b) {
                    continue;
                }
                let before = best[cell(i - a, j - b)];
                if before.is_infinite() {
                    continue;
                }
                let total = before + cost(a, b, i - a, j - b);
                if total < cheapest {
                    cheapest = total;
                    pick = s as u8;
                }
            }
            best[cell(i, j)] = cheapest;
            choice[cell(i, j)] = pick;
        }
    }
    let (mut i, mut j) = (n, m);
    let mut beads = Vec::new();
    while i > 0 || j > 0 {
        let pick = choice[cell(i, j)];
        assert!(
            pick != u8::MAX,
            "the band holds a path: 1-0 and 0-1 beads are always allowed"
        );
        let (a, b) = shapes[pick as usize];
        beads.push(Bead {
            source: i - a..i,
            target: j - b..j,
        });
        (i, j) = (i - a, j - b);
    }
    beads.reverse();
    beads
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// `n` random unit vectors in `dim` dimensions (seeded).
    fn vectors(n: usize, dim: usize, seed: u64) -> Array2<f32> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut v = Array2::from_shape_fn((n, dim), |_| rng.random_range(-1.0..1.0));
        crate::similarity::normalize_rows(&mut v);
        v
    }

    /// A target side made from `sentences` by merging the runs in `merges` and dropping `drops`.
    fn derived(
        sentences: &Array2<f32>,
        merges: &[usize],
        drops: &[usize],
    ) -> (Array2<f32>, Vec<Bead>) {
        let mut rows = Vec::new();
        let mut gold = Vec::new();
        let mut i = 0;
        while i < sentences.nrows() {
            if drops.contains(&i) {
                gold.push(Bead {
                    source: i..i + 1,
                    target: rows.len()..rows.len(),
                });
                i += 1;
                continue;
            }
            let len = if merges.contains(&i) && i + 1 < sentences.nrows() {
                2
            } else {
                1
            };
            let mut row = sentences.row(i).to_owned();
            if len == 2 {
                row += &sentences.row(i + 1);
            }
            gold.push(Bead {
                source: i..i + len,
                target: rows.len()..rows.len() + 1,
            });
            rows.push(row);
            i += len;
        }
        // A translation is close to its source, never identical.
        let noise = vectors(rows.len(), sentences.ncols(), 99);
        let mut out = Array2::zeros((rows.len(), sentences.ncols()));
        for (r, row) in rows.iter().enumerate() {
            out.row_mut(r).assign(&(row + &(&noise.row(r) * 0.1)));
        }
        crate::similarity::normalize_rows(&mut out);
        (out, gold)
    }

    fn beads(aligned: &[ScoredBead]) -> Vec<Bead> {
        aligned.iter().map(|s| s.bead.clone()).collect()
    }

    /// Asserts equal bead lists, showing only the beads that differ.
    fn assert_same_beads(found: &[Bead], gold: &[Bead]) {
        let extra: Vec<&Bead> = found.iter().filter(|b| !gold.contains(b)).collect();
        let missed: Vec<&Bead> = gold.iter().filter(|b| !found.contains(b)).collect();
        assert!(
            extra.is_empty() && missed.is_empty(),
            "found but not gold: {extra:?}\ngold but not found: {missed:?}"
        );
    }

    #[test]
    fn finds_merges_exactly() {
        let source = vectors(40, 128, 1);
        let (target, gold) = derived(&source, &[3, 10, 25], &[]);
        let aligned = align_parallel(
            &Overlaps::by_summing(source.view(), 3),
            &Overlaps::by_summing(target.view(), 3),
            &ParallelConfig::default(),
            None,
        );
        assert_same_beads(&beads(&aligned), &gold);
    }

    #[test]
    fn a_cheap_deletion_penalty_leaves_untranslated_sentences_out() {
        let source = vectors(40, 128, 1);
        let (target, gold) = derived(&source, &[3, 25], &[17, 33]);
        let config = ParallelConfig {
            cost: CostConfig {
                deletion_percentile: 0.0,
                ..CostConfig::default()
            },
            ..ParallelConfig::default()
        };
        let aligned = align_parallel(
            &Overlaps::by_summing(source.view(), 3),
            &Overlaps::by_summing(target.view(), 3),
            &config,
            None,
        );
        assert_same_beads(&beads(&aligned), &gold);
    }

    #[test]
    fn coarse_to_fine_search_matches_the_full_search() {
        let source = vectors(600, 128, 2);
        let merges: Vec<usize> = (5..600).step_by(37).collect();
        let (target, gold) = derived(&source, &merges, &[]);
        let (s, t) = (
            Overlaps::by_summing(source.view(), 2),
            Overlaps::by_summing(target.view(), 2),
        );
        let config = ParallelConfig {
            max_full_cells: 5_000,
            ..ParallelConfig::default()
        };
        assert_same_beads(&beads(&align_parallel(&s, &t, &config, None)), &gold);
    }

    #[test]
    fn empty_sides_give_deletions() {
        let source = Overlaps::by_summing(vectors(2, 4, 3).view(), 2);
        let target = Overlaps::by_summing(Array2::<f32>::zeros((0, 4)).view(), 2);
        let aligned = align_parallel(&source, &target, &ParallelConfig::default(), None);
        assert_eq!(
            aligned.iter().map(|s| s.bead.shape()).collect::<Vec<_>>(),
            ["1-0", "1-0"]
        );
    }

    #[test]
    fn coarse_band_contains_the_projected_path_and_is_monotone() {
        let coarse = vec![
            ScoredBead {
                bead: Bead {
                    source: 0..1,
                    target: 0..1,
                },
                cost: 0.0,
                cosine: 0.0,
            },
            ScoredBead {
                bead: Bead {
                    source: 1..3,
                    target: 1..2,
                },
                cost: 0.0,
                cosine: 0.0,
            },
        ];
        let band = Band::around_coarse_path(&coarse, 6, 4, 1);
        assert_eq!(band.lo[0], 0);
        assert_eq!(band.hi[6], 4);
        for r in 1..=6 {
            assert!(band.lo[r] >= band.lo[r - 1] && band.hi[r] >= band.hi[r - 1]);
        }
        assert!(band.contains(2, 2) && band.contains(6, 4));
    }
}
