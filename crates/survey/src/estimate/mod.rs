//! Design-based estimation: means, totals, ratios, proportions and quantiles, for the whole
//! population and every domain, with standard errors, intervals and design degrees of
//! freedom equal to those of R's `survey` package.
//!
//! ```
//! use hri_survey::design::Design;
//! use hri_survey::estimate::{Request, Survey};
//! use polars::prelude::*;
//!
//! let data = df!(
//!     "w" => [10.0, 10.0, 20.0, 20.0, 15.0, 15.0],
//!     "stratum" => [1, 1, 2, 2, 3, 3],
//!     "insured" => [1, 0, 1, 1, 0, 1],
//!     "urban" => [0, 1, 0, 1, 0, 1],
//! )
//! .unwrap();
//! let design = Design::builder("w").strata("stratum").build().unwrap();
//! let survey = Survey::new(data, design).unwrap();
//! let table = survey
//!     .estimate(&Request::new().proportion("insured = 1").overall().by(["urban"]))
//!     .unwrap();
//! assert_eq!(table.rows.len(), 3);
//! assert!((table.rows[0].estimate.unwrap() - 65.0 / 90.0).abs() < 1e-12);
//! ```

mod bounded;
mod calibrate;
mod cells;
mod columns;
mod critical;
mod encode;
mod finish;
mod glm;
mod keyed;
mod lonely;
mod measures;
mod named;
mod parallel;
mod partial;
mod prepare;
mod prepared;
mod quantile;
mod replicate;
mod replicate_variance;
mod request;
mod table;
mod taylor;
mod values;

pub use bounded::StratumPass;
pub use keyed::KeyedSums;
pub(crate) use keyed::sorted as keyed_sorted;
pub use named::{NamedRequest, STATISTICS, columns_to_read, request_columns};
pub use partial::PartialSums;
pub use request::{CiMethod, DfMethod, MeasureSpec, Request, Statistic};
pub use table::{ESTIMATE_COLUMNS, EstimateRow, Estimates, GapRow, Gaps};

use polars::prelude::*;

use crate::design::Design;
use crate::error::{Error, Result};
use crate::interval;
use critical::CriticalValues;
use finish::{VarianceFrom, finish};
use measures::{Kind, MeasureData};
use prepared::Prepared;
use quantile::WeightedCdf;
use request::GapPair;

/// Survey microdata with its design.
#[derive(Debug, Clone)]
pub struct Survey {
    data: DataFrame,
    design: Design,
}

impl Survey {
    /// Attach a design to data. The design's columns are checked to exist.
    pub fn new(data: DataFrame, design: Design) -> Result<Self> {
        let margins = design.calibration().map_or(&[][..], |c| &c.margins[..]);
        for c in design.columns() {
            if data.column(&c).is_err() {
                let role = match margins.iter().find(|m| m.columns().contains(&c)) {
                    Some(m) => format!("calibration margin `{}`", m.name()),
                    None => "design".into(),
                };
                return Err(Error::UnknownColumn { column: c, role });
            }
        }
        Ok(Survey { data, design })
    }

    /// Collect a lazy frame (reading only what the query plan needs) and attach a design.
    pub fn from_lazy(data: LazyFrame, design: Design) -> Result<Self> {
        Survey::new(data.collect()?, design)
    }

    /// The data.
    pub fn data(&self) -> &DataFrame {
        &self.data
    }

    /// The design.
    pub fn design(&self) -> &Design {
        &self.design
    }

    /// Prepare a request for chunked accumulation (quantiles are not chunkable and are
    /// refused here; use [`Survey::estimate`]).
    pub fn prepare(&self, request: &Request) -> Result<Estimator> {
        request.validate()?;
        if request
            .measures
            .iter()
            .any(|m| matches!(m.statistic, Statistic::Quantile { .. }))
        {
            return Err(Error::InvalidRequest(
                "quantiles need the whole data; use Survey::estimate".into(),
            ));
        }
        let prepared = Prepared::new(
            &self.data,
            &self.design,
            &request.measures,
            &request.groupings(),
        )?;
        Ok(Estimator {
            prepared,
            request: request.clone(),
        })
    }

    /// Estimate every measure of the request in every domain of every disaggregation, in
    /// one pass over the rows (plus one per disaggregation for quantiles).
    pub fn estimate(&self, request: &Request) -> Result<Estimates> {
        request.validate()?;
        let plain: Vec<MeasureSpec> = request
            .measures
            .iter()
            .filter(|m| !matches!(m.statistic, Statistic::Quantile { .. }))
            .cloned()
            .collect();
        let mut prepared = Prepared::new(&self.data, &self.design, &plain, &request.groupings())?;
        let mut rows = Vec::new();
        if !plain.is_empty() {
            let ps = prepared.accumulate_cells_all(request.deff);
            let computed = finish(&prepared, &ps, VarianceFrom::Rows, request, &[])?;
            rows = table::rows(&prepared, &computed.rows, request);
        }
        let mut quantile_rows = Vec::new();
        for spec in &request.measures {
            if let Statistic::Quantile { variable, probs } = &spec.statistic {
                quantile_rows.extend(self.quantiles(
                    &mut prepared,
                    spec,
                    variable,
                    probs,
                    request,
                )?);
            }
        }
        // Keep the request's measure order. Measures may share an id (the mean and the
        // total of one variable): each id's rows are taken once, at its first measure.
        let mut out = Vec::with_capacity(rows.len() + quantile_rows.len());
        let mut taken = std::collections::HashSet::new();
        for spec in &request.measures {
            if !taken.insert(spec.id.as_str()) {
                continue;
            }
            out.extend(
                rows.iter()
                    .filter(|r: &&EstimateRow| r.measure == spec.id)
                    .cloned(),
            );
            out.extend(
                quantile_rows
                    .iter()
                    .filter(|r: &&EstimateRow| r.measure == spec.id)
                    .cloned(),
            );
        }
        Ok(table::estimates(&prepared, out))
    }

    fn quantiles(
        &self,
        prepared: &mut Prepared,
        spec: &MeasureSpec,
        variable: &str,
        probs: &[f64],
        request: &Request,
    ) -> Result<Vec<EstimateRow>> {
        let base = measures::measure_data(&self.data, spec)?;
        let mut out = Vec::new();
        for (g, grouping) in prepared.cells.groupings.clone().iter().enumerate() {
            let nd = grouping.domains.len();
            let dom_of = |i: usize| grouping.cell_domain[prepared.cells.cell[i] as usize];
            let mut pairs: Vec<Vec<(f64, f64)>> = vec![Vec::new(); nd];
            let mut in_universe = vec![0u64; nd];
            for i in 0..prepared.n {
                let d = dom_of(i);
                if d == encode::NONE {
                    continue;
                }
                if base.in_universe(i) {
                    in_universe[d as usize] += 1;
                }
                if base.valid(i) {
                    pairs[d as usize].push((base.y(i), prepared.w[i]));
                }
            }
            let cdfs: Vec<WeightedCdf> = pairs.into_iter().map(WeightedCdf::new).collect();
            let qhat: Vec<Vec<f64>> = cdfs
                .iter()
                .map(|c| probs.iter().map(|&p| c.quantile(p)).collect())
                .collect();
            // 0/1 measures: y <= qhat of the row's domain, one per probability.
            let below_quantile: Vec<MeasureData> = (0..probs.len())
                .map(|k| {
                    let mut y = vec![f64::NAN; prepared.n];
                    let mut univ = vec![false; prepared.n];
                    for i in 0..prepared.n {
                        let d = dom_of(i);
                        if d != encode::NONE && base.valid(i) {
                            univ[i] = true;
                            y[i] = if base.y(i) <= qhat[d as usize][k] {
                                1.0
                            } else {
                                0.0
                            };
                        }
                    }
                    MeasureData::from_rows(Kind::Proportion, Some(&univ), y, None)
                })
                .collect();
            let mut specs: Vec<MeasureSpec> = probs
                .iter()
                .map(|p| MeasureSpec {
                    id: format!("{variable}<=q{p}"),
                    statistic: Statistic::Proportion {
                        condition: String::new(),
                    },
                    universe: Some(String::new()),
                })
                .collect();
            // One more measure for the domain's design degrees of freedom as every other
            // statistic reports them: rows with a missing value count (R's `degf()` of the
            // domain), while Woodruff's interval uses the df of the rows with a value, as
            // R's `svyquantile` does (it drops them before `degf()`).
            let mut measures = below_quantile;
            let mut universe = vec![false; prepared.n];
            let mut y = vec![f64::NAN; prepared.n];
            for i in 0..prepared.n {
                if dom_of(i) != encode::NONE && base.in_universe(i) {
                    universe[i] = true;
                    if base.valid(i) {
                        y[i] = 1.0;
                    }
                }
            }
            measures.push(MeasureData::from_rows(Kind::Mean, Some(&universe), y, None));
            specs.push(MeasureSpec {
                id: format!("{variable} (domain rows)"),
                statistic: Statistic::Mean {
                    variable: variable.to_string(),
                },
                universe: Some(String::new()),
            });
            let df_measure = probs.len();
            let (old_measures, old_specs) = prepared.replace_measures(measures, specs);
            let ps = prepared.accumulate_cells_all(request.deff);
            let wald = Request {
                ci: CiMethod::Wald,
                ..request.clone()
            };
            let computed = finish(prepared, &ps, VarianceFrom::Rows, &wald, &[]);
            prepared.replace_measures(old_measures, old_specs);
            let computed = computed?;
            let mut domain_df = vec![f64::NAN; nd];
            for r in computed.rows.iter() {
                if r.grouping == g && r.measure == df_measure {
                    domain_df[r.domain] = r.df;
                }
            }
            let mine = || {
                computed
                    .rows
                    .iter()
                    .filter(|r| r.grouping == g && r.measure < df_measure)
            };
            let critical = CriticalValues::new(request, mine().map(|r| r.df));
            for raw in mine() {
                let k = raw.measure;
                let d = raw.domain;
                let q = critical.get(raw.df);
                let (plo, phi) = interval::wald(raw.estimate, raw.se, q);
                let lo = if plo.is_nan() || plo < 0.0 {
                    f64::NAN
                } else {
                    cdfs[d].quantile(plo)
                };
                let hi = if phi.is_nan() || phi > 1.0 {
                    f64::NAN
                } else {
                    cdfs[d].quantile(phi)
                };
                let est = qhat[d][k];
                let quantile_raw = finish::RawRow {
                    measure: 0,
                    grouping: g,
                    domain: d,
                    estimate: est,
                    se: (hi - lo) / (2.0 * q),
                    ci: (lo, hi),
                    df: domain_df[d],
                    deff: None,
                    n: raw.n,
                    pop: raw.pop,
                    rows_in_group: raw.rows_in_group,
                    n_universe: raw.n_universe,
                };
                let mut row = table::row(prepared, &quantile_raw, spec, request);
                row.prob = Some(probs[k]);
                row.n_universe = in_universe[d];
                out.push(row);
            }
        }
        // Order by grouping, domain, then probability.
        Ok(out)
    }

    /// Gaps between groups: for the disaggregation `by`, every domain whose `column` equals
    /// `group` against the domain with the same other values and `column` = `reference`:
    /// difference (group − reference) and ratio (group / reference), with standard errors
    /// from the joint linearisation (or the replicates), intervals and two-sided p-values.
    pub fn gap(
        &self,
        request: &Request,
        by: &[String],
        column: &str,
        group: &str,
        reference: &str,
    ) -> Result<Gaps> {
        let spec = GapSpec {
            by: by.to_vec(),
            column: column.to_string(),
            group: group.to_string(),
            reference: reference.to_string(),
        };
        let mut out = self.gaps(request, std::slice::from_ref(&spec))?;
        Ok(out.remove(0))
    }

    /// Several gap specifications in one pass over the rows: one [`Gaps`] table per
    /// specification, in order. The request's own disaggregations are ignored; each
    /// specification brings its `by` columns. Quantile measures are refused.
    pub fn gaps(&self, request: &Request, specs: &[GapSpec]) -> Result<Vec<Gaps>> {
        request.validate()?;
        if let Some(m) = request
            .measures
            .iter()
            .find(|m| matches!(m.statistic, Statistic::Quantile { .. }))
        {
            return Err(Error::InvalidRequest(format!(
                "gaps of quantiles are not supported (measure `{}`)",
                m.id
            )));
        }
        let mut groupings: Vec<Vec<String>> = Vec::new();
        for s in specs {
            if !s.by.contains(&s.column) {
                return Err(Error::InvalidRequest(format!(
                    "the gap column `{}` must be one of the by-columns {:?}",
                    s.column, s.by
                )));
            }
            if !groupings.contains(&s.by) {
                groupings.push(s.by.clone());
            }
        }
        if groupings.is_empty() {
            return Ok(Vec::new());
        }
        let prepared = Prepared::new(&self.data, &self.design, &request.measures, &groupings)?;
        let (pairs, per_spec) = gap_pairs(&prepared, &groupings, specs, request.measures.len())?;
        let ps = prepared.accumulate_cells_all(request.deff);
        let computed = finish(&prepared, &ps, VarianceFrom::Rows, request, &pairs)?;
        Ok(specs
            .iter()
            .zip(&per_spec)
            .map(|(s, (g, mine))| table::gaps(&prepared, &computed, mine, request, *g, &s.column))
            .collect())
    }
}

/// The domain pairs of gap specifications on prepared domains whose groupings are
/// `groupings`: every pair in one list, and per specification its grouping and its pairs
/// (index in the list, pair). A `by` that is not among `groupings` is an
/// [`Error::InvalidRequest`]; a group or reference not among the column's labels an
/// [`Error::UnknownGroup`].
#[allow(clippy::type_complexity)]
pub(crate) fn gap_pairs(
    prepared: &Prepared,
    groupings: &[Vec<String>],
    specs: &[GapSpec],
    n_measures: usize,
) -> Result<(Vec<GapPair>, Vec<(usize, Vec<(usize, GapPair)>)>)> {
    let mut pairs: Vec<GapPair> = Vec::new();
    let mut per_spec: Vec<(usize, Vec<(usize, GapPair)>)> = Vec::new();
    for s in specs {
        if !s.by.contains(&s.column) {
            return Err(Error::InvalidRequest(format!(
                "the gap column `{}` must be one of the by-columns {:?}",
                s.column, s.by
            )));
        }
        let g = groupings.iter().position(|x| *x == s.by).ok_or_else(|| {
            Error::InvalidRequest(format!(
                "the gap's by-columns {:?} are not a disaggregation of the request",
                s.by
            ))
        })?;
        let col = prepared
            .cells
            .columns
            .iter()
            .position(|c| *c == s.column)
            .ok_or_else(|| {
                Error::InvalidRequest(format!(
                    "the gap column `{}` must be one of the by-columns {:?}",
                    s.column, s.by
                ))
            })?;
        let labels = &prepared.cells.labels[col];
        let find = |v: &str| {
            labels
                .iter()
                .position(|l| l == v)
                .ok_or_else(|| Error::UnknownGroup {
                    column: s.column.clone(),
                    group: v.to_string(),
                })
        };
        let (ga, gb) = (find(&s.group)? as u32, find(&s.reference)? as u32);
        let grouping = &prepared.cells.groupings[g];
        let offset = prepared.dom_offset[g] as usize;
        let pos = grouping.columns.iter().position(|&c| c == col).unwrap_or(0);
        let mut mine = Vec::new();
        for (a, dom) in grouping.domains.iter().enumerate() {
            if dom[pos] != ga {
                continue;
            }
            let mut other = dom.clone();
            other[pos] = gb;
            if let Ok(b) = grouping.domains.binary_search(&other) {
                for m in 0..n_measures {
                    let gp = GapPair {
                        measure: m,
                        a: offset + a,
                        b: offset + b,
                    };
                    mine.push((pairs.len(), gp));
                    pairs.push(gp);
                }
            }
        }
        per_spec.push((g, mine));
    }
    Ok((pairs, per_spec))
}

/// The columns an SQL condition reads (for reading only the columns a request needs).
/// Parsing runs on a large stack; conditions longer than
/// [`crate::sql::MAX_SQL_CHARS`] are refused.
pub fn condition_columns(sql: &str) -> Result<Vec<String>> {
    prepare::condition_columns(sql, "condition")
}

/// One gap comparison: within the disaggregation `by`, the domains whose `column` is
/// `group` against those whose `column` is `reference` (other by-values equal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapSpec {
    /// By-columns of the disaggregation.
    pub by: Vec<String>,
    /// The column whose groups are compared (one of `by`).
    pub column: String,
    /// The group.
    pub group: String,
    /// The reference group.
    pub reference: String,
}

/// A request prepared on a survey, for chunked or streamed accumulation: accumulate
/// partial sums of any subsets of rows, merge them, and finish.
pub struct Estimator {
    prepared: Prepared,
    request: Request,
}

impl Estimator {
    /// Number of rows of the prepared data.
    pub fn rows(&self) -> usize {
        self.prepared.n
    }

    /// Partial sums of the given rows (indices into the survey's data).
    pub fn accumulate(&self, rows: &[usize]) -> Result<PartialSums> {
        if let Some(&i) = rows.iter().find(|&&i| i >= self.prepared.n) {
            return Err(Error::InvalidRequest(format!(
                "row {i} is beyond the {} rows",
                self.prepared.n
            )));
        }
        Ok(self.prepared.accumulate(rows.iter().copied()))
    }

    /// Partial sums of every row.
    pub fn accumulate_all(&self) -> PartialSums {
        self.prepared.accumulate_all()
    }

    /// Estimates from (merged) partial sums.
    pub fn finish(&self, sums: &PartialSums) -> Result<Estimates> {
        let computed = finish(
            &self.prepared,
            sums,
            VarianceFrom::Table(sums),
            &self.request,
            &[],
        )?;
        Ok(table::estimates(
            &self.prepared,
            table::rows(&self.prepared, &computed.rows, &self.request),
        ))
    }
}
