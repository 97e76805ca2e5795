//! The standing pilot table of the performance benchmarks (issue 8: 6 indicators × 7
//! disaggregations plus overall values on the synthetic workload), shared by the
//! criterion benchmark (`benches/estimate.rs`) and the peer comparison program
//! (`examples/peer_table.rs`), so both measure exactly the same request.
//!
//! Six indicators — insured (share), attends school (share, ages 6–17), unemployed among
//! the labour force, informal among the employed, mean income, mean hours — by born-abroad
//! status, sex, age group, disability, and born-abroad crossed with each of sex, age group
//! and disability, plus overall values; Taylor standard errors with strata and PSUs.
//!
//! The R script (`benches/peers/survey.R`) and the svy script
//! (`benches/peers/svy_table.py`) spell out the same table; keep the four in step.

#![allow(dead_code)]

use hri::design::Design;
use hri::estimate::{Estimates, Request, Statistic};

/// How an indicator is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Weighted share of rows whose variable equals 1 (missing values left out).
    Share,
    /// Weighted mean of the variable (missing values left out).
    Mean,
}

/// One indicator of the pilot table.
#[derive(Debug, Clone, Copy)]
pub struct Indicator {
    /// Identifier in the output (`indicator` column).
    pub id: &'static str,
    /// Share or mean.
    pub kind: Kind,
    /// Analysis column.
    pub variable: &'static str,
    /// Universe as an SQL condition (`None`: everyone).
    pub universe: Option<&'static str>,
}

/// The six indicators, in output order.
pub const INDICATORS: [Indicator; 6] = [
    Indicator {
        id: "insured",
        kind: Kind::Share,
        variable: "insured",
        universe: None,
    },
    Indicator {
        id: "attends_school",
        kind: Kind::Share,
        variable: "attends_school",
        universe: Some("age >= 6 AND age <= 17"),
    },
    Indicator {
        id: "unemployed",
        kind: Kind::Share,
        variable: "unemployed",
        universe: Some("in_labour_force = 1"),
    },
    Indicator {
        id: "informal",
        kind: Kind::Share,
        variable: "informal",
        universe: Some("employed = 1"),
    },
    Indicator {
        id: "income",
        kind: Kind::Mean,
        variable: "income",
        universe: None,
    },
    Indicator {
        id: "hours",
        kind: Kind::Mean,
        variable: "hours",
        universe: None,
    },
];

/// The disaggregations (an empty list is the overall value), in output order.
pub const DISAGGREGATIONS: [&[&str]; 8] = [
    &[],
    &["born_abroad"],
    &["sex"],
    &["age_group"],
    &["disability"],
    &["born_abroad", "sex"],
    &["born_abroad", "age_group"],
    &["born_abroad", "disability"],
];

/// Every column the table reads (design, analysis, universes, by-columns): all that is
/// read from the file.
pub const COLUMNS: [&str; 16] = [
    "stratum",
    "psu",
    "weight",
    "sex",
    "age",
    "age_group",
    "born_abroad",
    "disability",
    "in_labour_force",
    "unemployed",
    "employed",
    "informal",
    "insured",
    "attends_school",
    "income",
    "hours",
];

/// Expected number of result rows on the workload: 6 indicators × 27 domains.
pub const EXPECTED_ROWS: usize = 6 * (1 + 2 + 2 + 4 + 2 + 4 + 8 + 4);

/// The Taylor design: strata `stratum`, PSUs `psu`, weights `weight`.
pub fn taylor_design() -> hri_survey::Result<Design> {
    Design::builder("weight")
        .strata("stratum")
        .psu("psu")
        .build()
}

/// The request: all indicators by all disaggregations, Wald intervals on the design
/// degrees of freedom, no design effects (R's `svymean` and svy's `mean` do not compute
/// them by default either, so the three do the same work).
pub fn request() -> Request {
    let mut req = Request::new();
    for ind in INDICATORS {
        let stat = match ind.kind {
            Kind::Share => Statistic::Proportion {
                condition: format!("{} = 1", ind.variable),
            },
            Kind::Mean => Statistic::Mean {
                variable: ind.variable.to_string(),
            },
        };
        req = req.measure(ind.id, stat, ind.universe);
    }
    for d in DISAGGREGATIONS {
        req = req.by(d.iter().copied());
    }
    req.deff = false;
    req
}

/// The result in the common comparison format: a CSV with header
/// `indicator,disaggregation,group,estimate,se,n`, where `disaggregation` joins the
/// by-columns with `|` (`overall` for the whole population) and `group` joins the group
/// values in the same order (`all` overall). Numbers are written in Rust's shortest
/// round-trip form; a missing estimate is an empty field.
pub fn to_csv(est: &Estimates) -> String {
    let mut out = String::from("indicator,disaggregation,group,estimate,se,n\n");
    for row in &est.rows {
        let cols = est
            .disaggregations
            .get(row.disaggregation)
            .cloned()
            .unwrap_or_default();
        let (dis, group) = if cols.is_empty() {
            ("overall".to_string(), "all".to_string())
        } else {
            let values: Vec<String> = cols
                .iter()
                .map(|c| {
                    est.by_columns
                        .iter()
                        .position(|b| b == c)
                        .and_then(|k| row.groups.get(k).cloned().flatten())
                        .unwrap_or_default()
                })
                .collect();
            (cols.join("|"), values.join("|"))
        };
        let num = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            row.measure,
            dis,
            group,
            num(row.estimate),
            num(row.se),
            row.n
        ));
    }
    out
}
