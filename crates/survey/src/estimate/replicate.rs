//! Replicate-weight variances (BRR, Fay, JK1, JKn, bootstrap, SDR), as R's `svrVar`:
//! `scale · Σ_r rscales_r (θ_r − θ̄)²`, centred on the replicates' mean, or on the
//! full-sample estimate with `mse`. Replicate totals are accumulated per domain cell in the
//! same pass as the full-sample totals, never one scan per replicate.
//!
//! Both rest on each row's pattern: its replicate weights divided by its full weight. In
//! the usual designs (bootstrap, jackknife, BRR) the rows of a PSU share one, and survey
//! files keep them together: a row whose replicate weights are proportional to those of
//! the row before (up to the rounding of the products) takes its pattern without a
//! lookup. The totals add a run's rows per cell with their full weights and spread the
//! sums over the replicates once per run.
//!
//! Degrees of freedom follow R's `degf`: the rank of the domain's replicate weight matrix
//! minus one. The rank is found without a dense QR of all rows: duplicate patterns are
//! dropped, and the distinct patterns of a domain enter a Gram–Schmidt basis one by one (a
//! pattern whose residual is below 1e-7 of its norm adds nothing), stopping as soon as the
//! rank reaches the number of replicates.

use polars::prelude::DataFrame;

use super::columns::numeric;
use super::measures::MeasureData;
use super::prepare::check_weights;
use super::values::Values;
use crate::design::{ReplicateColumns, Replicates};
use crate::error::{Error, Result};

/// Replicate weights read from the data.
pub(crate) struct ReplicateData {
    /// One column of analysis weights per replicate.
    pub cols: Vec<polars_buffer::Buffer<f64>>,
    /// Overall scale.
    pub scale: f64,
    /// Per-replicate scales.
    pub rscales: Vec<f64>,
    /// Centre on the full-sample estimate.
    pub mse: bool,
    /// User-given degrees of freedom.
    pub df: Option<f64>,
    /// Distinct patterns of the rows: replicate weights over the full weight (the
    /// replicate weights themselves where the full weight is 0), `n_rep` values each.
    pub patterns: Vec<f64>,
    /// Per row: its pattern.
    pub pattern: Vec<u32>,
}

/// Read and check replicate weights; `w` are the full-sample weights.
pub(crate) fn replicate_data(df: &DataFrame, r: &Replicates, w: &[f64]) -> Result<ReplicateData> {
    let names: Vec<String> = match &r.columns {
        ReplicateColumns::Prefix(p) => df
            .get_column_names()
            .into_iter()
            .filter(|c| c.starts_with(p.as_str()))
            .map(|c| c.to_string())
            .collect(),
        ReplicateColumns::List(l) => l.clone(),
    };
    if names.is_empty() {
        return Err(Error::Replicate(match &r.columns {
            ReplicateColumns::Prefix(p) => format!("no column starts with the prefix `{p}`"),
            ReplicateColumns::List(_) => "the list of replicate columns is empty".into(),
        }));
    }
    let n_rep = names.len();
    let rscales = match &r.rscales {
        Some(v) if v.len() != n_rep => {
            return Err(Error::Replicate(format!(
                "{} rscales given for {} replicate columns",
                v.len(),
                n_rep
            )));
        }
        Some(v) => v.clone(),
        None => {
            if r.kind == crate::design::ReplicateKind::Jkn {
                return Err(Error::Replicate(
                    "JKn replicates need rscales ((n_h - 1) / n_h for each replicate)".into(),
                ));
            }
            vec![1.0; n_rep]
        }
    };
    let scale = match r.scale {
        Some(s) => s,
        None => r
            .kind
            .default_scale(n_rep)
            .ok_or_else(|| Error::Replicate("no default scale for this replicate type".into()))?,
    };
    let mut cols = Vec::with_capacity(n_rep);
    for name in &names {
        let c = numeric(df, name, "replicate weight")?;
        check_weights(&c, name, 0)?;
        cols.push(c);
    }
    let (patterns, pattern) = patterns(&cols, w);
    Ok(ReplicateData {
        cols,
        scale,
        rscales,
        mse: r.mse,
        df: r.df,
        patterns,
        pattern,
    })
}

/// Relative difference up to which two rows' cross-multiplied replicate and full weights
/// count as proportional: a few roundings (replicate weights are usually computed as a
/// factor times the full weight). Each row is compared with the row before, so along a run
/// of L rows a pattern stands for replicate weights within 8·L ulp of the true ones (about
/// 4e-14 relative for a PSU of 25 persons).
const PRODUCT_ROUNDING: f64 = 8.0 * f64::EPSILON;

/// Each row's replicate weights over its full weight (the replicate weights themselves
/// where the full weight is 0): the distinct patterns (flat, `cols.len()` values each) and
/// each row's pattern. Rows of one PSU share a pattern in the usual replicate designs
/// (bootstrap, jackknife, BRR), and follow each other in survey files: a row equal to the
/// one before is not looked up again.
fn patterns(cols: &[polars_buffer::Buffer<f64>], w: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let r_n = cols.len();
    let n = w.len();
    // Rows with the pattern of the row before: replicate weights proportional to the full
    // weights up to the rounding of the products that made them (cross-multiplied, column
    // by column, no division), or equal ones where a full weight is 0.
    let mut same = vec![true; n];
    if let Some(first) = same.first_mut() {
        *first = false;
    }
    if n > 1 {
        let positive: Vec<bool> = w[1..]
            .iter()
            .zip(w)
            .map(|(a, b)| *a > 0.0 && *b > 0.0)
            .collect();
        for c in cols {
            let pairs = c[1..].iter().zip(c.iter()).zip(w[1..].iter().zip(w));
            for ((s, &pos), ((ci, cj), (wi, wj))) in same[1..].iter_mut().zip(&positive).zip(pairs)
            {
                let (a, b) = (ci * wj, cj * wi);
                let proportional = (a - b).abs() <= PRODUCT_ROUNDING * a.abs();
                let equal = (wi == wj) & (ci == cj);
                *s &= (pos & proportional) | (!pos & equal);
            }
        }
    }
    let mut ids: foldhash::HashMap<Vec<u64>, u32> = foldhash::HashMap::default();
    let mut patterns: Vec<f64> = Vec::new();
    let mut pattern = vec![0u32; n];
    let mut buf = vec![0.0; r_n];
    for i in 0..n {
        if same[i] {
            pattern[i] = pattern[i - 1];
            continue;
        }
        let wi = w[i];
        for (k, col) in cols.iter().enumerate() {
            buf[k] = if wi > 0.0 { col[i] / wi } else { col[i] };
        }
        let key: Vec<u64> = buf.iter().map(|x| x.to_bits()).collect();
        let next = (patterns.len() / r_n.max(1)) as u32;
        pattern[i] = *ids.entry(key).or_insert_with(|| {
            patterns.extend_from_slice(&buf);
            next
        });
    }
    (patterns, pattern)
}

impl ReplicateData {
    /// Calibrate every replicate: replicate `k`'s weights times `g(k, weights)`, and the
    /// rows' patterns again over the calibrated full-sample weights `w` (R's
    /// `calibrate.svyrep.design`: each replicate calibrated to the same totals).
    pub(crate) fn calibrate(
        &mut self,
        w: &[f64],
        g: impl Fn(usize, &[f64]) -> Result<Vec<f64>>,
    ) -> Result<()> {
        for (k, col) in self.cols.iter_mut().enumerate() {
            let gk = g(k, col.as_slice())?;
            let calibrated: Vec<f64> = col.iter().zip(&gk).map(|(a, b)| a * b).collect();
            *col = polars_buffer::Buffer::from(calibrated);
        }
        (self.patterns, self.pattern) = patterns(&self.cols, w);
        Ok(())
    }

    /// Per (cell, measure): Σw_r, Σw_r·y and Σw_r·x over the rows of `order`, each a run of
    /// `n_rep` values (replicate r at offset r).
    ///
    /// A row's replicate weights are its full weight times its pattern: the rows of a run
    /// with one pattern (a PSU) are added up per cell with their full weights, and each
    /// cell's sums are then spread over the replicates once, instead of every row once per
    /// replicate. Rows of full weight 0 add their replicate weights directly.
    pub(crate) fn accumulate(
        &self,
        weights: &Values,
        measures: &[MeasureData],
        n_cells: usize,
        order: &[(u64, u32)],
    ) -> Vec<f64> {
        let m = measures.len();
        let r_n = self.cols.len();
        let c = n_cells as u64;
        let mut acc = vec![0.0; n_cells * m * 3 * r_n];
        // The current run's sums per (cell, measure): Σw, Σw·y, Σw·x.
        let mut sums = vec![0.0; n_cells * m * 3];
        let mut seen = vec![false; n_cells];
        let mut touched: Vec<usize> = Vec::new();
        let flush = |run: u32,
                     acc: &mut [f64],
                     sums: &mut [f64],
                     seen: &mut [bool],
                     touched: &mut Vec<usize>| {
            let ratio = &self.patterns[run as usize * r_n..(run as usize + 1) * r_n];
            for &cell in touched.iter() {
                seen[cell] = false;
                for (k, &v) in sums[cell * m * 3..(cell + 1) * m * 3].iter().enumerate() {
                    if v != 0.0 {
                        let at = (cell * m * 3 + k) * r_n;
                        for (a, q) in acc[at..at + r_n].iter_mut().zip(ratio) {
                            *a += q * v;
                        }
                    }
                }
                sums[cell * m * 3..(cell + 1) * m * 3].fill(0.0);
            }
            touched.clear();
        };
        let mut run: Option<u32> = None;
        for &(key, i) in order {
            let i = i as usize;
            let cell = (key % c) as usize;
            let w = weights[i];
            if w == 0.0 {
                for (mi, md) in measures.iter().enumerate() {
                    if md.valid(i) {
                        let (y, x) = (md.y(i), md.x(i));
                        let at = (cell * m + mi) * 3 * r_n;
                        for (r, col) in self.cols.iter().enumerate() {
                            acc[at + r] += col[i];
                            acc[at + r_n + r] += col[i] * y;
                            acc[at + 2 * r_n + r] += col[i] * x;
                        }
                    }
                }
                continue;
            }
            let pattern = self.pattern[i];
            if run != Some(pattern) {
                if let Some(prev) = run {
                    flush(prev, &mut acc, &mut sums, &mut seen, &mut touched);
                }
                run = Some(pattern);
            }
            if !seen[cell] {
                seen[cell] = true;
                touched.push(cell);
            }
            for (mi, md) in measures.iter().enumerate() {
                if md.valid(i) {
                    let s = &mut sums[(cell * m + mi) * 3..(cell * m + mi) * 3 + 3];
                    s[0] += w;
                    s[1] += w * md.y(i);
                    s[2] += w * md.x(i);
                }
            }
        }
        if let Some(prev) = run {
            flush(prev, &mut acc, &mut sums, &mut seen, &mut touched);
        }
        acc
    }
}
