//! Weighted income quintiles (or any number of quantile groups).

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::{DeriveError, Derived, Tally, check_output, read_numbers};

/// How to derive income quintiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncomeQuintileSpec {
    /// The income column (e.g. household income per capita, carried on every person row).
    pub income: String,
    /// The survey weight column; `None` gives every row weight 1.
    #[serde(default)]
    pub weight: Option<String>,
    /// The output column (default `income_quintile`).
    #[serde(default = "default_output")]
    pub output: String,
    /// Number of groups (default 5; 10 gives deciles). Between 2 and 100.
    #[serde(default = "default_groups")]
    pub groups: u32,
}

fn default_output() -> String {
    "income_quintile".to_string()
}

fn default_groups() -> u32 {
    5
}

impl IncomeQuintileSpec {
    /// Quintiles of `income` weighted by `weight`.
    pub fn new(income: impl Into<String>, weight: impl Into<String>) -> Self {
        IncomeQuintileSpec {
            income: income.into(),
            weight: Some(weight.into()),
            output: default_output(),
            groups: default_groups(),
        }
    }

    /// Another number of groups (e.g. 10 for deciles).
    pub fn with_groups(mut self, groups: u32) -> Self {
        self.groups = groups;
        self
    }
}

/// Quantile groups of weighted values: `Some(k)` with `k` in `1..=groups`, `None` for a
/// missing value.
///
/// Rule: with `F(v⁻)` the share of the total weight (of rows with a value) held by rows with
/// a value strictly below `v`, a row with value `v` is in group
/// `k = 1 + ⌊groups · F(v⁻)⌋`, i.e. the group whose interval `[(k−1)/groups, k/groups)`
/// contains the population share below it. Equivalently, with the weighted quantiles
/// `Q_k = min{v : F(v) ≥ k/groups}` (the inverse of the weighted empirical distribution
/// function), a value `v` is in group `k` iff `Q_{k−1} < v ≤ Q_k`. Equal values always get
/// the same group; a group may be empty when one value carries more than `1/groups` of
/// the weight. The comparison is made as `groups · cum < k · total` to avoid rounding a
/// share that sits exactly on a boundary.
///
/// Returns `None` when `weights` and `values` differ in length, `groups` is 0, a weight of
/// a row with a value is negative or not finite, a value is infinite, or the total weight
/// of rows with a value is 0 while there is at least one such row.
pub fn weighted_quantile_groups(
    values: &[Option<f64>],
    weights: &[f64],
    groups: u32,
) -> Option<Vec<Option<u32>>> {
    groups_and_cuts(values, weights, groups).map(|(g, _)| g)
}

/// Groups and the cut points `Q_1..Q_{groups-1}`.
fn groups_and_cuts(
    values: &[Option<f64>],
    weights: &[f64],
    groups: u32,
) -> Option<(Vec<Option<u32>>, Vec<f64>)> {
    if values.len() != weights.len() || groups == 0 {
        return None;
    }
    let mut order: Vec<usize> = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        if let Some(v) = v {
            let w = weights[i];
            if !v.is_finite() || !w.is_finite() || w < 0.0 {
                return None;
            }
            order.push(i);
        }
    }
    let mut out = vec![None; values.len()];
    if order.is_empty() {
        return Some((out, Vec::new()));
    }
    let value = |i: usize| values[i].unwrap_or(f64::NAN);
    order.sort_by(|&a, &b| value(a).total_cmp(&value(b)));
    let total: f64 = order.iter().map(|&i| weights[i]).sum();
    if total <= 0.0 {
        return None;
    }
    let g = f64::from(groups);
    let mut cuts = Vec::with_capacity(groups as usize - 1);
    let mut cum_below = 0.0;
    let mut start = 0;
    while start < order.len() {
        let v = value(order[start]);
        let mut end = start;
        let mut run_weight = 0.0;
        while end < order.len() && value(order[end]) == v {
            run_weight += weights[order[end]];
            end += 1;
        }
        // k = 1 + floor(g * cum_below / total), computed without dividing.
        let mut k = ((g * cum_below / total).floor() as u32).saturating_add(1);
        while k > 1 && g * cum_below < f64::from(k - 1) * total {
            k -= 1;
        }
        while k < groups && g * cum_below >= f64::from(k) * total {
            k += 1;
        }
        let k = k.clamp(1, groups);
        for &i in &order[start..end] {
            out[i] = Some(k);
        }
        let cum_through = cum_below + run_weight;
        // Q_j = this value for every j whose share level is first reached here.
        while (cuts.len() as u32) < groups - 1
            && g * cum_through >= f64::from(cuts.len() as u32 + 1) * total
        {
            cuts.push(v);
        }
        cum_below = cum_through;
        start = end;
    }
    Some((out, cuts))
}

/// Derives weighted income quintiles `q1` (poorest) … `q5` (richest), or `unknown`.
///
/// Quintiles divide the weighted distribution of the income column into five groups of
/// equal population share, by the rule of [`weighted_quantile_groups`]: a row is in
/// quintile `k` when the weighted share of rows with lower income lies in
/// `[(k−1)/5, k/5)`; ties get the same quintile. The unit of the shares is the unit of the
/// rows: on a person-level file weighted by person weights (each person carrying the
/// household's income), each quintile holds a fifth of the persons; on a household file
/// with household weights, a fifth of the households.
///
/// Missing income (null or NaN) gives `unknown`, counted, and such rows take no part in the
/// ranking. Negative incomes (losses) are allowed. An infinite income, or a missing,
/// negative or infinite weight, is a [`DeriveError::InvalidValue`] naming the column and
/// the row; so is a total weight of 0. The report's notes give the cut points.
pub fn income_quintile(df: &DataFrame, spec: &IncomeQuintileSpec) -> Result<Derived, DeriveError> {
    check_output(&spec.output)?;
    if !(2..=100).contains(&spec.groups) {
        return Err(DeriveError::spec(
            &spec.output,
            format!("groups must be between 2 and 100, got {}", spec.groups),
        ));
    }
    let income = read_numbers(df, &spec.income)?;
    for (row, v) in income.iter().enumerate() {
        if let Some(x) = v
            && !x.is_finite()
        {
            return Err(DeriveError::invalid(
                &spec.income,
                row,
                x,
                "a finite income",
            ));
        }
    }
    let weights: Vec<f64> = match &spec.weight {
        None => vec![1.0; income.len()],
        Some(wcol) => {
            let raw = read_numbers(df, wcol)?;
            let mut w = Vec::with_capacity(raw.len());
            for (row, v) in raw.into_iter().enumerate() {
                match v {
                    Some(x) if x.is_finite() && x >= 0.0 => w.push(x),
                    Some(x) => {
                        return Err(DeriveError::invalid(wcol, row, x, "a finite weight ≥ 0"));
                    }
                    None => {
                        return Err(DeriveError::invalid(
                            wcol,
                            row,
                            "null",
                            "a finite weight ≥ 0",
                        ));
                    }
                }
            }
            w
        }
    };
    let (groups, cuts) = groups_and_cuts(&income, &weights, spec.groups).ok_or_else(|| {
        DeriveError::spec(&spec.output, "the total weight of rows with an income is 0")
    })?;
    let labels: Vec<String> = (1..=spec.groups).map(|k| format!("q{k}")).collect();
    let mut tally = Tally::new(labels.iter().cloned());
    let unknown = tally.unknown_index();
    let reason = format!("missing {}", spec.income);
    let mut idx = Vec::with_capacity(groups.len());
    for g in &groups {
        match g {
            Some(k) => {
                let i = (*k - 1) as usize;
                tally.add(i);
                idx.push(i);
            }
            None => {
                tally.add_unknown(&reason);
                idx.push(unknown);
            }
        }
    }
    let mut notes: Vec<String> = cuts
        .iter()
        .enumerate()
        .map(|(j, c)| {
            format!(
                "q{} upper bound (weighted quantile {}/{}): {c}",
                j + 1,
                j + 1,
                spec.groups
            )
        })
        .collect();
    notes.push(
        "a row is in group k when the weighted share below its income is in [(k-1)/G, k/G)"
            .to_string(),
    );
    let column = tally.column(&spec.output, &idx);
    let report = tally.report(
        &spec.output,
        "weighted quantile groups of income (inverse of the weighted empirical CDF)",
        idx.len(),
        Vec::new(),
        notes,
    );
    Ok(Derived {
        column,
        flags: Vec::new(),
        report,
    })
}
