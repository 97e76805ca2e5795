//! Replicate-weight variances (BRR, Fay, JK1, JKn, bootstrap, SDR), as R's `svrVar`:
//! `scale · Σ_r rscales_r (θ_r − θ̄)²`, centred on the replicates' mean, or on the
//! full-sample estimate with `mse`. Replicate totals are accumulated per domain cell in the
//! same pass as the full-sample totals, never one scan per replicate.
//!
//! Degrees of freedom follow R's `degf`: the rank of the domain's replicate weight matrix
//! minus one. The rank is found without a dense QR of all rows: each row's replicate
//! weights divided by its full weight form a pattern (rows of one PSU share it), duplicate
//! patterns are dropped, and the distinct patterns of a domain enter a Gram–Schmidt basis
//! one by one (a pattern whose residual is below 1e-7 of its norm adds nothing), stopping
//! as soon as the rank reaches the number of replicates.

use std::collections::HashMap;

use polars::prelude::DataFrame;

use super::engine::{GapPair, Prepared};
use super::measures::Kind;
use super::prepare::{NONE, check_weights, numeric};
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
}

/// Read and check replicate weights.
pub(crate) fn replicate_data(df: &DataFrame, r: &Replicates) -> Result<ReplicateData> {
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
        check_weights(&c, name)?;
        cols.push(c);
    }
    Ok(ReplicateData {
        cols,
        scale,
        rscales,
        mse: r.mse,
        df: r.df,
    })
}

impl ReplicateData {
    /// Per (cell, measure, replicate): Σw_r, Σw_r·y, Σw_r·x over the rows of `order`.
    ///
    /// One pass over the rows per replicate column (each column is read in order), adding
    /// into a small (cell, measure) table that stays in cache.
    pub(crate) fn accumulate(&self, p: &Prepared, order: &[(u64, u32)]) -> Vec<f64> {
        let m = p.measures.len();
        let r_n = self.cols.len();
        let c = p.cells.n_cells as u64;
        let cell_of: Vec<u32> = order.iter().map(|&(key, _)| (key % c) as u32).collect();
        let mut acc = vec![0.0; p.cells.n_cells * m * r_n * 3];
        let mut one = vec![0.0; p.cells.n_cells * m * 3];
        for (r, col) in self.cols.iter().enumerate() {
            one.fill(0.0);
            for (&(_, i), &cell) in order.iter().zip(&cell_of) {
                let i = i as usize;
                let w = col[i];
                let base = cell as usize * m * 3;
                for (mi, md) in p.measures.iter().enumerate() {
                    if !md.valid(i) {
                        continue;
                    }
                    let a = &mut one[base + mi * 3..base + mi * 3 + 3];
                    a[0] += w;
                    a[1] += w * md.y(i);
                    a[2] += w * md.x(i);
                }
            }
            for (cm, sums) in one.chunks_exact(3).enumerate() {
                let at = (cm * r_n + r) * 3;
                acc[at..at + 3].copy_from_slice(sums);
            }
        }
        acc
    }
}

fn estimate(kind: Kind, sw: f64, swy: f64, swx: f64) -> f64 {
    match kind {
        Kind::Mean | Kind::Proportion => swy / sw,
        Kind::Total => swy,
        Kind::Ratio => swy / swx,
    }
}

/// Variances (per (dom, measure), then per gap: difference and ratio) and df per (dom, measure).
pub(crate) fn replicate_variances(
    p: &Prepared,
    r: &ReplicateData,
    ps: &super::partial::PartialSums,
    theta: &[f64],
    n_dm: usize,
    gaps: &[GapPair],
) -> Result<(Vec<f64>, Vec<f64>)> {
    let m = p.measures.len();
    let r_n = r.cols.len();
    let nd = n_dm / m.max(1);
    let mut dom = vec![0.0; nd * m * r_n * 3];
    for (g, grouping) in p.cells.groupings.iter().enumerate() {
        for cell in 0..p.cells.n_cells {
            let d = grouping.cell_domain[cell];
            if d == NONE {
                continue;
            }
            let dd = (p.dom_offset[g] + d) as usize;
            let src = &ps.rep[cell * m * r_n * 3..(cell + 1) * m * r_n * 3];
            for (a, b) in dom[dd * m * r_n * 3..(dd + 1) * m * r_n * 3]
                .iter_mut()
                .zip(src)
            {
                *a += b;
            }
        }
    }
    let reps: Vec<Vec<f64>> = (0..n_dm)
        .map(|dm| {
            let kind = p.measures[dm % m].kind;
            (0..r_n)
                .map(|k| {
                    let b = (dm * r_n + k) * 3;
                    estimate(kind, dom[b], dom[b + 1], dom[b + 2])
                })
                .collect()
        })
        .collect();
    let svr = |thetas: &[f64], full: f64| -> f64 {
        let centre = if r.mse {
            full
        } else {
            let (s, c) = thetas
                .iter()
                .zip(&r.rscales)
                .filter(|(_, rs)| **rs > 0.0)
                .fold((0.0, 0.0), |(s, c), (t, _)| (s + t, c + 1.0));
            s / c
        };
        r.scale
            * thetas
                .iter()
                .zip(&r.rscales)
                .map(|(t, rs)| rs * (t - centre) * (t - centre))
                .sum::<f64>()
    };
    let mut var: Vec<f64> = (0..n_dm).map(|dm| svr(&reps[dm], theta[dm])).collect();
    for gp in gaps {
        let a = gp.a * m + gp.measure;
        let b = gp.b * m + gp.measure;
        let diff: Vec<f64> = reps[a].iter().zip(&reps[b]).map(|(x, y)| x - y).collect();
        let ratio: Vec<f64> = reps[a].iter().zip(&reps[b]).map(|(x, y)| x / y).collect();
        var.push(svr(&diff, theta[a] - theta[b]));
        var.push(svr(&ratio, theta[a] / theta[b]));
    }
    let df = match r.df {
        Some(d) => vec![d; n_dm],
        None => ranks(p, r, n_dm)?,
    };
    Ok((var, df))
}

/// Rank minus one of the replicate weights of each (domain, measure universe).
fn ranks(p: &Prepared, r: &ReplicateData, n_dm: usize) -> Result<Vec<f64>> {
    let m = p.measures.len();
    let r_n = r.cols.len();
    // Distinct normalised patterns.
    let mut ids: HashMap<Vec<u64>, u32> = HashMap::new();
    let mut patterns: Vec<Vec<f64>> = Vec::new();
    let mut pid = vec![0u32; p.n];
    let mut buf = vec![0.0; r_n];
    let mut last: Option<(Vec<f64>, u32)> = None;
    for (i, slot) in pid.iter_mut().enumerate() {
        let w = p.w[i];
        for (k, col) in r.cols.iter().enumerate() {
            buf[k] = if w > 0.0 { col[i] / w } else { col[i] };
        }
        // Rows of a PSU follow each other and share their pattern: look up runs once.
        if let Some((prev, id)) = &last
            && prev
                .iter()
                .zip(&buf)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        {
            *slot = *id;
            continue;
        }
        let key: Vec<u64> = buf.iter().map(|x| x.to_bits()).collect();
        let next = patterns.len() as u32;
        let id = *ids.entry(key).or_insert_with(|| {
            patterns.push(buf.clone());
            next
        });
        *slot = id;
        last = Some((buf.clone(), id));
    }
    // Universes shared by measures.
    let mut uni_of: Vec<usize> = Vec::with_capacity(m);
    let mut uni_specs: Vec<Option<String>> = Vec::new();
    for s in &p.specs {
        match uni_specs.iter().position(|u| *u == s.universe) {
            Some(k) => uni_of.push(k),
            None => {
                uni_specs.push(s.universe.clone());
                uni_of.push(uni_specs.len() - 1);
            }
        }
    }
    let rep_meas: Vec<usize> = (0..uni_specs.len())
        .map(|u| uni_of.iter().position(|x| *x == u).unwrap_or(0))
        .collect();
    let nd = n_dm / m.max(1);
    let nu = uni_specs.len();
    let mut sets: Vec<Vec<u32>> = vec![Vec::new(); nd * nu];
    for (i, &pattern) in pid.iter().enumerate() {
        let cell = p.cells.cell[i] as usize;
        for (g, grouping) in p.cells.groupings.iter().enumerate() {
            let d = grouping.cell_domain[cell];
            if d == NONE {
                continue;
            }
            let dom = (p.dom_offset[g] + d) as usize;
            for (u, &mi) in rep_meas.iter().enumerate() {
                let set = &mut sets[dom * nu + u];
                // consecutive repeats (rows of one PSU) are kept once
                if p.measures[mi].in_universe(i) && set.last() != Some(&pattern) {
                    set.push(pattern);
                }
            }
        }
    }
    let mut out = vec![0.0; n_dm];
    for dom in 0..nd {
        for u in 0..nu {
            let set = &mut sets[dom * nu + u];
            set.sort_unstable();
            set.dedup();
            let rank = rank_of(set.iter().map(|&k| patterns[k as usize].as_slice()), r_n);
            for mi in 0..m {
                if uni_of[mi] == u {
                    out[dom * m + mi] = rank as f64 - 1.0;
                }
            }
        }
    }
    Ok(out)
}

/// Rank of a set of vectors of length `dim`, by modified Gram–Schmidt with early stop.
fn rank_of<'a>(rows: impl Iterator<Item = &'a [f64]>, dim: usize) -> usize {
    let mut basis: Vec<Vec<f64>> = Vec::new();
    for row in rows {
        if basis.len() == dim {
            break;
        }
        let norm0 = row.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm0 == 0.0 {
            continue;
        }
        let mut v: Vec<f64> = row.iter().map(|x| x / norm0).collect();
        for _ in 0..2 {
            for b in &basis {
                let d: f64 = v.iter().zip(b).map(|(x, y)| x * y).sum();
                for (x, y) in v.iter_mut().zip(b) {
                    *x -= d * y;
                }
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 1e-7 {
            for x in &mut v {
                *x /= norm;
            }
            basis.push(v);
        }
    }
    basis.len()
}
