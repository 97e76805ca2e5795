//! R's `glm` fit of a quasi-binomial intercept-only model, as `svyciprop(method = "logit")`
//! runs it through `svyglm`: the same starting values, iterations and stopping rule
//! (`|dev - dev_old| / (|dev| + 0.1) < 1e-8`, at most 25 iterations), so that the fitted
//! proportion and its interval agree with R's to the last digits.
//!
//! The first iteration starts from row-specific values `(p_i y_i + 0.5) / (p_i + 1)` with
//! `p_i` the row's weight over the domain's mean weight; its sums need one extra pass over
//! the rows (for every domain at once). Later iterations depend only on domain totals.

use super::encode::NONE;
use super::measures::Kind;
use super::partial::{N_UNIV, N_VALID, SLOTS, SW, SWY, W_UNIV};
use super::prepared::{DomainTotals, Prepared};

const THRESH: f64 = 30.0;
const MTHRESH: f64 = -30.0;

/// A converged (or last) iterate of the intercept-only logistic fit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogitFit {
    /// The intercept (logit of the fitted proportion).
    pub beta: f64,
    /// The fitted proportion, R's `linkinv(beta)`.
    pub mu: f64,
    /// `d mu / d eta` at `beta`, R's `mu.eta(beta)`.
    pub mu_eta: f64,
}

fn linkinv(eta: f64) -> f64 {
    let tmp = if eta < MTHRESH {
        f64::EPSILON
    } else if eta > THRESH {
        1.0 / f64::EPSILON
    } else {
        eta.exp()
    };
    tmp / (1.0 + tmp)
}

fn mu_eta(eta: f64) -> f64 {
    let opexp = 1.0 + eta.exp();
    if !(MTHRESH..=THRESH).contains(&eta) {
        f64::EPSILON
    } else {
        eta.exp() / (opexp * opexp)
    }
}

fn ylogy(y: f64, mu: f64) -> f64 {
    if y != 0.0 { y * (y / mu).ln() } else { 0.0 }
}

/// Fit every proportion measure in every domain; `None` elsewhere.
pub(crate) fn logit_fit(p: &Prepared, tot: &DomainTotals) -> Vec<Option<LogitFit>> {
    let m = p.measures.len();
    let width = m * SLOTS;
    let nd = tot.slots.len() / width.max(1);
    let n_dm = nd * m;
    let mean_w: Vec<f64> = (0..n_dm)
        .map(|dm| {
            let sl = &tot.slots[(dm / m) * width + (dm % m) * SLOTS..];
            sl[W_UNIV] / sl[N_UNIV]
        })
        .collect();
    // First-iteration sums: Σ w², Σ w² z, and the starting deviance.
    let mut s_w2 = vec![0.0; n_dm];
    let mut s_w2z = vec![0.0; n_dm];
    let mut dev0 = vec![0.0; n_dm];
    let props: Vec<usize> = (0..m)
        .filter(|&i| p.measures[i].kind == Kind::Proportion)
        .collect();
    if props.is_empty() {
        return vec![None; n_dm];
    }
    for i in 0..p.n {
        let cell = p.cells.cell[i] as usize;
        let w = p.w[i];
        for (g, grouping) in p.cells.groupings.iter().enumerate() {
            let d = grouping.cell_domain[cell];
            if d == NONE {
                continue;
            }
            let dom = (p.dom_offset[g] + d) as usize;
            for &mi in &props {
                let md = &p.measures[mi];
                if !md.valid(i) {
                    continue;
                }
                let dm = dom * m + mi;
                let pr = w / mean_w[dm];
                if pr <= 0.0 {
                    continue;
                }
                let y = md.y(i);
                let mustart = (pr * y + 0.5) / (pr + 1.0);
                let eta = (mustart / (1.0 - mustart)).ln();
                let mu = linkinv(eta);
                let me = mu_eta(eta);
                let varmu = mu * (1.0 - mu);
                let w2 = pr * me * me / varmu;
                let z = eta + (y - mu) / me;
                s_w2[dm] += w2;
                s_w2z[dm] += w2 * z;
                dev0[dm] += 2.0 * pr * (ylogy(y, mu) + ylogy(1.0 - y, 1.0 - mu));
            }
        }
    }
    (0..n_dm)
        .map(|dm| {
            let mi = dm % m;
            if p.measures[mi].kind != Kind::Proportion {
                return None;
            }
            let sl = &tot.slots[(dm / m) * width + mi * SLOTS..];
            if sl[N_VALID] == 0.0 {
                return None;
            }
            let big_p = sl[SW] / mean_w[dm];
            let s1 = sl[SWY] / mean_w[dm];
            let s0 = big_p - s1;
            let dev = |mu: f64| 2.0 * (s1 * (1.0 / mu).ln() + s0 * (1.0 / (1.0 - mu)).ln());
            let mut devold = dev0[dm];
            let mut beta = s_w2z[dm] / s_w2[dm];
            for iter in 1..=25 {
                if iter > 1 {
                    let mu = linkinv(beta);
                    let me = mu_eta(beta);
                    beta += (s1 - mu * big_p) / (me * big_p);
                }
                let mu = linkinv(beta);
                let d = dev(mu);
                if (d - devold).abs() / (d.abs() + 0.1) < 1e-8 {
                    break;
                }
                devold = d;
            }
            Some(LogitFit {
                beta,
                mu: linkinv(beta),
                mu_eta: mu_eta(beta),
            })
        })
        .collect()
}
