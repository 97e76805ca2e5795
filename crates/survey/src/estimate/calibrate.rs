//! Calibration of the weights, as R's `survey` 4.1.1 does it (`postStratify`,
//! `calibrate` with `calfun` linear, raking or logit; its function `grake`), and what the
//! calibration-aware variance needs.
//!
//! The model matrix X has an intercept (when the population size is given or a margin is
//! categorical), a 0/1 column for every level but the first of each categorical margin, and
//! each numeric margin; for post-stratification, a 0/1 column per post-stratum. The
//! g-weights solve Σ w g x = T:
//! - post-stratification: g = N_h / N̂_h;
//! - unbounded linear (R's `regcalibrate`): g = 1 + x'λ, λ = (X'WX)⁻¹(T − X'w);
//! - bounded linear, raking and logit (R's `grake`): Newton's method from λ = 0,
//!   λ += ginv(X' diag(w F'(x'λ)) X)(T − X'w − Σ w x F(x'λ)), g = 1 + F(x'λ), until every
//!   |misfit_j| / (1 + |T_j|) is below epsilon, with R's step halving when g is not finite
//!   and its rescaling of the weights when every T_j / T̂_j exceeds 20.
//!
//! The variance of every statistic replaces its linearised scores u (per row, times the
//! calibrated weight) by the residuals of their regression on X weighted by the design
//! weights w₀ (R's `svyrecvar` with `postStrata`): z_i = w_i (u_i − x_i'B), B = A⁺ Σ w₀ x u,
//! A = Σ w₀ x x'. Since u is linear in each measure's Σw, Σwy and Σwx, B is a fixed
//! combination of per-domain sums of w₀x, w₀xy and w₀x·(denominator); the correction of a
//! sampling unit is −B'Σ_{i∈unit} w_i x_i.

use polars::prelude::DataFrame;

use super::columns::numeric;
use super::encode::{NONE, encode};
use super::prepared::Prepared;
use super::taylor::Channel;
use crate::design::{Calibration, CalibrationMethod, Margin};
use crate::error::{CalibrationProblem, Error, Result};

/// The calibration model on the rows: X, the population totals, and which margin each
/// column belongs to.
pub(crate) struct Model {
    /// Columns of X.
    pub p: usize,
    /// X, row-major (`n × p`).
    pub x: Vec<f64>,
    /// Population total of each column.
    pub totals: Vec<f64>,
    /// Per column: the margin it comes from (for messages).
    pub margin_of: Vec<String>,
    /// Per column: the level it indicates (categorical margins), for messages.
    pub level_of: Vec<Option<String>>,
}

/// One categorical margin read from the data: each row's level (an index into `levels`),
/// the level names and their totals.
struct Levels {
    of_row: Vec<u32>,
    levels: Vec<String>,
    totals: Vec<f64>,
}

fn error(margin: &str, problem: CalibrationProblem) -> Error {
    Error::Calibration {
        margin: margin.to_string(),
        problem,
    }
}

/// The rows' levels of a categorical margin (columns crossed, values joined by `:`), each
/// matched to its population total.
fn levels(df: &DataFrame, columns: &[String], totals: &[(String, f64)]) -> Result<Levels> {
    let name = columns.join(":");
    let n = df.height();
    let role = format!("calibration margin `{name}`");
    let mut labels_of_row: Vec<Vec<u32>> = Vec::with_capacity(columns.len());
    let mut col_labels: Vec<Vec<String>> = Vec::with_capacity(columns.len());
    for c in columns {
        let e = encode(df, c, &role)?;
        if let Some(row) = e.codes.iter().position(|&k| k == NONE) {
            return Err(error(
                &name,
                CalibrationProblem::MissingValue {
                    column: c.clone(),
                    row,
                },
            ));
        }
        labels_of_row.push(e.codes);
        col_labels.push(e.labels);
    }
    // the total of each level, by name
    let mut sorted: Vec<(String, f64)> = totals.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let index: std::collections::HashMap<&str, u32> = sorted
        .iter()
        .enumerate()
        .map(|(k, (l, _))| (l.as_str(), k as u32))
        .collect();
    // each combination of codes seen, to its level
    let mut combo: std::collections::HashMap<Vec<u32>, u32> = std::collections::HashMap::new();
    let mut of_row = vec![0u32; n];
    let mut key = vec![0u32; columns.len()];
    for (i, slot) in of_row.iter_mut().enumerate() {
        for (k, codes) in labels_of_row.iter().enumerate() {
            key[k] = codes[i];
        }
        if let Some(&l) = combo.get(&key) {
            *slot = l;
            continue;
        }
        let label = key
            .iter()
            .zip(&col_labels)
            .map(|(&k, labels)| labels[k as usize].as_str())
            .collect::<Vec<_>>()
            .join(":");
        let Some(&l) = index.get(label.as_str()) else {
            return Err(error(
                &name,
                CalibrationProblem::MissingTotal { level: label },
            ));
        };
        combo.insert(key.clone(), l);
        *slot = l;
    }
    Ok(Levels {
        of_row,
        levels: sorted.iter().map(|(l, _)| l.clone()).collect(),
        totals: sorted.iter().map(|(_, v)| *v).collect(),
    })
}

/// Read the calibration model from the data.
pub(crate) fn model(df: &DataFrame, cal: &Calibration) -> Result<Model> {
    let n = df.height();
    let mut cols: Vec<Vec<f64>> = Vec::new();
    let mut totals = Vec::new();
    let mut margin_of = Vec::new();
    let mut level_of = Vec::new();
    if cal.method == CalibrationMethod::PostStratify {
        let Some(Margin::Categorical { columns, totals: t }) = cal.margins.first() else {
            return Err(Error::InvalidDesign(
                "post-stratification takes one categorical margin".into(),
            ));
        };
        let lv = levels(df, columns, t)?;
        let name = columns.join(":");
        for (k, level) in lv.levels.iter().enumerate() {
            cols.push(
                lv.of_row
                    .iter()
                    .map(|&l| f64::from(u8::from(l as usize == k)))
                    .collect(),
            );
            totals.push(lv.totals[k]);
            margin_of.push(name.clone());
            level_of.push(Some(level.clone()));
        }
    } else {
        let categorical: Vec<&Margin> = cal
            .margins
            .iter()
            .filter(|m| matches!(m, Margin::Categorical { .. }))
            .collect();
        let intercept = match (cal.population, categorical.first()) {
            (Some(p), _) => Some(p),
            (None, Some(Margin::Categorical { totals: t, .. })) => {
                Some(t.iter().map(|(_, v)| v).sum())
            }
            _ => None,
        };
        if let Some(total) = intercept {
            cols.push(vec![1.0; n]);
            totals.push(total);
            margin_of.push("population".to_string());
            level_of.push(None);
        }
        for m in &cal.margins {
            match m {
                Margin::Categorical { columns, totals: t } => {
                    let lv = levels(df, columns, t)?;
                    let name = m.name();
                    // every level but the first (R's treatment contrasts); a level without
                    // rows is found by the empty-level check
                    for (k, level) in lv.levels.iter().enumerate().skip(1) {
                        cols.push(
                            lv.of_row
                                .iter()
                                .map(|&l| f64::from(u8::from(l as usize == k)))
                                .collect(),
                        );
                        totals.push(lv.totals[k]);
                        margin_of.push(name.clone());
                        level_of.push(Some(level.clone()));
                    }
                    // the first level: its rows are those of no other level
                    if !lv.of_row.contains(&0) {
                        return Err(error(
                            &name,
                            CalibrationProblem::EmptyLevel {
                                level: lv.levels[0].clone(),
                            },
                        ));
                    }
                }
                Margin::Numeric { column, total } => {
                    let role = format!("calibration margin `{column}`");
                    let v = numeric(df, column, &role)?;
                    if let Some(row) = v.iter().position(|x| !x.is_finite()) {
                        return Err(error(
                            column,
                            CalibrationProblem::MissingValue {
                                column: column.clone(),
                                row,
                            },
                        ));
                    }
                    cols.push(v.to_vec());
                    totals.push(*total);
                    margin_of.push(column.clone());
                    level_of.push(None);
                }
            }
        }
    }
    let p = cols.len();
    let mut x = vec![0.0; n * p];
    for (j, c) in cols.iter().enumerate() {
        for (i, v) in c.iter().enumerate() {
            x[i * p + j] = *v;
        }
    }
    Ok(Model {
        p,
        x,
        totals,
        margin_of,
        level_of,
    })
}

/// `F(u)` (= g − 1) and `F'(u)` of R's calibration functions.
fn calfun(method: CalibrationMethod, u: f64, lower: f64, upper: f64) -> (f64, f64) {
    match method {
        CalibrationMethod::Linear | CalibrationMethod::PostStratify => {
            let f = (u + 1.0).max(lower).min(upper) - 1.0;
            let d = f64::from(u8::from(u < upper - 1.0 && u > lower - 1.0));
            (f, d)
        }
        CalibrationMethod::Raking => {
            let e = u.exp();
            let f = e.max(lower).min(upper) - 1.0;
            let d = if u < upper - 1.0 && u > lower - 1.0 {
                e
            } else {
                0.0
            };
            (f, d)
        }
        CalibrationMethod::Logit => {
            let (l, uu) = (lower, upper);
            let a = (uu - l) / ((uu - 1.0) * (1.0 - l));
            let e = (a * u).exp();
            let den = uu - 1.0 + (1.0 - l) * e;
            let num = l * (uu - 1.0) + uu * (1.0 - l) * e;
            let f = num / den - 1.0;
            let d = uu * (1.0 - l) * e * a / den - num * ((1.0 - l) * e * a) / (den * den);
            (f, d)
        }
    }
}

/// The pseudo-inverse of the symmetric positive semi-definite `p × p` matrix `a` (R's
/// `MASS::ginv` with tolerance `256 ε` of the largest eigenvalue), through cyclic Jacobi
/// rotations of the matrix scaled to a unit diagonal.
pub(crate) fn pinv_sym(a: &[f64], p: usize) -> Vec<f64> {
    let d: Vec<f64> = (0..p)
        .map(|i| {
            let v = a[i * p + i];
            if v > 0.0 { 1.0 / v.sqrt() } else { 0.0 }
        })
        .collect();
    let mut m: Vec<f64> = (0..p * p).map(|k| a[k] * d[k / p] * d[k % p]).collect();
    let mut v = vec![0.0; p * p];
    for i in 0..p {
        v[i * p + i] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..p)
            .flat_map(|i| (0..p).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * p + j] * m[i * p + j])
            .sum();
        let diag: f64 = (0..p).map(|i| m[i * p + i] * m[i * p + i]).sum();
        if off <= 1e-32 * diag || off == 0.0 {
            break;
        }
        for i in 0..p {
            for j in i + 1..p {
                let aij = m[i * p + j];
                if aij == 0.0 {
                    continue;
                }
                let (aii, ajj) = (m[i * p + i], m[j * p + j]);
                let theta = (ajj - aii) / (2.0 * aij);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..p {
                    let (mki, mkj) = (m[k * p + i], m[k * p + j]);
                    m[k * p + i] = c * mki - s * mkj;
                    m[k * p + j] = s * mki + c * mkj;
                }
                for k in 0..p {
                    let (mik, mjk) = (m[i * p + k], m[j * p + k]);
                    m[i * p + k] = c * mik - s * mjk;
                    m[j * p + k] = s * mik + c * mjk;
                }
                for k in 0..p {
                    let (vki, vkj) = (v[k * p + i], v[k * p + j]);
                    v[k * p + i] = c * vki - s * vkj;
                    v[k * p + j] = s * vki + c * vkj;
                }
            }
        }
    }
    let eig: Vec<f64> = (0..p).map(|i| m[i * p + i]).collect();
    let top = eig.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    let tol = 256.0 * f64::EPSILON * top;
    let mut out = vec![0.0; p * p];
    for (k, &e) in eig.iter().enumerate() {
        if e.abs() <= tol || e <= 0.0 {
            continue;
        }
        for i in 0..p {
            let vik = v[i * p + k] / e;
            for j in 0..p {
                out[i * p + j] += vik * v[j * p + k];
            }
        }
    }
    // undo the scaling
    for k in 0..p * p {
        out[k] *= d[k / p] * d[k % p];
    }
    out
}

/// `a · b` for a `p × p` matrix and a `p`-vector.
pub(crate) fn mat_vec(a: &[f64], b: &[f64], p: usize) -> Vec<f64> {
    (0..p)
        .map(|i| (0..p).map(|j| a[i * p + j] * b[j]).sum())
        .collect()
}

/// Σ w x x' (weights `w` times `scale_i`).
fn cross(model: &Model, w: &[f64], scale: impl Fn(usize) -> f64) -> Vec<f64> {
    let p = model.p;
    let mut t = vec![0.0; p * p];
    for (i, &wi) in w.iter().enumerate() {
        let f = wi * scale(i);
        if f == 0.0 {
            continue;
        }
        let xi = &model.x[i * p..(i + 1) * p];
        for a in 0..p {
            let fa = f * xi[a];
            if fa == 0.0 {
                continue;
            }
            for b in 0..p {
                t[a * p + b] += fa * xi[b];
            }
        }
    }
    t
}

/// Every level of the model's categorical margins has weight: otherwise the level named.
fn check_levels(model: &Model, w: &[f64], which: &str) -> Result<()> {
    let p = model.p;
    let mut has = vec![false; p];
    for (i, &wi) in w.iter().enumerate() {
        if wi > 0.0 {
            for (j, h) in has.iter_mut().enumerate() {
                *h |= model.x[i * p + j] != 0.0;
            }
        }
    }
    for (j, &h) in has.iter().enumerate() {
        if let (false, Some(level)) = (h, &model.level_of[j]) {
            let level = if which.is_empty() {
                level.clone()
            } else {
                format!("{level} (in {which})")
            };
            return Err(error(
                &model.margin_of[j],
                CalibrationProblem::EmptyLevel { level },
            ));
        }
    }
    Ok(())
}

/// The g-weights that calibrate weights `w` to the model's totals (`which` names a
/// replicate in messages; empty for the full sample).
pub(crate) fn g_weights(
    model: &Model,
    w: &[f64],
    cal: &Calibration,
    which: &str,
) -> Result<Vec<f64>> {
    check_levels(model, w, which)?;
    let p = model.p;
    let n = w.len();
    let x = |i: usize| &model.x[i * p..(i + 1) * p];
    let sample: Vec<f64> = {
        let mut s = vec![0.0; p];
        for (i, &wi) in w.iter().enumerate() {
            for (a, xv) in s.iter_mut().zip(x(i)) {
                *a += wi * xv;
            }
        }
        s
    };
    if cal.method == CalibrationMethod::PostStratify {
        // one 0/1 column per post-stratum: g = N_h / N̂_h
        return Ok((0..n)
            .map(|i| {
                let h = x(i).iter().position(|&v| v != 0.0).unwrap_or(0);
                model.totals[h] / sample[h]
            })
            .collect());
    }
    let (lower, upper) = cal.bounds.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
    if cal.method == CalibrationMethod::Linear && cal.bounds.is_none() {
        // R's regcalibrate: one solve, no iterations
        let t = cross(model, w, |_| 1.0);
        let rhs: Vec<f64> = model
            .totals
            .iter()
            .zip(&sample)
            .map(|(a, b)| a - b)
            .collect();
        let lambda = mat_vec(&pinv_sym(&t, p), &rhs, p);
        return Ok((0..n)
            .map(|i| 1.0 + x(i).iter().zip(&lambda).map(|(a, b)| a * b).sum::<f64>())
            .collect());
    }
    // R's grake
    let scales: Vec<f64> = model
        .totals
        .iter()
        .zip(&sample)
        .map(|(t, s)| t / s)
        .collect();
    let min_scale = scales.iter().fold(f64::INFINITY, |a, &b| a.min(b));
    let scale = (min_scale > 20.0).then(|| scales.iter().sum::<f64>() / p as f64);
    let ww: Vec<f64> = match scale {
        Some(s) => w.iter().map(|v| v * s).collect(),
        None => w.to_vec(),
    };
    let sample: Vec<f64> = match scale {
        Some(s) => sample.iter().map(|v| v * s).collect(),
        None => sample,
    };
    let mut eta = vec![0.0; p];
    let mut xeta = vec![0.0; n];
    let eval = |xeta: &[f64]| -> (Vec<f64>, Vec<f64>) {
        xeta.iter()
            .map(|&u| calfun(cal.method, u, lower, upper))
            .unzip()
    };
    let (mut f, mut deriv) = eval(&xeta);
    let misfit_of = |f: &[f64]| -> Vec<f64> {
        let mut m: Vec<f64> = model
            .totals
            .iter()
            .zip(&sample)
            .map(|(a, b)| a - b)
            .collect();
        for i in 0..n {
            let wf = ww[i] * f[i];
            if wf != 0.0 {
                for (a, xv) in m.iter_mut().zip(x(i)) {
                    *a -= wf * xv;
                }
            }
        }
        m
    };
    let rel = |m: &[f64]| -> Vec<f64> {
        m.iter()
            .zip(&model.totals)
            .map(|(a, t)| a.abs() / (1.0 + t.abs()))
            .collect()
    };
    let mut iter = 1;
    loop {
        let tmat = cross(model, &ww, |i| deriv[i]);
        let misfit = misfit_of(&f);
        let mut deta = mat_vec(&pinv_sym(&tmat, p), &misfit, p);
        for (e, d) in eta.iter_mut().zip(&deta) {
            *e += d;
        }
        let update = |eta: &[f64], xeta: &mut Vec<f64>| {
            for (i, v) in xeta.iter_mut().enumerate() {
                *v = x(i).iter().zip(eta).map(|(a, b)| a * b).sum();
            }
        };
        update(&eta, &mut xeta);
        (f, deriv) = eval(&xeta);
        let finite = |f: &[f64], d: &[f64]| f.iter().chain(d).all(|v| v.is_finite());
        while iter < cal.max_iterations && !finite(&f, &deriv) {
            iter += 1;
            for d in deta.iter_mut() {
                *d /= 2.0;
            }
            for (e, d) in eta.iter_mut().zip(&deta) {
                *e -= d;
            }
            update(&eta, &mut xeta);
            (f, deriv) = eval(&xeta);
        }
        let misfit = rel(&misfit_of(&f));
        if misfit.iter().all(|&m| m < cal.epsilon) {
            break;
        }
        iter += 1;
        if iter > cal.max_iterations {
            // name the margin with the largest misfit
            let (j, worst) =
                misfit
                    .iter()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |a, (j, &m)| {
                        if m > a.1 || m.is_nan() { (j, m) } else { a }
                    });
            let margin = &model.margin_of[j];
            let problem = if cal.bounds.is_some() && cal.method != CalibrationMethod::Logit
                || cal.method == CalibrationMethod::Logit && deriv.iter().any(|&d| d.abs() < 1e-12)
            {
                CalibrationProblem::BoundsUnmet {
                    lower,
                    upper,
                    misfit: worst,
                }
            } else {
                CalibrationProblem::NoConvergence {
                    iterations: cal.max_iterations,
                    misfit: worst,
                }
            };
            let margin = if which.is_empty() {
                margin.clone()
            } else {
                format!("{margin} (in {which})")
            };
            return Err(error(&margin, problem));
        }
    }
    let s = scale.unwrap_or(1.0);
    Ok(f.iter().map(|v| (1.0 + v) * s).collect())
}

/// What the calibration-aware Taylor variance needs: the model matrix, the design weights
/// and the pseudo-inverse of Σ w₀ x x'.
pub(crate) struct CalibrationData {
    /// Columns of X.
    pub p: usize,
    /// X, row-major.
    pub x: Vec<f64>,
    /// The design weights before calibration.
    pub w0: Vec<f64>,
    /// (Σ w₀ x x')⁺, `p × p`.
    pub a_pinv: Vec<f64>,
}

impl CalibrationData {
    /// From the model and the design weights.
    pub fn new(model: Model, w0: Vec<f64>) -> Self {
        let a = cross(&model, &w0, |_| 1.0);
        CalibrationData {
            p: model.p,
            a_pinv: pinv_sym(&a, model.p),
            x: model.x,
            w0,
        }
    }

    /// Per sampling unit (`unit` per row, `n_units`): Σ w x with the calibrated weights `w`.
    pub fn unit_sums(&self, unit: &[u32], n_units: usize, w: impl Fn(usize) -> f64) -> Vec<f64> {
        let p = self.p;
        let mut s = vec![0.0; n_units * p];
        for (i, &u) in unit.iter().enumerate() {
            let wi = w(i);
            let to = &mut s[u as usize * p..(u as usize + 1) * p];
            for (a, xv) in to.iter_mut().zip(&self.x[i * p..(i + 1) * p]) {
                *a += wi * xv;
            }
        }
        s
    }
}

/// Per channel (a linearised score of one measure in one domain, [`Channel`]): its
/// regression coefficients on the calibration model, `B_c = A⁺ Σ w₀ x u_c` over the
/// domain's valid rows, where `u_c = aw + ay·y + ax·x` (`p` values per channel).
pub(crate) fn coefficients(
    prep: &Prepared,
    data: &CalibrationData,
    channels: &[Channel],
) -> Vec<f64> {
    let q = data.p;
    let m = prep.measures.len();
    let n_cells = prep.cells.n_cells;
    // per (cell, measure): Σ w₀x, Σ w₀xy, Σ w₀x·(denominator) over valid rows
    let mut cs = vec![0.0; n_cells * m * 3 * q];
    for i in 0..prep.n {
        let w0 = data.w0[i];
        if w0 == 0.0 {
            continue;
        }
        let cell = prep.cells.cell[i] as usize;
        let xi = &data.x[i * q..(i + 1) * q];
        for (mi, md) in prep.measures.iter().enumerate() {
            if !md.valid(i) {
                continue;
            }
            let (y, xr) = (md.y(i), md.x(i));
            let at = (cell * m + mi) * 3 * q;
            let sums = &mut cs[at..at + 3 * q];
            for (k, &xk) in xi.iter().enumerate() {
                let v = w0 * xk;
                sums[k] += v;
                sums[q + k] += v * y;
                sums[2 * q + k] += v * xr;
            }
        }
    }
    let nd = prep.n_domains();
    let mut ds = vec![0.0; nd * m * 3 * q];
    for (g, grouping) in prep.cells.groupings.iter().enumerate() {
        for (cell, &d) in grouping.cell_domain.iter().enumerate() {
            if d == NONE {
                continue;
            }
            let dom = (prep.dom_offset[g] + d) as usize;
            let width = m * 3 * q;
            for (a, b) in ds[dom * width..(dom + 1) * width]
                .iter_mut()
                .zip(&cs[cell * width..(cell + 1) * width])
            {
                *a += b;
            }
        }
    }
    let mut b = Vec::with_capacity(channels.len() * q);
    for ch in channels {
        let at = (ch.dom as usize * m + ch.measure as usize) * 3 * q;
        let s = &ds[at..at + 3 * q];
        let v: Vec<f64> = (0..q)
            .map(|k| ch.aw * s[k] + ch.ay * s[q + k] + ch.ax * s[2 * q + k])
            .collect();
        b.extend(mat_vec(&data.a_pinv, &v, q));
    }
    b
}

/// Calibrate the weights `w0` under `cal`: the calibrated weights and the model.
pub(crate) fn calibrate(
    df: &DataFrame,
    cal: &Calibration,
    w0: &[f64],
) -> Result<(Vec<f64>, Model)> {
    let model = model(df, cal)?;
    let g = g_weights(&model, w0, cal, "")?;
    Ok((w0.iter().zip(&g).map(|(a, b)| a * b).collect(), model))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_inverse_inverts_and_handles_singular() {
        let a = [4.0, 2.0, 0.6, 2.0, 2.0, 0.4, 0.6, 0.4, 3.0];
        let inv = pinv_sym(&a, 3);
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((v - f64::from(u8::from(i == j))).abs() < 1e-13, "{v}");
            }
        }
        // rank 1: the pseudo-inverse of [[1,1],[1,1]] is [[.25,.25],[.25,.25]]
        let s = pinv_sym(&[1.0, 1.0, 1.0, 1.0], 2);
        for v in s {
            assert!((v - 0.25).abs() < 1e-13);
        }
    }
}
