//! Length-sorted batching: sentences of similar length share a batch, so padding stays small.
//!
//! Batches are bounded by a token budget (rows × longest row) rather than a row count, so that
//! short sentences travel in large batches and long ones in small batches with the same memory.

/// Limits on one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Most padded tokens (rows × longest row) in one batch.
    pub token_budget: usize,
    /// Most sentences in one batch.
    pub max_rows: usize,
}

impl Default for BatchLimits {
    /// Measured on 2 CPU cores (scripts/bench-embed): larger budgets gain nothing there.
    fn default() -> Self {
        Self {
            token_budget: 4096,
            max_rows: 256,
        }
    }
}

/// Groups sentence indices into batches, longest sentences first, each within `limits`.
///
/// Every index of `lengths` appears in exactly one batch. A sentence longer than the budget
/// gets a batch of its own.
pub fn plan_batches(lengths: &[usize], limits: BatchLimits) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    // Longest first, so the largest allocation happens at once rather than at the end; ties
    // keep input order so that plans are deterministic.
    order.sort_by(|&a, &b| lengths[b].cmp(&lengths[a]).then(a.cmp(&b)));
    let mut batches: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut width = 0;
    for index in order {
        if current.is_empty() {
            width = lengths[index];
        }
        let fits = (current.len() + 1) * width.max(1) <= limits.token_budget
            && current.len() < limits.max_rows;
        if !current.is_empty() && !fits {
            batches.push(std::mem::take(&mut current));
            width = lengths[index];
        }
        current.push(index);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sentence_lands_in_exactly_one_batch_within_the_budget() {
        let lengths = [5, 70, 12, 12, 300, 40, 8, 71, 3, 38];
        let limits = BatchLimits {
            token_budget: 160,
            max_rows: 3,
        };
        let batches = plan_batches(&lengths, limits);
        let mut seen: Vec<usize> = batches.iter().flatten().copied().collect();
        seen.sort();
        assert_eq!(seen, (0..lengths.len()).collect::<Vec<_>>());
        for batch in &batches {
            let width = batch.iter().map(|&i| lengths[i]).max().unwrap();
            assert!(batch.len() <= 3);
            assert!(batch.len() == 1 || batch.len() * width <= 160, "{batch:?}");
        }
        // The 300-token sentence is over budget and travels alone, first.
        assert_eq!(batches[0], vec![4]);
        assert_eq!(batches[1], vec![7, 1]);
    }

    #[test]
    fn no_sentences_no_batches() {
        assert!(plan_batches(&[], BatchLimits::default()).is_empty());
    }
}
