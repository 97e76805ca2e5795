//! Confidence intervals: distribution quantiles and p-values, and the interval methods of
//! R's `confint` and `svyciprop`.
//!
//! Tested against R's `qt`, `qnorm`, `qbeta` and `pt` from 1 to 1e8 degrees of freedom: the
//! quantiles agree to 1e-12 relative (largest difference 8.5e-13), the p-values to 1e-9
//! (largest 2.2e-12). statrs' quantiles are polished by Newton steps on the CDF; the normal
//! CDF is `libm`'s `erfc` (statrs' is off by 4.5e-11 at the 97.5 % point); from 1000
//! degrees of freedom on, Student's t is taken from the normal distribution by the
//! Cornish–Fisher expansion.

use std::f64::consts::SQRT_2;

use statrs::distribution::{Beta, Continuous, ContinuousCDF, Normal, StudentsT};

/// Polish an approximate quantile `x0` of a distribution by Newton steps on its CDF, as
/// long as they bring the CDF closer to `p`: the CDF's own rounding (about 1e-15) sets a
/// floor below which further steps wander instead of converging. The point closest to `p`
/// is returned.
fn polish<D: ContinuousCDF<f64, f64> + Continuous<f64, f64>>(
    d: &D,
    p: f64,
    x0: f64,
    lo: f64,
    hi: f64,
) -> f64 {
    polish_on(|x| d.cdf(x), |x| d.pdf(x), p, x0, lo, hi)
}

/// [`polish`] on a CDF and a density given as functions.
fn polish_on(
    cdf: impl Fn(f64) -> f64,
    pdf: impl Fn(f64) -> f64,
    p: f64,
    x0: f64,
    lo: f64,
    hi: f64,
) -> f64 {
    let mut x = x0;
    let mut f = cdf(x) - p;
    for _ in 0..8 {
        let dens = pdf(x);
        if !(f != 0.0 && dens.is_finite() && dens > 0.0) {
            break;
        }
        let next = (x - f / dens).clamp(lo, hi);
        if next == x {
            break;
        }
        let f_next = cdf(next) - p;
        if f_next.is_nan() || f_next.abs() >= f.abs() {
            break;
        }
        (x, f) = (next, f_next);
    }
    x
}

/// Upper quantile used by a two-sided interval at `level`: `q(1 - (1 - level) / 2)` of the
/// normal distribution (`df` infinite or `None`) or of Student's t with `df` degrees of
/// freedom. NaN when `df <= 0`.
pub fn critical_value(level: f64, df: Option<f64>) -> f64 {
    quantile_t(1.0 - (1.0 - level) / 2.0, df)
}

/// Degrees of freedom from which Student's t is taken from the normal distribution through
/// the Cornish–Fisher expansion of its quantile in powers of 1/df (Abramowitz and Stegun
/// 26.7.5, four terms). From here on the expansion is accurate to about 1e-15; statrs' t
/// CDF, an incomplete beta with a large first parameter, is not: its polished quantiles were
/// off by 1e-11 to 1.6e-10 relative at 40 000 df and up to 1.1e-9 at 400 000 (the 95 %
/// point), and it gave no answer at 1e8; census designs have that many.
const DF_EXPANSION: f64 = 1000.0;

/// Degrees of freedom from which [`p_value`] takes Student's t from the normal distribution:
/// higher than for quantiles, as the expansion's error grows with the statistic (at 1000 df
/// the p-value of t = 6, 2.8e-9, would be off by 2e-10 relative; statrs' is off by 1.6e-13).
const DF_EXPANSION_TAIL: f64 = 10_000.0;

/// Student's t quantile for the normal quantile `z` at `df` degrees of freedom (the
/// Cornish–Fisher expansion, for `df` >= [`DF_EXPANSION`]), and its derivative in `z`.
fn t_from_z(z: f64, df: f64) -> (f64, f64) {
    let (u, v) = (z * z, 1.0 / df);
    // t = z·s(u), u = z², each term of the expansion a polynomial in u
    let g1 = (u + 1.0) / 4.0;
    let g2 = ((5.0 * u + 16.0) * u + 3.0) / 96.0;
    let g3 = (((3.0 * u + 19.0) * u + 17.0) * u - 15.0) / 384.0;
    let g4 = ((((79.0 * u + 776.0) * u + 1482.0) * u - 1920.0) * u - 945.0) / 92160.0;
    let s = 1.0 + v * (g1 + v * (g2 + v * (g3 + v * g4)));
    let d1 = 0.25;
    let d2 = (10.0 * u + 16.0) / 96.0;
    let d3 = ((9.0 * u + 38.0) * u + 17.0) / 384.0;
    let d4 = (((316.0 * u + 2328.0) * u + 2964.0) * u - 1920.0) / 92160.0;
    let ds = v * (d1 + v * (d2 + v * (d3 + v * d4)));
    (z * s, s + 2.0 * u * ds)
}

/// The normal quantile `z` whose t quantile at `df` degrees of freedom is `t` ([`t_from_z`]
/// inverted by Newton steps from `z = t`).
fn z_from_t(t: f64, df: f64) -> f64 {
    let mut z = t;
    for _ in 0..50 {
        let (tz, dt) = t_from_z(z, df);
        let next = z - (tz - t) / dt;
        let done = (next - z).abs() <= 1e-16 * z.abs();
        z = next;
        if done {
            break;
        }
    }
    z
}

/// The standard normal CDF at `x`, through `libm`'s `erfc` (accurate to an ulp or two).
fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / SQRT_2)
}

/// Quantile `p` of the standard normal distribution (statrs, polished on [`normal_cdf`]);
/// NaN outside (0, 1).
fn quantile_normal(p: f64) -> f64 {
    match Normal::new(0.0, 1.0) {
        Ok(n) if p > 0.0 && p < 1.0 => polish_on(
            normal_cdf,
            |x| n.pdf(x),
            p,
            n.inverse_cdf(p),
            f64::MIN,
            f64::MAX,
        ),
        _ => f64::NAN,
    }
}

/// Quantile `p` of Student's t with `df` degrees of freedom (normal when `df` is `None`
/// or infinite). NaN for `df <= 0` or NaN, or `p` outside (0, 1).
pub fn quantile_t(p: f64, df: Option<f64>) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    match df {
        Some(v) if v.is_nan() || v <= 0.0 => f64::NAN,
        Some(v) if v.is_finite() && v < DF_EXPANSION => match StudentsT::new(0.0, 1.0, v) {
            Ok(t) => polish(&t, p, t.inverse_cdf(p), f64::MIN, f64::MAX),
            Err(_) => f64::NAN,
        },
        Some(v) if v.is_finite() => t_from_z(quantile_normal(p), v).0,
        _ => quantile_normal(p),
    }
}

/// Two-sided p-value of a t (or normal) statistic: NaN for a statistic or `df` that is
/// NaN, or `df <= 0`.
pub fn p_value(stat: f64, df: Option<f64>) -> f64 {
    if !stat.is_finite() {
        return f64::NAN;
    }
    let x = stat.abs();
    let tail = match df {
        Some(v) if v.is_nan() || v <= 0.0 => return f64::NAN,
        Some(v) if v.is_finite() && v < DF_EXPANSION_TAIL => match StudentsT::new(0.0, 1.0, v) {
            Ok(t) => t.cdf(-x),
            Err(_) => return f64::NAN,
        },
        Some(v) if v.is_finite() => normal_cdf(-z_from_t(x, v)),
        _ => normal_cdf(-x),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative difference, 0 for two equal values.
    fn rel(got: f64, want: f64) -> f64 {
        if got == want {
            0.0
        } else {
            ((got - want) / want).abs()
        }
    }

    /// Assert that `got` is within `tol` (relative) of R's `want` for `what`, and keep the
    /// largest difference in `worst`.
    fn check(worst: &mut f64, got: f64, want: f64, tol: f64, what: &str) {
        assert!(rel(got, want) < tol, "{what} = {want}, got {got}");
        *worst = worst.max(rel(got, want));
    }

    /// Quantiles against R 4.2.2's `qt(p, df)`, `qnorm(p)` and `qbeta(p, a, b)`, from 1 to
    /// 1e8 degrees of freedom (printed by R with `sprintf("%.17g")`, written here as the
    /// shortest decimals that give the same doubles).
    #[test]
    fn quantiles_agree_with_r() {
        // (p, df, qt(p, df))
        let qt: [(f64, f64, f64); 119] = [
            (0.975, 1.0, 12.706204736174694),
            (0.975, 2.0, 4.302652729749462),
            (0.975, 3.0, 3.1824463052837078),
            (0.975, 4.5, 2.6589123472044025),
            (0.975, 7.0, 2.3646242515927844),
            (0.975, 12.0, 2.1788128296672284),
            (0.975, 30.0, 2.0422724563012378),
            (0.975, 63.0, 1.9983405425207414),
            (0.975, 100.0, 1.9839715185235516),
            (0.975, 250.0, 1.9694983934211523),
            (0.975, 999.0, 1.9623414611334493),
            (0.975, 1000.0, 1.9623390808264076),
            (0.975, 2500.0, 1.9609133447955664),
            (0.975, 39999.0, 1.9600232945677074),
            (0.975, 400000.0, 1.95996991523577),
            (0.975, 1000000.0, 1.9599663568141066),
            (0.975, 100000000.0, 1.9599640082627663),
            (0.95, 1.0, 6.313751514675038),
            (0.95, 2.0, 2.919985580353724),
            (0.95, 3.0, 2.3533634348018246),
            (0.95, 4.5, 2.0655758888785236),
            (0.95, 7.0, 1.8945786050900062),
            (0.95, 12.0, 1.7822875556493196),
            (0.95, 30.0, 1.697260886593957),
            (0.95, 63.0, 1.6694022217068127),
            (0.95, 100.0, 1.6602343260853394),
            (0.95, 250.0, 1.6509714898128567),
            (0.95, 999.0, 1.6463803454275343),
            (0.95, 1000.0, 1.6463788172854634),
            (0.95, 2500.0, 1.6454633619059014),
            (0.95, 39999.0, 1.6448917230202271),
            (0.95, 400000.0, 1.6448574363832165),
            (0.95, 1000000.0, 1.644855150722039),
            (0.95, 100000000.0, 1.6448536421891633),
            (0.995, 1.0, 63.656741162871526),
            (0.995, 2.0, 9.92484320091829),
            (0.995, 3.0, 5.840909309733354),
            (0.995, 4.5, 4.272823993011292),
            (0.995, 7.0, 3.4994832973504932),
            (0.995, 12.0, 3.0545395893929013),
            (0.995, 30.0, 2.7499956535672254),
            (0.995, 63.0, 2.656145025099861),
            (0.995, 100.0, 2.625890521438018),
            (0.995, 250.0, 2.595637630466177),
            (0.995, 999.0, 2.5807596372676356),
            (0.995, 1000.0, 2.58075469806595),
            (0.995, 2500.0, 2.5777973369278224),
            (0.995, 39999.0, 2.575952225833977),
            (0.995, 400000.0, 2.575841594973114),
            (0.995, 1000000.0, 2.5758342201053335),
            (0.995, 100000000.0, 2.575829352714377),
            (0.9, 1.0, 3.0776835371752544),
            (0.9, 2.0, 1.885618083164127),
            (0.9, 3.0, 1.637744353696209),
            (0.9, 4.5, 1.5008853175085568),
            (0.9, 7.0, 1.4149239276505086),
            (0.9, 12.0, 1.356217334023206),
            (0.9, 30.0, 1.3104150253913955),
            (0.9, 63.0, 1.2951342937828885),
            (0.9, 100.0, 1.2900747613465124),
            (0.9, 250.0, 1.2849470554222562),
            (0.9, 999.0, 1.2823995700373976),
            (0.9, 1000.0, 1.2823987214609247),
            (0.9, 2500.0, 1.281890290810497),
            (0.9, 39999.0, 1.281572731049736),
            (0.9, 400000.0, 1.2815536820100866),
            (0.9, 1000000.0, 1.2815524121299389),
            (0.9, 100000000.0, 1.2815515740104486),
            (0.025, 1.0, -12.706204736174707),
            (0.025, 2.0, -4.302652729749464),
            (0.025, 3.0, -3.182446305283709),
            (0.025, 4.5, -2.6589123472044034),
            (0.025, 7.0, -2.3646242515927844),
            (0.025, 12.0, -2.178812829667229),
            (0.025, 30.0, -2.042272456301238),
            (0.025, 63.0, -1.9983405425207412),
            (0.025, 100.0, -1.983971518523552),
            (0.025, 250.0, -1.9694983934211527),
            (0.025, 999.0, -1.9623414611334495),
            (0.025, 1000.0, -1.9623390808264078),
            (0.025, 2500.0, -1.9609133447955667),
            (0.025, 39999.0, -1.9600232945677076),
            (0.025, 400000.0, -1.9599699152357701),
            (0.025, 1000000.0, -1.9599663568141066),
            (0.025, 100000000.0, -1.9599640082627663),
            (0.8, 1.0, 1.376381920471174),
            (0.8, 2.0, 1.0606601717798214),
            (0.8, 3.0, 0.9784723123633039),
            (0.8, 4.5, 0.9289655685760089),
            (0.8, 7.0, 0.8960296443137646),
            (0.8, 12.0, 0.8726092915881379),
            (0.8, 30.0, 0.8537672614712979),
            (0.8, 63.0, 0.8473639122756381),
            (0.8, 100.0, 0.8452304244910158),
            (0.8, 250.0, 0.843061360740335),
            (0.8, 999.0, 0.8419811822589467),
            (0.8, 1000.0, 0.8419808221624288),
            (0.8, 2500.0, 0.8417650335669481),
            (0.8, 39999.0, 0.8416302199129111),
            (0.8, 400000.0, 0.8416221321761427),
            (0.8, 1000000.0, 0.8416215930139842),
            (0.8, 100000000.0, 0.8416212371673237),
            (0.9995, 1.0, 636.6192487687897),
            (0.9995, 2.0, 31.599054576445365),
            (0.9995, 3.0, 12.923978636687961),
            (0.9995, 4.5, 7.580740499372756),
            (0.9995, 7.0, 5.407882520861829),
            (0.9995, 12.0, 4.3177912836062475),
            (0.9995, 30.0, 3.6459586350420627),
            (0.9995, 63.0, 3.451768944961033),
            (0.9995, 100.0, 3.3904913111642636),
            (0.9995, 250.0, 3.3298672056731307),
            (0.9995, 999.0, 3.3002924403987666),
            (0.9995, 1000.0, 3.3002826484239436),
            (0.9995, 2500.0, 3.2944228084453666),
            (0.9995, 39999.0, 3.290769997174526),
            (0.9995, 400000.0, 3.2905510559819158),
            (0.9995, 1000000.0, 3.2905364612487213),
            (0.9995, 100000000.0, 3.290526828789235),
        ];
        // (p, qnorm(p))
        let qnorm: [(f64, f64); 6] = [
            (0.975, 1.9599639845400536),
            (0.95, 1.6448536269514715),
            (0.995, 2.5758293035489),
            (0.9, 1.2815515655446008),
            (0.025, -1.9599639845400538),
            (0.8, 0.8416212335729144),
        ];
        // (p, a, b, qbeta(p, a, b))
        let qbeta: [(f64, f64, f64, f64); 24] = [
            (0.025, 2.0, 50.0, 0.004784992694707287),
            (0.025, 0.5, 3.0, 0.0001778199329347577),
            (0.025, 30.0, 4.0, 0.756683649240845),
            (0.025, 100.5, 900.5, 0.08256265284306002),
            (0.025, 1.0, 1.0, 0.025),
            (0.025, 5000.5, 45000.5, 0.09739358889243549),
            (0.975, 2.0, 50.0, 0.10447489639551721),
            (0.975, 0.5, 3.0, 0.5949531330134032),
            (0.975, 30.0, 4.0, 0.9659671185770213),
            (0.975, 100.5, 900.5, 0.11974828092692447),
            (0.975, 1.0, 1.0, 0.975),
            (0.975, 5000.5, 45000.5, 0.10265271819500954),
            (0.5, 2.0, 50.0, 0.0326908499162201),
            (0.5, 0.5, 3.0, 0.07903276707617302),
            (0.5, 30.0, 4.0, 0.8898512644844137),
            (0.5, 100.5, 900.5, 0.10013347205381869),
            (0.5, 1.0, 1.0, 0.5),
            (0.5, 5000.5, 45000.5, 0.10000266672228003),
            (0.05, 2.0, 50.0, 0.007012543951519739),
            (0.05, 0.5, 3.0, 0.0007117863263558019),
            (0.05, 30.0, 4.0, 0.7814967972978326),
            (0.05, 100.5, 900.5, 0.08524906590988963),
            (0.05, 1.0, 1.0, 0.05),
            (0.05, 5000.5, 45000.5, 0.09781029288503645),
        ];
        let mut worst = 0.0_f64;
        for (p, df, want) in qt {
            let got = quantile_t(p, Some(df));
            check(&mut worst, got, want, 1e-12, &format!("qt({p}, {df})"));
        }
        for (p, want) in qnorm {
            for df in [None, Some(f64::INFINITY)] {
                let got = quantile_t(p, df);
                check(&mut worst, got, want, 1e-12, &format!("qnorm({p})"));
            }
        }
        for (p, a, b, want) in qbeta {
            let what = format!("qbeta({p}, {a}, {b})");
            check(&mut worst, quantile_beta(p, a, b), want, 1e-12, &what);
        }
        eprintln!("quantiles against R: largest relative difference {worst:e}");
    }

    /// Two-sided p-values against R 4.2.2's `2 * pt(-x, df)` (R takes them from the normal
    /// distribution past 400 000 df, by Abramowitz and Stegun 26.7.8).
    #[test]
    fn p_values_agree_with_r() {
        // (x, df, 2 * pt(-x, df))
        let pt: [(f64, f64, f64); 40] = [
            (0.5, 1.0, 0.7048327646991336),
            (0.5, 5.0, 0.638298871640929),
            (0.5, 30.0, 0.6207230048851273),
            (0.5, 999.0, 0.6171851909302893),
            (0.5, 1000.0, 0.617185080833875),
            (0.5, 5000.0, 0.6170970808540339),
            (0.5, 39999.0, 0.6170778280204661),
            (0.5, 400000.0, 0.6170753525029042),
            (0.5, 1000000.0, 0.6170751874723717),
            (0.5, 100000000.0, 0.6170750785521781),
            (1.96, 1.0, 0.30034289177603307),
            (1.96, 5.0, 0.1072879525052941),
            (1.96, 30.0, 0.05934231289605053),
            (1.96, 999.0, 0.05027346273381004),
            (1.96, 1000.0, 0.05027318495574872),
            (1.96, 5000.0, 0.05005125229181952),
            (1.96, 39999.0, 0.05000272275428373),
            (1.96, 400000.0, 0.049996483518912005),
            (1.96, 1000000.0, 0.049996067585269796),
            (1.96, 100000000.0, 0.0499957930693281),
            (3.2, 1.0, 0.1928224959584591),
            (3.2, 5.0, 0.02399517680330048),
            (3.2, 30.0, 0.0032386017119531373),
            (3.2, 999.0, 0.0014175819980928284),
            (3.2, 1000.0, 0.001417538304317553),
            (3.2, 5000.0, 0.001382866434680457),
            (3.2, 39999.0, 0.0013753480303906394),
            (3.2, 400000.0, 0.0013743830668541267),
            (3.2, 1000000.0, 0.0013743187516606114),
            (3.2, 100000000.0, 0.0013742763045861534),
            (6.0, 1.0, 0.10513691342250685),
            (6.0, 5.0, 0.001846138289594014),
            (6.0, 30.0, 1.3942768767204717e-06),
            (6.0, 999.0, 2.75626906890442e-09),
            (6.0, 1000.0, 2.7553691733774752e-09),
            (6.0, 5000.0, 2.1120962833053767e-09),
            (6.0, 39999.0, 1.9900984629380353e-09),
            (6.0, 400000.0, 1.97486196815909e-09),
            (6.0, 1000000.0, 1.973849812354442e-09),
            (6.0, 100000000.0, 1.9731820343152856e-09),
        ];
        let mut worst = 0.0_f64;
        for (x, df, want) in pt {
            for stat in [x, -x] {
                let got = p_value(stat, Some(df));
                check(&mut worst, got, want, 1e-9, &format!("2 pt(-{x}, {df})"));
            }
        }
        eprintln!("p-values against R: largest relative difference {worst:e}");
    }

    /// Degrees of freedom, statistics or probabilities outside the domain give NaN, not a
    /// panic.
    #[test]
    fn outside_their_domain_quantiles_and_p_values_are_nan() {
        assert!(quantile_t(0.975, Some(0.0)).is_nan());
        assert!(quantile_t(0.975, Some(-2.0)).is_nan());
        assert!(quantile_t(0.975, Some(f64::NAN)).is_nan());
        assert!(quantile_t(1.0, Some(5.0)).is_nan());
        assert!(quantile_t(0.0, None).is_nan());
        assert!(quantile_beta(0.5, 0.0, 1.0).is_nan());
        assert!(quantile_beta(f64::NAN, 1.0, 1.0).is_nan());
        assert!(critical_value(0.95, Some(0.0)).is_nan());
        assert!(p_value(2.0, Some(f64::NAN)).is_nan());
        assert!(p_value(2.0, Some(0.0)).is_nan());
        assert!(p_value(f64::NAN, Some(10.0)).is_nan());
        assert!(p_value(f64::INFINITY, None).is_nan());
    }
}
