//! Invariants of the estimator (proptest): row order, weight scaling, chunked accumulation,
//! data held in several memory chunks, PSU labels, string group labels, replicate weights
//! equal to the full weights, quantile monotonicity and order invariance.

use hri_survey::design::{Design, ReplicateColumns, ReplicateKind, Replicates};
use hri_survey::estimate::{Estimates, Request, Statistic, Survey};
use polars::prelude::*;
use proptest::prelude::*;

/// One row: (stratum, psu, weight, y, x, group, flag).
type Row = (i32, i32, f64, Option<f64>, f64, i32, i32);

/// A small stratified cluster sample.
#[derive(Debug, Clone)]
struct Rows(Vec<Row>);

fn rows() -> impl Strategy<Value = Rows> {
    // 2–3 strata × 2–3 PSUs × 1–4 rows
    (2..4i32, 2..4i32).prop_flat_map(|(ns, np)| {
        let cells = (ns * np) as usize;
        prop::collection::vec(
            prop::collection::vec(
                (
                    1.0..20.0f64,
                    prop::option::weighted(0.9, -50.0..50.0f64),
                    1.0..9.0f64,
                    0..3i32,
                    0..2i32,
                ),
                1..5,
            ),
            cells,
        )
        .prop_map(move |units| {
            let mut out = Vec::new();
            for (k, unit) in units.into_iter().enumerate() {
                let s = k as i32 / np;
                let p = k as i32;
                for (w, y, x, g, f) in unit {
                    out.push((s, p, w, y, x, g, f));
                }
            }
            Rows(out)
        })
    })
}

fn frame(r: &Rows, scale: f64) -> DataFrame {
    df!(
        "stratum" => r.0.iter().map(|t| t.0).collect::<Vec<_>>(),
        "psu" => r.0.iter().map(|t| t.1).collect::<Vec<_>>(),
        "w" => r.0.iter().map(|t| t.2 * scale).collect::<Vec<_>>(),
        "y" => r.0.iter().map(|t| t.3).collect::<Vec<_>>(),
        "x" => r.0.iter().map(|t| t.4).collect::<Vec<_>>(),
        "g" => r.0.iter().map(|t| t.5).collect::<Vec<_>>(),
        "f" => r.0.iter().map(|t| t.6).collect::<Vec<_>>(),
    )
    .unwrap()
}

fn design() -> Design {
    Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .build()
        .unwrap()
}

fn request() -> Request {
    Request::new()
        .mean("y")
        .total("y")
        .ratio("y", "x")
        .proportion("f = 1")
        .overall()
        .by(["g"])
        .by(["g", "f"])
}

fn approx(a: Option<f64>, b: Option<f64>, tol: f64) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs())),
        _ => false,
    }
}

fn same(a: &Estimates, b: &Estimates, tol: f64, total_scale: f64) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.rows.len(), b.rows.len());
    for (x, y) in a.rows.iter().zip(&b.rows) {
        prop_assert_eq!(&x.groups, &y.groups);
        prop_assert_eq!(x.n, y.n);
        let k = if x.statistic == "total" {
            total_scale
        } else {
            1.0
        };
        prop_assert!(
            approx(x.estimate.map(|v| v * k), y.estimate, tol),
            "estimate {:?} vs {:?}",
            x,
            y
        );
        prop_assert!(
            approx(x.se.map(|v| v * k), y.se, tol),
            "se {:?} vs {:?}",
            x,
            y
        );
        prop_assert!(approx(x.df, y.df, 0.0), "df {:?} vs {:?}", x.df, y.df);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn permuting_rows_changes_nothing(r in rows(), seed in any::<u64>()) {
        let base = Survey::new(frame(&r, 1.0), design()).unwrap().estimate(&request()).unwrap();
        let mut perm = r.clone();
        // deterministic shuffle from the seed
        let mut s = seed | 1;
        for i in (1..perm.0.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            perm.0.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let shuffled = Survey::new(frame(&perm, 1.0), design()).unwrap().estimate(&request()).unwrap();
        same(&base, &shuffled, 1e-9, 1.0)?;
    }

    #[test]
    fn scaling_weights_scales_only_totals(r in rows(), c in 0.01..100.0f64) {
        let base = Survey::new(frame(&r, 1.0), design()).unwrap().estimate(&request()).unwrap();
        let scaled = Survey::new(frame(&r, c), design()).unwrap().estimate(&request()).unwrap();
        same(&base, &scaled, 1e-9, c)?;
    }

    #[test]
    fn merged_chunks_equal_one_pass(r in rows(), k in 2..6usize, seed in any::<u64>()) {
        let survey = Survey::new(frame(&r, 1.0), design()).unwrap();
        let est = survey.prepare(&request()).unwrap();
        let one = est.finish(&est.accumulate_all()).unwrap();
        // random assignment of rows to k chunks
        let mut chunks: Vec<Vec<usize>> = vec![Vec::new(); k];
        let mut s = seed | 1;
        for i in 0..est.rows() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            chunks[(s % k as u64) as usize].push(i);
        }
        let mut merged = est.accumulate(&chunks[0]).unwrap();
        for c in &chunks[1..] {
            merged = merged.merge(est.accumulate(c).unwrap()).unwrap();
        }
        prop_assert_eq!(merged.rows(), est.rows() as u64);
        same(&one, &est.finish(&merged).unwrap(), 1e-12, 1.0)?;
    }

    #[test]
    fn data_in_several_memory_chunks_equal_one_chunk(r in rows(), k in 2..5usize, seed in any::<u64>()) {
        // Files are read in chunks (row groups): columns with several arrays, with and
        // without missing values, must give what one contiguous array gives.
        let df = frame(&r, 1.0);
        let n = df.height();
        let mut cuts: Vec<usize> = Vec::new();
        let mut s = seed | 1;
        for _ in 1..k {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            cuts.push((s % (n as u64 + 1)) as usize);
        }
        cuts.push(0);
        cuts.push(n);
        cuts.sort_unstable();
        let mut chunked = df.slice(0, cuts[1]);
        for w in cuts[1..].windows(2) {
            chunked.vstack_mut(&df.slice(w[0] as i64, w[1] - w[0])).unwrap();
        }
        prop_assert_eq!(chunked.height(), n);
        let one = Survey::new(df, design()).unwrap().estimate(&request()).unwrap();
        let many = Survey::new(chunked, design()).unwrap().estimate(&request()).unwrap();
        same(&one, &many, 1e-12, 1.0)?;
    }

    #[test]
    fn psu_labels_do_not_matter(r in rows(), seed in any::<u64>()) {
        // PSU ids relabelled by a random one-to-one map (not in stratum order any more).
        let n_psu = r.0.iter().map(|t| t.1).max().unwrap_or(0) + 1;
        let mut label: Vec<i32> = (0..n_psu).map(|p| 1000 + 7 * p).collect();
        let mut s = seed | 1;
        for i in (1..label.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            label.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let mut relabelled = r.clone();
        for t in &mut relabelled.0 {
            t.1 = label[t.1 as usize];
        }
        let a = Survey::new(frame(&r, 1.0), design()).unwrap().estimate(&request()).unwrap();
        let b = Survey::new(frame(&relabelled, 1.0), design()).unwrap().estimate(&request()).unwrap();
        same(&a, &b, 1e-12, 1.0)?;
    }

    #[test]
    fn string_group_labels_equal_integer_ones(r in rows(), long in any::<bool>()) {
        // Short labels are stored inside their string views, long ones in buffers.
        let mut df = frame(&r, 1.0);
        let text: Vec<Option<String>> = r.0.iter().map(|t| {
            let label = if long { format!("a group label longer than twelve bytes {}", t.5) } else { format!("g{}", t.5) };
            (t.5 != 2 || t.6 == 0).then_some(label)
        }).collect();
        let code: Vec<Option<i32>> = r.0.iter().map(|t| (t.5 != 2 || t.6 == 0).then_some(t.5)).collect();
        df.with_column(Column::new("gs".into(), text)).unwrap();
        df.with_column(Column::new("gi".into(), code)).unwrap();
        let survey = Survey::new(df, design()).unwrap();
        let req = |by: &str| Request::new().mean("y").proportion("f = 1").by([by]).by([by, "f"]);
        let a = survey.estimate(&req("gs")).unwrap();
        let b = survey.estimate(&req("gi")).unwrap();
        prop_assert_eq!(a.rows.len(), b.rows.len());
        for (x, y) in a.rows.iter().zip(&b.rows) {
            prop_assert!(approx(x.estimate, y.estimate, 0.0) && approx(x.se, y.se, 0.0), "{:?} vs {:?}", x, y);
            prop_assert_eq!(x.n, y.n);
        }
        prop_assert_eq!(&a.missing_group, &b.missing_group);
    }

    #[test]
    fn replicate_variance_equals_its_definition(r in rows(), seed in any::<u64>(), zero in prop::collection::vec(any::<bool>(), 1..4)) {
        // Replicate weights = a random factor per PSU and replicate times the full weight
        // (rows of a PSU share a pattern), some rows with full weight 0 but replicate
        // weights: every estimate's replicate variance equals scale · Σ (θ_r − mean θ)².
        let n_rep = 5;
        let mut s = seed | 1;
        let mut next = || { s ^= s << 13; s ^= s >> 7; s ^= s << 17; s };
        let factors: Vec<Vec<f64>> = (0..64).map(|_| (0..n_rep).map(|_| (next() % 3) as f64 * 0.5).collect()).collect();
        let rows: Vec<(f64, Vec<f64>, Option<f64>, i32)> = r.0.iter().enumerate().map(|(i, t)| {
            let w = if zero[i % zero.len()] && i % 3 == 0 { 0.0 } else { t.2 };
            let reps = (0..n_rep).map(|k| if w == 0.0 { 1.0 + k as f64 } else { factors[t.1 as usize % 64][k] * w }).collect();
            (w, reps, t.3, t.5)
        }).collect();
        let mut df = df!(
            "w" => rows.iter().map(|x| x.0).collect::<Vec<_>>(),
            "y" => rows.iter().map(|x| x.2).collect::<Vec<_>>(),
            "g" => rows.iter().map(|x| x.3).collect::<Vec<_>>(),
        ).unwrap();
        for k in 0..n_rep {
            df.with_column(Column::new(format!("rep{k}").into(), rows.iter().map(|x| x.1[k]).collect::<Vec<_>>())).unwrap();
        }
        let d = Design::builder("w").replicates(Replicates {
            kind: ReplicateKind::Bootstrap,
            columns: ReplicateColumns::Prefix("rep".into()),
            scale: Some(0.5), rscales: Some(vec![1.0; n_rep]), mse: false, df: Some(4.0),
        }).build().unwrap();
        let t = Survey::new(df, d).unwrap().estimate(&Request::new().mean("y").total("y").overall().by(["g"])).unwrap();
        for row in &t.rows {
            let in_domain = |x: &(f64, Vec<f64>, Option<f64>, i32)| {
                x.2.is_some() && row.groups[0].as_ref().is_none_or(|g| *g == x.3.to_string())
            };
            let thetas: Vec<f64> = (0..n_rep).map(|k| {
                let sy: f64 = rows.iter().filter(|x| in_domain(x)).map(|x| x.1[k] * x.2.unwrap_or(0.0)).sum();
                let sw: f64 = rows.iter().filter(|x| in_domain(x)).map(|x| x.1[k]).sum();
                if row.statistic == "total" { sy } else { sy / sw }
            }).collect();
            let mean = thetas.iter().sum::<f64>() / n_rep as f64;
            let var = 0.5 * thetas.iter().map(|t| (t - mean) * (t - mean)).sum::<f64>();
            match row.se {
                Some(se) => prop_assert!((se * se - var).abs() <= 1e-9 * (1.0 + var.abs()), "{:?}: se² {} vs {}", row, se * se, var),
                None => prop_assert!(!var.is_finite() || row.estimate.is_none(), "{:?}: no se, definition gives {}", row, var),
            }
        }
    }

    #[test]
    fn replicates_equal_to_full_weights_give_zero_se(r in rows()) {
        let mut df = frame(&r, 1.0);
        let w = df.column("w").unwrap().clone();
        for k in 0..4 {
            df.with_column(w.clone().with_name(format!("rep{k}").into())).unwrap();
        }
        let d = Design::builder("w").replicates(Replicates {
            kind: ReplicateKind::Bootstrap,
            columns: ReplicateColumns::Prefix("rep".into()),
            scale: None, rscales: None, mse: false, df: None,
        }).build().unwrap();
        let t = Survey::new(df, d).unwrap().estimate(&request()).unwrap();
        for row in &t.rows {
            if let Some(se) = row.se {
                prop_assert!(se.abs() < 1e-9 * (1.0 + row.estimate.unwrap_or(0.0).abs()), "{:?}", row);
            }
        }
    }

    #[test]
    fn crossed_domains_from_the_shared_pass_equal_direct_ones(r in rows()) {
        let survey = Survey::new(frame(&r, 1.0), design()).unwrap();
        let all = survey.estimate(&request()).unwrap();
        let direct = survey
            .estimate(&Request::new().mean("y").total("y").ratio("y", "x").proportion("f = 1").by(["g", "f"]))
            .unwrap();
        let crossed: Vec<_> = all.rows.iter().filter(|x| x.disaggregation == 2).collect();
        prop_assert_eq!(crossed.len(), direct.rows.len());
        for (a, b) in crossed.iter().zip(&direct.rows) {
            prop_assert_eq!(&a.measure, &b.measure);
            prop_assert_eq!(&a.groups, &b.groups);
            prop_assert!(approx(a.estimate, b.estimate, 1e-12) && approx(a.se, b.se, 1e-12) && a.df == b.df, "{:?} vs {:?}", a, b);
        }
    }

    #[test]
    fn quantiles_are_monotone_and_order_free(r in rows(), seed in any::<u64>()) {
        let probs = [0.1, 0.25, 0.5, 0.75, 0.9];
        let req = Request::new().quantile("y", &probs).overall().by(["g"]);
        let a = Survey::new(frame(&r, 1.0), design()).unwrap().estimate(&req).unwrap();
        let mut perm = r.clone();
        let mut s = seed | 1;
        for i in (1..perm.0.len()).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            perm.0.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let b = Survey::new(frame(&perm, 1.0), design()).unwrap().estimate(&req).unwrap();
        prop_assert_eq!(a.rows.len(), b.rows.len());
        for (x, y) in a.rows.iter().zip(&b.rows) {
            prop_assert_eq!(x.estimate, y.estimate);
        }
        for chunk in a.rows.chunks(probs.len()) {
            let q: Vec<f64> = chunk.iter().filter_map(|x| x.estimate).collect();
            prop_assert!(q.windows(2).all(|w| w[0] <= w[1]), "not monotone: {:?}", q);
        }
    }
}

/// More measures than one 64-bit universe mask word holds: each of 70 measures (with its
/// own universe, some rows outside it) gives exactly what it gives alone — estimate,
/// standard error, degrees of freedom (counted from the PSUs in its universe) and rows.
#[test]
fn seventy_measures_equal_each_alone() {
    let n = 600usize;
    let df = df!(
        "s" => (0..n).map(|i| (i % 4) as i32).collect::<Vec<_>>(),
        "p" => (0..n).map(|i| (i % 4 + 4 * (i / 40)) as i32).collect::<Vec<_>>(),
        "w" => (0..n).map(|i| 1.0 + (i * 37 % 11) as f64).collect::<Vec<_>>(),
        "y" => (0..n).map(|i| ((i * 7919) % 101) as f64).collect::<Vec<_>>(),
        "g" => (0..n).map(|i| (i * 13 % 3) as i32).collect::<Vec<_>>(),
    )
    .unwrap();
    let design = Design::builder("w").strata("s").psu("p").build().unwrap();
    let survey = Survey::new(df, design).unwrap();
    // Measure k: a share or a mean, within `y >= k + 25`, a universe that shrinks with k.
    let add = |req: Request, k: usize| {
        let statistic = if k.is_multiple_of(2) {
            Statistic::Proportion {
                condition: format!("y > {}", 50 + k % 7),
            }
        } else {
            Statistic::Mean {
                variable: "y".into(),
            }
        };
        req.measure(
            format!("m{k}"),
            statistic,
            Some(&format!("y >= {}", k + 25)),
        )
    };
    let all = (0..70).fold(Request::new(), add).overall().by(["g"]);
    let together = survey.estimate(&all).unwrap();
    for k in [0usize, 1, 62, 63, 64, 65, 69] {
        let alone = survey
            .estimate(&add(Request::new(), k).overall().by(["g"]))
            .unwrap();
        let id = format!("m{k}");
        let mine: Vec<_> = together.rows.iter().filter(|r| r.measure == id).collect();
        assert_eq!(mine.len(), alone.rows.len(), "{id}");
        assert!(!mine.is_empty(), "{id}");
        for (a, b) in mine.iter().zip(&alone.rows) {
            assert_eq!(a.groups, b.groups, "{id}");
            assert_eq!(a.estimate, b.estimate, "{id}");
            assert_eq!(a.se, b.se, "{id}");
            assert_eq!(a.df, b.df, "{id}");
            assert_eq!(a.n, b.n, "{id}");
        }
    }
}

/// The variance pass reads a PSU's rows directly in `Survey::estimate` and their partial
/// sums after `accumulate`: the two agree with up to 64 domain cells (a PSU's cells kept as
/// bits of one word) and with more (a list).
#[test]
fn rows_pass_equals_partial_sums_pass_with_few_and_many_cells() {
    for levels in [20, 40] {
        let n = 4 * 6 * 30;
        let df = df!(
            "stratum" => (0..n).map(|i| (i / 180) as i32).collect::<Vec<_>>(),
            "psu" => (0..n).map(|i| (i / 30) as i32).collect::<Vec<_>>(),
            "w" => (0..n).map(|i| 1.0 + (i % 7) as f64).collect::<Vec<_>>(),
            "y" => (0..n).map(|i| (i % 11 != 3).then_some((i % 13) as f64)).collect::<Vec<_>>(),
            "x" => (0..n).map(|i| 1.0 + (i % 5) as f64).collect::<Vec<_>>(),
            // rows of a PSU visit its cells out of order
            "g" => (0..n).map(|i| ((i * 7) % levels) as i32).collect::<Vec<_>>(),
            "f" => (0..n).map(|i| ((i / 3) % 2) as i32).collect::<Vec<_>>(),
        )
        .unwrap();
        let survey = Survey::new(df, design()).unwrap();
        let rows_pass = survey.estimate(&request()).unwrap();
        let est = survey.prepare(&request()).unwrap();
        let table_pass = est.finish(&est.accumulate_all()).unwrap();
        let domains: std::collections::BTreeSet<_> = rows_pass
            .rows
            .iter()
            .map(|r| format!("{:?}", r.groups))
            .collect();
        assert_eq!(domains.len(), 1 + levels + 2 * levels, "{levels} levels");
        // `estimate` orders rows by measure, `finish` by disaggregation: compare sorted.
        let sorted = |e: &Estimates| {
            let mut e = e.clone();
            e.rows.sort_by_key(|r| {
                (
                    r.measure.clone(),
                    r.statistic.clone(),
                    r.disaggregation,
                    r.groups.clone(),
                )
            });
            e
        };
        same(&sorted(&rows_pass), &sorted(&table_pass), 1e-12, 1.0).unwrap();
        assert!(
            rows_pass
                .rows
                .iter()
                .all(|r| r.se.is_some_and(f64::is_finite))
        );
    }
}

/// Measures that share an id (the mean and the total of one variable are both `y`) give
/// their rows once each, in the request's order.
#[test]
fn measures_sharing_an_id_give_each_row_once() {
    let df = df!(
        "stratum" => [0, 0, 0, 0, 1, 1, 1, 1],
        "psu" => [0, 0, 1, 1, 2, 2, 3, 3],
        "w" => [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        "y" => [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        "g" => [0, 1, 0, 1, 0, 1, 0, 1],
    )
    .unwrap();
    let survey = Survey::new(df, design()).unwrap();
    let request = Request::new().mean("y").total("y").overall().by(["g"]);
    let t = survey.estimate(&request).unwrap();
    let stats: Vec<(&str, &str)> = t
        .rows
        .iter()
        .map(|r| (r.measure.as_str(), r.statistic.as_str()))
        .collect();
    // 3 domains (overall, g = 0, g = 1) for each of the two measures
    assert_eq!(t.rows.len(), 6, "{stats:?}");
    assert_eq!(
        stats.iter().filter(|s| s.1 == "mean").count(),
        3,
        "{stats:?}"
    );
    assert_eq!(
        stats.iter().filter(|s| s.1 == "total").count(),
        3,
        "{stats:?}"
    );
    // the overall total is the weighted sum: Σ w·y = 204
    let total = t
        .rows
        .iter()
        .find(|r| r.statistic == "total" && r.groups.iter().all(Option::is_none))
        .and_then(|r| r.estimate);
    assert_eq!(total, Some(204.0));
}
