//! Confidence intervals: distribution quantiles (statrs, polished by Newton steps on the
//! CDF so they agree with R's `qt`, `qnorm` and `qbeta` to about 1e-14) and the interval
//! methods of R's `confint` and `svyciprop`.

use statrs::distribution::{Beta, Continuous, ContinuousCDF, Normal, StudentsT};

/// Polish an approximate quantile `x0` of a distribution by Newton steps on its CDF.
fn polish<D: ContinuousCDF<f64, f64> + Continuous<f64, f64>>(
    d: &D,
    p: f64,
    x0: f64,
    lo: f64,
    hi: f64,
) -> f64 {
    let mut x = x0;
    for _ in 0..8 {
        let f = d.cdf(x) - p;
        let dens = d.pdf(x);
        if !(dens.is_finite() && dens > 0.0) {
            break;
        }
        let step = f / dens;
        let next = (x - step).clamp(lo, hi);
        if next == x {
            break;
        }
        x = next;
        if step.abs() <= 1e-16 * x.abs().max(1e-300) {
            break;
        }
    }
    x
}

/// Upper quantile used by a two-sided interval at `level`: `q(1 - (1 - level) / 2)` of the
/// normal distribution (`df` infinite or `None`) or of Student's t with `df` degrees of
/// freedom. NaN when `df <= 0`.
pub fn critical_value(level: f64, df: Option<f64>) -> f64 {
    quantile_t(1.0 - (1.0 - level) / 2.0, df)
}

/// Quantile `p` of Student's t with `df` degrees of freedom (normal when `df` is `None`
/// or infinite). NaN for `df <= 0` or `p` outside (0, 1).
pub fn quantile_t(p: f64, df: Option<f64>) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    match df {
        Some(v) if v.is_finite() => {
            if v.is_nan() || v <= 0.0 {
                return f64::NAN;
            }
            match StudentsT::new(0.0, 1.0, v) {
                Ok(t) => {
                    let x0 = t.inverse_cdf(p);
                    polish(&t, p, x0, f64::MIN, f64::MAX)
                }
                Err(_) => f64::NAN,
            }
        }
        _ => match Normal::new(0.0, 1.0) {
            Ok(n) => {
                let x0 = n.inverse_cdf(p);
                polish(&n, p, x0, f64::MIN, f64::MAX)
            }
            Err(_) => f64::NAN,
        },
    }
}

/// Two-sided p-value of a t (or normal) statistic.
pub fn p_value(stat: f64, df: Option<f64>) -> f64 {
    if !stat.is_finite() {
        return f64::NAN;
    }
    let tail = match df {
        Some(v) if v.is_finite() => match StudentsT::new(0.0, 1.0, v) {
            Ok(t) => t.cdf(-stat.abs()),
            Err(_) => return f64::NAN,
        },
        _ => match Normal::new(0.0, 1.0) {
            Ok(n) => n.cdf(-stat.abs()),
            Err(_) => return f64::NAN,
        },
    };
    (2.0 * tail).min(1.0)
}

/// Quantile `p` of the Beta(a, b) distribution (R's `qbeta`); NaN for invalid arguments.
pub fn quantile_beta(p: f64, a: f64, b: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()) {
        return f64::NAN;
    }
    match Beta::new(a, b) {
        Ok(d) => {
            let x0 = d.inverse_cdf(p);
            polish(&d, p, x0, 0.0, 1.0)
        }
        Err(_) => f64::NAN,
    }
}

/// Wald interval `estimate ± q · se`.
pub fn wald(estimate: f64, se: f64, q: f64) -> (f64, f64) {
    (estimate - q * se, estimate + q * se)
}

/// R's `expit`: `exp(x) / (1 + exp(x))`.
pub fn expit(x: f64) -> f64 {
    let e = x.exp();
    e / (1.0 + e)
}

/// Logit-scale Wald interval (R's `svyciprop(method = "xlogit")`).
pub fn xlogit(p: f64, se: f64, q: f64) -> (f64, f64) {
    let l = (p / (1.0 - p)).ln();
    let s = se / (p * (1.0 - p));
    (expit(l - q * s), expit(l + q * s))
}

/// Korn–Graubard interval (R's `svyciprop(method = "beta")`): effective sample size
/// `p(1-p)/se²`, scaled by `(qt(α/2, n_rows - 1) / qt(α/2, df))²`.
pub fn beta(p: f64, se: f64, level: f64, n_rows: f64, df: Option<f64>) -> (f64, f64) {
    let alpha = 1.0 - level;
    let mut n_eff = p * (1.0 - p) / (se * se);
    let num = quantile_t(alpha / 2.0, Some(n_rows - 1.0));
    let den = quantile_t(alpha / 2.0, df);
    n_eff *= (num / den).powi(2);
    (
        quantile_beta(alpha / 2.0, n_eff * p, n_eff * (1.0 - p) + 1.0),
        quantile_beta(1.0 - alpha / 2.0, n_eff * p + 1.0, n_eff * (1.0 - p)),
    )
}

/// Wilson score interval with the effective sample size `p(1-p)/se²` and critical value `q`.
pub fn wilson(p: f64, se: f64, q: f64) -> (f64, f64) {
    let n = p * (1.0 - p) / (se * se);
    let q2 = q * q;
    let denom = 1.0 + q2 / n;
    let centre = (p + q2 / (2.0 * n)) / denom;
    let half = q / denom * (p * (1.0 - p) / n + q2 / (4.0 * n * n)).sqrt();
    (centre - half, centre + half)
}
