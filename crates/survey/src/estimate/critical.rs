//! The critical values of a table's intervals, each distinct number of degrees of freedom
//! computed once. A t quantile takes microseconds (statrs' inverse, polished on the CDF) and
//! a table's domains share far fewer distinct df than it has rows, so the quantiles are
//! found up front, on every core, and looked up per row.

use std::collections::HashMap;

use super::parallel::map;
use super::request::{DfMethod, Request};
use crate::interval;

/// Distinct df from which the quantiles are found on several threads.
const PARALLEL_DFS: usize = 16;

/// A request's critical values (its level, its df method) for a set of design degrees of
/// freedom, as [`interval::critical_value`] gives them.
#[derive(Debug, Clone)]
pub(crate) struct CriticalValues {
    level: f64,
    method: DfMethod,
    by_df: HashMap<u64, f64>,
}

/// The map key of a df: its bits, `u64::MAX` for the normal distribution (df are counts
/// or their differences, never that NaN pattern).
fn key(df: Option<f64>) -> u64 {
    df.map_or(u64::MAX, f64::to_bits)
}

impl CriticalValues {
    /// The critical values of `req` for every design df in `dfs`.
    pub fn new(req: &Request, dfs: impl IntoIterator<Item = f64>) -> Self {
        let (level, method) = (req.level, req.df);
        let mut keys: Vec<u64> = match method {
            DfMethod::Design => dfs.into_iter().map(|df| key(Some(df))).collect(),
            DfMethod::Infinite => vec![key(None)],
        };
        keys.sort_unstable();
        keys.dedup();
        let values = map(&keys, keys.len() >= PARALLEL_DFS, &|&k| {
            let df = (k != u64::MAX).then(|| f64::from_bits(k));
            interval::critical_value(level, df)
        });
        CriticalValues {
            level,
            method,
            by_df: keys.into_iter().zip(values).collect(),
        }
    }

    /// The df of the reference distribution for design df `df`: `None` (the normal
    /// distribution) under [`DfMethod::Infinite`].
    pub fn df(&self, df: f64) -> Option<f64> {
        match self.method {
            DfMethod::Design => Some(df),
            DfMethod::Infinite => None,
        }
    }

    /// The critical value for design df `df` (computed now when `df` was not among those
    /// given).
    pub fn get(&self, df: f64) -> f64 {
        let df = self.df(df);
        match self.by_df.get(&key(df)) {
            Some(&q) => q,
            None => interval::critical_value(self.level, df),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every df given, and one that was not, gives what `critical_value` gives, bit for
    /// bit, under both df methods.
    #[test]
    fn looked_up_values_equal_computed_ones() {
        let dfs: Vec<f64> = (0..40)
            .map(|k| match k % 5 {
                0 => 0.0,
                _ => f64::from(k % 23) + 0.5 * f64::from(k % 2),
            })
            .collect();
        for (method, level) in [(DfMethod::Design, 0.95), (DfMethod::Infinite, 0.9)] {
            let req = Request {
                level,
                df: method,
                ..Request::default()
            };
            let table = CriticalValues::new(&req, dfs.iter().copied());
            for df in dfs.iter().copied().chain([1234.0, -1.0]) {
                let reference = match method {
                    DfMethod::Design => Some(df),
                    DfMethod::Infinite => None,
                };
                let (got, want) = (table.get(df), interval::critical_value(level, reference));
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{method:?}, df {df}: {got} against {want}"
                );
            }
        }
        let req = Request {
            level: 0.95,
            ..Request::default()
        };
        let table = CriticalValues::new(&req, [0.0, 10.0]);
        assert!(table.get(0.0).is_nan());
        assert!((table.get(10.0) - 2.228_138_851_986_273_5).abs() < 1e-14);
    }
}
