//! Replicate-weight variances: each replicate's estimates from its partial sums, and the
//! variance of the full-sample estimate over the replicates (R's `svrVar`), per
//! (domain × measure) and per gap.

use super::encode::NONE;
use super::measures::Kind;
use super::partial::PartialSums;
use super::prepared::Prepared;
use super::replicate::ReplicateData;
use super::request::GapPair;
use crate::error::Result;

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
    ps: &PartialSums,
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
                    let b = dm * 3 * r_n + k;
                    estimate(kind, dom[b], dom[b + r_n], dom[b + 2 * r_n])
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
    let pid = &r.pattern;
    let patterns: Vec<&[f64]> = r.patterns.chunks_exact(r_n.max(1)).collect();
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
            let rank = rank_of(set.iter().map(|&k| patterns[k as usize]), r_n);
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
