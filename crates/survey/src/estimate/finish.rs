//! From partial sums to estimates: point estimates, Taylor or replicate variances, logit
//! fits, degrees of freedom and intervals per (domain × measure), and the gaps between
//! domains.

use super::calibrate::coefficients;
use super::critical::CriticalValues;
use super::glm::logit_fit;
use super::lonely::average_factors;
use super::measures::Kind;
use super::partial::{EXTRAS, N_UNIV, N_VALID, PartialSums, SLOTS, SW, SWX, SWY};
use super::prepared::{DomainTotals, Prepared, RowEntries, domain_totals};
use super::replicate_variance::replicate_variances;
use super::request::{CiMethod, GapPair, Request};
use super::taylor::{Channel, Correction, PARALLEL_MIN, Target, VarianceSpec, variances};
use crate::error::{Error, Result};
use crate::interval;

/// Relative size, against the squares summed, under which the centred sum of squares of
/// a design effect's denominator is rounding and taken as 0.
const SPREAD_ROUNDING: f64 = 1e-12;

/// One computed row, before formatting.
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    pub measure: usize,
    pub grouping: usize,
    pub domain: usize,
    pub estimate: f64,
    pub se: f64,
    pub ci: (f64, f64),
    pub df: f64,
    pub deff: Option<f64>,
    pub n: f64,
    pub pop: f64,
    pub rows_in_group: f64,
    pub n_universe: f64,
}

/// Point estimate and main linearisation coefficients of a measure from domain totals.
fn point(kind: Kind, sl: &[f64]) -> (f64, f64, f64, f64) {
    let (sw, swy, swx) = (sl[SW], sl[SWY], sl[SWX]);
    match kind {
        Kind::Mean | Kind::Proportion => {
            let t = swy / sw;
            (t, -t / sw, 1.0 / sw, 0.0)
        }
        Kind::Total => (swy, 0.0, 1.0, 0.0),
        Kind::Ratio => {
            let r = swy / swx;
            (r, 0.0, 1.0 / swx, -r / swx)
        }
    }
}

/// Everything computed for a request, plus what gaps need.
pub(crate) struct Computed {
    pub rows: Vec<RawRow>,
    /// Per (dom, measure): estimate.
    pub theta: Vec<f64>,
    /// Per (dom, measure): df.
    pub df: Vec<f64>,
    /// Variances of the extra (gap) targets.
    pub extra_var: Vec<f64>,
}

/// Where the Taylor variance comes from.
pub(crate) enum VarianceFrom<'a> {
    /// The rows, read again in unit order.
    Rows,
    /// The (unit, cell) partial-sums table.
    Table(&'a PartialSums),
    /// Computed already (streaming, stratum by stratum): per (domain, measure) target the
    /// variance and the design df.
    Given(Vec<f64>, Vec<f64>),
}

/// Point estimates and their linearised scores, per (domain, measure), from domain totals.
pub(crate) fn linearise(p: &Prepared, tot: &DomainTotals) -> (Vec<f64>, Vec<Channel>) {
    let m = p.measures.len();
    let width = m * SLOTS;
    let nd = p.n_domains();
    let n_dm = nd * m;
    let mut channels = Vec::with_capacity(n_dm);
    let mut theta = vec![f64::NAN; n_dm];
    for dom in 0..nd {
        for (mi, md) in p.measures.iter().enumerate() {
            let sl = &tot.slots[dom * width + mi * SLOTS..dom * width + (mi + 1) * SLOTS];
            let (t, aw, ay, ax) = if sl[N_VALID] > 0.0 {
                point(md.kind, sl)
            } else {
                (f64::NAN, 0.0, 0.0, 0.0)
            };
            theta[dom * m + mi] = t;
            channels.push(Channel {
                dom: dom as u32,
                measure: mi as u32,
                aw,
                ay,
                ax,
            });
        }
    }
    (theta, channels)
}

/// Finish: estimates, variances, intervals. `ps` holds at least the cell totals; `from`
/// says where the Taylor variance comes from.
pub(crate) fn finish(
    p: &Prepared,
    ps: &PartialSums,
    from: VarianceFrom<'_>,
    req: &Request,
    gaps: &[GapPair],
) -> Result<Computed> {
    let m = p.measures.len();
    let width = m * SLOTS;
    let tot = domain_totals(p, ps);
    let nd = p.n_domains();
    let n_dm = nd * m;
    let (theta, mut channels) = linearise(p, &tot);
    // Logit intervals: R's glm fit per domain, then the variance of its coefficient.
    let logit: Vec<Option<super::glm::LogitFit>> = if req.ci == CiMethod::Logit {
        if p.replicate.is_some() {
            return Err(Error::InvalidRequest(
                "the logit interval is available for Taylor designs; use xlogit with replicate weights".into(),
            ));
        }
        logit_fit(p, &tot)
    } else {
        vec![None; n_dm]
    };
    let mut logit_channel = vec![u32::MAX; n_dm];
    for (dm, fit) in logit.iter().enumerate() {
        if let Some(f) = fit {
            let sl = &tot.slots[(dm / m) * width + (dm % m) * SLOTS..];
            let nw = sl[SW];
            logit_channel[dm] = channels.len() as u32;
            channels.push(Channel {
                dom: (dm / m) as u32,
                measure: (dm % m) as u32,
                aw: -f.mu / (f.mu_eta * nw),
                ay: 1.0 / (f.mu_eta * nw),
                ax: 0.0,
            });
        }
    }
    let mut targets: Vec<Target> = (0..n_dm)
        .map(|dm| Target {
            terms: vec![(dm as u32, 1.0)],
        })
        .collect();
    for (dm, &c) in logit_channel.iter().enumerate() {
        if c != u32::MAX {
            let _ = dm;
            targets.push(Target {
                terms: vec![(c, 1.0)],
            });
        }
    }
    let first_gap = targets.len();
    for gp in gaps {
        let a = gp.a * m + gp.measure;
        let b = gp.b * m + gp.measure;
        targets.push(Target {
            terms: vec![(a as u32, 1.0), (b as u32, -1.0)],
        });
        let (ta, tb) = (theta[a], theta[b]);
        targets.push(Target {
            terms: vec![(a as u32, 1.0 / tb), (b as u32, -ta / (tb * tb))],
        });
    }
    let (given, table) = match from {
        VarianceFrom::Given(var, df) => (Some((var, df)), None),
        VarianceFrom::Table(t) => (None, Some(t)),
        VarianceFrom::Rows => (None, None),
    };
    let (var, df): (Vec<f64>, Vec<f64>) = match (&p.structure, &p.replicate, given) {
        (_, _, Some(given)) => given,
        (Some(s), _, None) => {
            let average = average_factors(p, s);
            let b = p
                .calibration
                .as_ref()
                .map(|c| coefficients(p, &c.data, &channels));
            let correction = p
                .calibration
                .as_ref()
                .zip(b.as_deref())
                .map(|(c, b)| Correction {
                    p: c.data.p,
                    b,
                    unit_sums: &c.unit_sums,
                });
            let spec = VarianceSpec {
                correction,
                structure: s,
                cells: &p.cells,
                dom_offset: &p.dom_offset,
                n_measures: m,
                channels: &channels,
                targets: &targets,
                average: average.as_deref(),
            };
            let v = match table {
                Some(t) => variances(&spec, t, PARALLEL_MIN),
                None => variances(&spec, &RowEntries::new(p, s), PARALLEL_MIN),
            };
            let df = (0..n_dm)
                .map(|dm| v.psus[dm] as f64 - v.strata[dm] as f64)
                .collect();
            (v.var, df)
        }
        (None, Some(r), None) => replicate_variances(p, r, ps, &theta, n_dm, gaps)?,
        (None, None, None) => return Err(Error::InvalidDesign("no variance method".into())),
    };
    let mut rows = Vec::with_capacity(n_dm);
    let critical = CriticalValues::new(req, df.iter().copied());
    for (g, grouping) in p.cells.groupings.iter().enumerate() {
        for d in 0..grouping.domains.len() {
            let dom = p.dom_offset[g] as usize + d;
            for (mi, md) in p.measures.iter().enumerate() {
                let dm = dom * m + mi;
                let sl = &tot.slots[dom * width + mi * SLOTS..dom * width + (mi + 1) * SLOTS];
                let ex = &tot.extra[dom * (1 + m * EXTRAS)..];
                let est = theta[dm];
                let se = var[dm].sqrt();
                let dfv = df[dm];
                let crit_df = critical.df(dfv);
                let q = critical.get(dfv);
                let mut estimate = est;
                let ci = if md.kind == Kind::Proportion {
                    match req.ci {
                        CiMethod::Wald | CiMethod::Woodruff => interval::wald(est, se, q),
                        CiMethod::Xlogit => interval::xlogit(est, se, q),
                        CiMethod::Beta => interval::beta(est, se, req.level, sl[N_UNIV], crit_df),
                        CiMethod::Wilson => interval::wilson(est, se, q),
                        CiMethod::Logit => match &logit[dm] {
                            Some(f) => {
                                let c = logit_channel[dm] as usize;
                                let se_b = var[n_dm + logit_rank(&logit_channel, c)].sqrt();
                                estimate = interval::expit(f.beta);
                                (
                                    interval::expit(f.beta - q * se_b),
                                    interval::expit(f.beta + q * se_b),
                                )
                            }
                            None => (f64::NAN, f64::NAN),
                        },
                    }
                } else {
                    interval::wald(est, se, q)
                };
                // R's deff = TRUE: the variance over that of a simple random sample of
                // the domain's rows (svyvar with the weights used, times (N - n) / (N n)
                // for means and proportions, N² (N - n) / (N n) for totals; a ratio's is
                // svytotal's of r = (y - R x) / X̂).
                let deff = if req.deff && sl[N_VALID] > 1.0 {
                    let psum = sl[SW];
                    let e = &ex[1 + mi * EXTRAS..1 + (mi + 1) * EXTRAS];
                    let (swy2, nobs, swxy, swx2) = (e[0], e[1], e[2], e[3]);
                    // Σ w (v - v̄)² / Σ w · n / (n - 1) for v = y, or v = r for ratios. The
                    // centred sum is a difference of sums of squares: a spread below their
                    // rounding (`scale` is the size of the squares summed) is none — a
                    // constant value, whose variance R computes as exactly 0 — so that the
                    // design effect of such a domain is undefined whatever the order in
                    // which the rows were added (in memory, in batches, merged).
                    let s2 = |sum: f64, sum2: f64, scale: f64| {
                        let mean = sum / psum;
                        let centred = sum2 - psum * mean * mean;
                        let centred = if centred.abs() <= SPREAD_ROUNDING * scale.abs() {
                            0.0
                        } else {
                            centred
                        };
                        centred / psum * nobs / (nobs - 1.0)
                    };
                    let vsrs = match md.kind {
                        Kind::Mean | Kind::Proportion => {
                            s2(sl[SWY], swy2, swy2) * (psum - nobs) / (psum * nobs)
                        }
                        Kind::Total => {
                            s2(sl[SWY], swy2, swy2) * psum * psum / nobs * (psum - nobs) / psum
                        }
                        Kind::Ratio => {
                            let (r, xt) = (est, sl[SWX]);
                            let sum = (sl[SWY] - r * xt) / xt;
                            let sum2 = (swy2 - 2.0 * r * swxy + r * r * swx2) / (xt * xt);
                            let scale = (swy2 + r * r * swx2) / (xt * xt);
                            s2(sum, sum2, scale) * psum * psum / nobs * (psum - nobs) / psum
                        }
                    };
                    Some(var[dm] / vsrs)
                } else {
                    None
                };
                rows.push(RawRow {
                    measure: mi,
                    grouping: g,
                    domain: d,
                    estimate,
                    se,
                    ci,
                    df: dfv,
                    deff,
                    n: sl[N_VALID],
                    pop: sl[SW],
                    rows_in_group: ex[0],
                    n_universe: sl[N_UNIV],
                });
            }
        }
    }
    let extra_var = var[first_gap.min(var.len())..].to_vec();
    Ok(Computed {
        rows,
        theta,
        df,
        extra_var,
    })
}

/// Position of logit channel `c` among the logit targets.
fn logit_rank(logit_channel: &[u32], c: usize) -> usize {
    logit_channel
        .iter()
        .filter(|&&x| x != u32::MAX && (x as usize) < c)
        .count()
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;
    use proptest::prelude::*;

    use super::*;
    use crate::design::Design;
    use crate::estimate::request::{Request, Statistic};
    use crate::estimate::taylor::CellSums;

    /// A row of a small survey: group (0–2), unit (0–3), weight (0–3, zero included),
    /// value (missing or not) and denominator.
    type Row = (u8, u8, u32, Option<i32>, u8);

    /// From 2 to `most` rows.
    fn rows(most: usize) -> impl Strategy<Value = Vec<Row>> {
        proptest::collection::vec(
            (
                0u8..3,
                0u8..4,
                0u32..5,
                proptest::option::of(-50i32..50),
                0u8..3,
            ),
            2..most,
        )
    }

    /// The rows as columns `g`, `u`, `w`, `y` and `x`.
    fn frame(rows: &[Row]) -> DataFrame {
        let g: Vec<i32> = rows.iter().map(|r| i32::from(r.0)).collect();
        let u: Vec<i32> = rows.iter().map(|r| i32::from(r.1)).collect();
        let w: Vec<f64> = rows.iter().map(|r| f64::from(r.2) * 0.75).collect();
        let y: Vec<Option<f64>> = rows
            .iter()
            .map(|r| r.3.map(|v| f64::from(v) / 4.0))
            .collect();
        let x: Vec<f64> = rows.iter().map(|r| 1.0 + f64::from(r.4)).collect();
        df!("g" => g, "u" => u, "w" => w, "y" => y, "x" => x).unwrap()
    }

    /// Two proportions (one with a universe) and a mean with missing values.
    fn three_measures() -> Request {
        let proportion = |c: &str| Statistic::Proportion {
            condition: c.into(),
        };
        Request::new()
            .measure("p", proportion("u >= 2"), None)
            .measure("pu", proportion("u = 1"), Some("g < 2"))
            .measure(
                "m",
                Statistic::Mean {
                    variable: "y".into(),
                },
                Some("u > 0"),
            )
    }

    /// A survey whose columns come in chunks (a file read in row groups) estimates what
    /// the same survey in one chunk does, to the last bit: the passes read the values
    /// chunk by chunk, and PSUs that cross a chunk's end are added in two parts.
    #[test]
    fn chunked_columns_give_the_estimates_of_one_chunk() {
        let n = 3 * 20_000 + 7;
        let mut state = 12345u64;
        let mut next = move |k: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % k
        };
        let (mut h, mut psu, mut g, mut u, mut w, mut y, mut x) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for i in 0..n {
            // PSUs of 7 rows (so some cross the chunks' ends), 10 per stratum
            h.push((i / 70) as i32);
            psu.push((i / 7) as i64);
            g.push(next(3) as i32);
            u.push(next(4) as i32);
            w.push(1.0 + next(40) as f64 / 8.0);
            y.push((next(5) > 0).then(|| next(1000) as f64 / 10.0));
            x.push(1.0 + next(9) as f64);
        }
        let mut bad_w = w.clone();
        bad_w[45_000] = -1.0;
        let whole =
            df!("h" => h, "psu" => psu, "g" => g, "u" => u, "w" => w, "y" => y, "x" => x).unwrap();
        let in_three_chunks = |df: &DataFrame| {
            let mut chunked = df.slice(0, 20_000);
            chunked.vstack_mut(&df.slice(20_000, 20_000)).unwrap();
            chunked.vstack_mut(&df.slice(40_000, n - 40_000)).unwrap();
            chunked
        };
        let chunked = in_three_chunks(&whole);
        assert_eq!(chunked.first_col_n_chunks(), 3);
        assert_eq!(whole.first_col_n_chunks(), 1);
        let design = Design::builder("w").strata("h").psu("psu").build().unwrap();
        let req = three_measures()
            .ratio("y", "x")
            .measure(
                "mx",
                Statistic::Mean {
                    variable: "x".into(),
                },
                None,
            )
            .overall()
            .by(["g"]);
        let estimate = |df: &DataFrame| {
            let survey = crate::estimate::Survey::new(df.clone(), design.clone()).unwrap();
            format!("{:?}", survey.estimate(&req).unwrap())
        };
        assert_eq!(estimate(&chunked), estimate(&whole));
        // a bad weight in the third chunk is named by its row in the whole data
        let mut bad = whole.clone();
        bad.with_column(Column::new("w".into(), bad_w)).unwrap();
        let survey = crate::estimate::Survey::new(in_three_chunks(&bad), design).unwrap();
        match survey.estimate(&req) {
            Err(Error::InvalidWeight { row, .. }) => assert_eq!(row, 45_000),
            other => panic!("expected an invalid weight, got {other:?}"),
        }
    }

    proptest! {
        /// A disaggregation's estimates do not depend on the others requested with it:
        /// marginal domains added up from crossed ones (sex from born abroad × sex) give the
        /// standard errors and degrees of freedom of the disaggregation requested alone, with
        /// missing group values in one column (a grouping that leaves rows out serves none
        /// that keeps them).
        #[test]
        fn a_disaggregation_alone_equals_it_among_others(rows in rows(300)) {
            let mut df = frame(&rows);
            let h: Vec<Option<i32>> = rows
                .iter()
                .map(|r| (r.1 != 3).then_some(i32::from(r.0 % 2)))
                .collect();
            df.with_column(Column::new("h".into(), h)).unwrap();
            // one PSU in the data: its stratum centred at the overall mean, not an error
            let design = Design::builder("w")
                .psu("u")
                .lonely_psu(crate::design::LonelyPsu::Adjust)
                .build()
                .unwrap();
            let survey = crate::estimate::Survey::new(df, design).unwrap();
            let groupings: [&[&str]; 5] = [&[], &["g"], &["h"], &["g", "h"], &["u", "g"]];
            let with = |req: Request, by: &[&str]| {
                if by.is_empty() { req.overall() } else { req.by(by.iter().copied()) }
            };
            let all = groupings
                .iter()
                .fold(three_measures().ratio("y", "x"), |req, by| with(req, by));
            let together = survey.estimate(&all).unwrap();
            for (k, by) in groupings.iter().enumerate() {
                let alone = survey.estimate(&with(three_measures().ratio("y", "x"), by)).unwrap();
                let among: Vec<_> = together.rows.iter().filter(|r| r.disaggregation == k).collect();
                prop_assert_eq!(among.len(), alone.rows.len());
                for (a, b) in among.iter().zip(&alone.rows) {
                    prop_assert_eq!(a.estimate, b.estimate);
                    prop_assert_eq!(a.df, b.df);
                    prop_assert_eq!(a.n, b.n);
                    match (a.se, b.se) {
                        (Some(x), Some(y)) => prop_assert!(
                            (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1e-300),
                            "{} {:?}: se {} vs {}", a.measure, a.groups, x, y
                        ),
                        (x, y) => prop_assert_eq!(x.is_some(), y.is_some()),
                    }
                }
            }
        }

        /// Cell totals added by row state equal the totals added row by row
        /// ([`Prepared::add_row`]), with and without the moments of design effects:
        /// counts exactly, weighted sums to rounding.
        #[test]
        fn totals_by_state_equal_totals_by_row(
            rows in rows(300),
        ) {
            let (df, design) = (frame(&rows), Design::builder("w").build().unwrap());
            let req = three_measures()
                .ratio("y", "x")
                .total("x")
                .overall()
                .by(["g"]);
            let p = Prepared::new(&df, &design, &req.measures, &req.groupings()).unwrap();
            let (m, c) = (p.measures.len(), p.cells.n_cells);
            let ex = 1 + m * EXTRAS;
            let mut values = vec![0.0; c * m * SLOTS];
            let mut extra = vec![0.0; c * ex];
            for i in 0..p.n {
                let cell = p.cells.cell[i] as usize;
                p.add_row(
                    i,
                    &mut values[cell * m * SLOTS..(cell + 1) * m * SLOTS],
                    &mut extra[cell * ex..(cell + 1) * ex],
                );
            }
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(1.0);
            for moments in [false, true] {
                let by_state = p.accumulate_cells(0..p.n, moments);
                prop_assert_eq!(values.len(), by_state.values.len());
                for (k, (a, b)) in values.iter().zip(&by_state.values).enumerate() {
                    match k % SLOTS {
                        N_UNIV | N_VALID => prop_assert_eq!(a, b),
                        _ => prop_assert!(close(*a, *b), "slot {}: {} vs {}", k, a, b),
                    }
                }
                for (k, (a, b)) in extra.iter().zip(&by_state.cell_extra).enumerate() {
                    if k % ex == 0 {
                        // rows per cell
                        prop_assert_eq!(a, b);
                    } else if moments {
                        prop_assert!(close(*a, *b), "extra {}: {} vs {}", k, a, b);
                    } else {
                        prop_assert_eq!(*b, 0.0);
                    }
                }
            }
        }

        /// The variance pass's sums of a unit's rows added measure by measure
        /// ([`Prepared::add_rows_scores`]) are those added row by row
        /// ([`Prepared::add_row_scores`]) to the last bit, with and without ratios, and
        /// with universe bits per row (up to 8 measures) or per measure (11), and with
        /// proportions added four at a time.
        #[test]
        fn scores_by_measure_equal_scores_by_row(
            rows in rows(200),
            cut in (0usize..200, 0usize..200),
        ) {
            let (df, design) = (frame(&rows), Design::builder("w").build().unwrap());
            let plain = three_measures()
                .total("x")
                .by(["g", "u"]);
            // four proportions: added in one loop
            let with_ratio = plain
                .clone()
                .ratio("y", "x")
                .proportion("u = 0")
                .proportion("g = 2");
            // more than 8 measures: universe bits set measure by measure; five
            // proportions: four in one loop, then one
            let eleven = with_ratio
                .clone()
                .mean("y")
                .total("y")
                .proportion("g = 1")
                .mean("x");
            let (a, b) = (cut.0 % rows.len(), cut.1 % rows.len());
            let (lo, hi) = (a.min(b), a.max(b) + 1);
            for (req, k) in [(plain, 2), (with_ratio, 3), (eleven, 3)] {
                let p = Prepared::new(&df, &design, &req.measures, &req.groupings()).unwrap();
                prop_assert_eq!(p.score_slots(), k);
                prop_assert_eq!(p.universe_bits.is_some(), p.measures.len() <= 8);
                let (width, words) = (p.measures.len() * k, 1);
                let n_cells = p.cells.n_cells;
                let mut by_row = (vec![0.0; n_cells * width], vec![0u64; n_cells * words]);
                for i in lo..hi {
                    let c = p.cells.cell[i] as usize;
                    let acc = &mut by_row.0[c * width..(c + 1) * width];
                    let univ = &mut by_row.1[c * words..(c + 1) * words];
                    match k {
                        3 => p.add_row_scores::<3>(i, acc, univ),
                        _ => p.add_row_scores::<2>(i, acc, univ),
                    }
                }
                let mut by_measure = (vec![0.0; n_cells * width], vec![0u64; n_cells * words]);
                let cells = CellSums {
                    acc: &mut by_measure.0,
                    univ: &mut by_measure.1,
                    width,
                    words,
                };
                match k {
                    3 => p.add_rows_scores::<3>(lo..hi, cells),
                    _ => p.add_rows_scores::<2>(lo..hi, cells),
                }
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(bits(&by_row.0), bits(&by_measure.0));
                prop_assert_eq!(&by_row.1, &by_measure.1);
            }
        }
    }
}
