//! The standing benchmark workload (issue 8; the pilot table of 6 indicators × 7
//! disaggregations is estimated on it): a **SYNTHETIC** person-level survey with 64 strata
//! and PSUs of about 25 persons.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{
    SYNTHETIC_NOTICE, SynthError, bern, col_f64, col_i32, col_i64, col_str, frame, logistic,
    normal, pick,
};

/// Number of strata of the workload.
pub const WORKLOAD_STRATA: usize = 64;

/// Target number of persons per PSU of the workload (actual sizes vary by a few persons).
pub const WORKLOAD_PSU_SIZE: usize = 25;

/// Labels of the workload's `age_group` column, in order.
pub const WORKLOAD_AGE_GROUPS: [&str; 4] = ["0-14", "15-24", "25-64", "65+"];

/// Columns of [`workload`], in order (the last one is the `synthetic` marker).
pub const WORKLOAD_COLUMNS: [&str; 18] = [
    "stratum",
    "psu",
    "weight",
    "sex",
    "age",
    "age_group",
    "born_abroad",
    "citizen",
    "disability",
    "in_labour_force",
    "unemployed",
    "informal",
    "insured",
    "attends_school",
    "income",
    "hours",
    "employed",
    "synthetic",
];

/// Share of the population in each five-year age group 0–4, …, 80–84, 85+ (per cent; a
/// Mexico-like pyramid with median age about 29, cf. the median age of 29 in INEGI, Censo
/// de Población y Vivienda 2020, as reported at
/// <https://lanetaneta.com/en-mexico-hay-126-millones-014-mil-024-de-habitantes-censo-de-poblacion-y-vivienda-2020/>;
/// the group shares themselves are an *assumption*). Shared with the Mexico generator.
pub(crate) const AGE_PYRAMID: [f64; 18] = [
    7.9, 8.5, 8.6, 8.6, 8.5, 8.0, 7.6, 7.3, 7.0, 6.5, 5.9, 4.9, 3.9, 3.0, 2.2, 1.5, 0.9, 0.7,
];

/// Draw an age from [`AGE_PYRAMID`] (uniform within the group; 85+ tails off to 95).
pub(crate) fn draw_age<R: Rng + ?Sized>(rng: &mut R, pyramid: &[f64]) -> i32 {
    let g = pick(rng, pyramid) as i32;
    if g < 17 {
        5 * g + rng.random_range(0..5)
    } else {
        let tail = (rng.sample::<f64, _>(rand_distr::Exp1) * 4.0) as i32;
        85 + tail.min(10)
    }
}

/// Age-group code 0..4 for [`WORKLOAD_AGE_GROUPS`].
#[inline]
pub(crate) fn age_group_code(age: i32) -> usize {
    match age {
        ..=14 => 0,
        15..=24 => 1,
        25..=64 => 2,
        _ => 3,
    }
}

/// Paths written by [`write_workload`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadFiles {
    /// The Parquet file (with the synthetic notice in its key-value metadata).
    pub parquet: PathBuf,
    /// The CSV file (header row, comma-separated, empty field for a missing value).
    pub csv: PathBuf,
}

macro_rules! buffers {
    ($($name:ident : $t:ty),* $(,)?) => {
        /// Whole-column buffers.
        struct Buf { $($name: Vec<$t>,)* }
        /// Disjoint mutable windows into [`Buf`], one per stratum.
        struct Chunk<'a> { $($name: &'a mut [$t],)* }
        impl Buf {
            fn new(n: usize) -> Self {
                Buf { $($name: vec![<$t>::default(); n],)* }
            }
            fn chunk(&mut self) -> Chunk<'_> {
                Chunk { $($name: &mut self.$name[..],)* }
            }
        }
        impl<'a> Chunk<'a> {
            fn split_at(self, n: usize) -> (Chunk<'a>, Chunk<'a>) {
                $(let $name = self.$name.split_at_mut(n);)*
                (Chunk { $($name: $name.0,)* }, Chunk { $($name: $name.1,)* })
            }
        }
    };
}

buffers! {
    stratum: i32, psu: i64, weight: f64, sex: i32, age: i32, born_abroad: i32, citizen: i32,
    disability: i32, insured: i32,
    in_lf: i32, in_lf_ok: bool,
    unemployed: i32, unemployed_ok: bool,
    informal: i32, informal_ok: bool,
    school: i32, school_ok: bool,
    income: f64, income_ok: bool,
    hours: f64, hours_ok: bool,
}

/// Fixed (seed-independent) characteristics of a stratum.
#[derive(Clone, Copy)]
struct StratumParams {
    /// Relative population size.
    pop: f64,
    /// Urbanisation / development index in [-1, 1].
    urban: f64,
}

fn stratum_params(s: usize) -> StratumParams {
    // Golden-ratio sequences give well-spread, deterministic values.
    let frac = |x: f64| x - x.floor();
    let pop = 0.4 + 1.6 * frac(0.3 + s as f64 * 0.618_033_988_75);
    let urban = 2.0 * frac(0.1 + s as f64 * 0.754_877_666_2) - 1.0;
    StratumParams { pop, urban }
}

/// The standing benchmark workload: a **SYNTHETIC** person-level survey of `rows` persons,
/// deterministic from `seed`.
///
/// Design: [`WORKLOAD_STRATA`] (64) strata of unequal size; PSUs of about
/// [`WORKLOAD_PSU_SIZE`] (25) persons (sizes vary by up to ±5), at least two per stratum,
/// allocated to strata in proportion to the square root of the stratum population (a
/// compromise allocation), so base weights differ between strata (from about 57 to 127);
/// within a stratum weights vary a little by PSU (±10 % non-response adjustment) and by
/// person (±3 %). The rows are sorted by stratum and PSU. Strata, PSU effects and all
/// person draws come from one ChaCha8 stream per stratum, so the frame is identical on
/// every platform and independent of the number of threads used to build it (it uses all
/// available cores).
///
/// Columns (dtype; missing values only where stated):
///
/// | column | dtype | meaning |
/// |---|---|---|
/// | `stratum` | i32 | 1..=64 |
/// | `psu` | i64 | PSU id, globally unique, nested in strata (`stratum * 100_000_000 + j`) |
/// | `weight` | f64 | survey weight (2 decimals), > 0 |
/// | `sex` | i32 | 1 male, 2 female |
/// | `age` | i32 | 0..=95 |
/// | `age_group` | str | `"0-14"`, `"15-24"`, `"25-64"`, `"65+"` |
/// | `born_abroad` | i32 | 0/1 (about 10 %) |
/// | `citizen` | i32 | 0/1 (all natives; about 40 % of the born abroad) |
/// | `disability` | i32 | 0/1 (rises with age, about 7 % overall) |
/// | `in_labour_force` | i32 | 0/1; **null under 15** |
/// | `unemployed` | i32 | 0/1; **null unless `in_labour_force = 1`** |
/// | `informal` | i32 | 0/1; **null unless employed** (`in_labour_force = 1 AND unemployed = 0`) |
/// | `insured` | i32 | 0/1 (health insurance), never null |
/// | `attends_school` | i32 | 0/1; **null under 3** (asked of everyone aged 3+, as in a census) |
/// | `income` | f64 | monthly personal income from all sources (whole units, 0 allowed); **null under 15 and for item non-response** (about 6 % of persons 15+, 10 % of the born abroad) |
/// | `hours` | f64 | usual weekly hours worked (whole hours, 1..=98); **null unless employed** |
/// | `employed` | i32 | 0/1; **null under 15** (1 iff in the labour force and not unemployed) |
/// | `synthetic` | bool | always `true` |
///
/// `attends_school` is defined for everyone aged 3 and over, so the workload's school
/// attendance indicator must select its universe explicitly (`age >= 6 AND age <= 17`): an
/// engine that forgets the universe gives a visibly different (about 25 %) answer.
///
/// Correlations built in: the born abroad are more often of working age, cluster in urban
/// strata and in some PSUs, are less often insured, more often informal and unemployed,
/// attend school less as children, and answer the income question less often; persons
/// with disabilities are less often in the labour force and at school; informal workers
/// are less insured and earn less; PSU random effects induce intra-cluster correlation
/// (design effects above one).
///
/// # Errors
/// [`SynthError::TooSmall`] if `rows < 128` (64 strata × 2 PSUs);
/// [`SynthError::TooLarge`] above `u32::MAX` rows.
pub fn workload(rows: usize, seed: u64) -> Result<DataFrame, SynthError> {
    let min = 2 * WORKLOAD_STRATA;
    if rows < min {
        return Err(SynthError::TooSmall {
            what: "rows",
            min,
            got: rows,
        });
    }
    let max = u32::MAX as usize;
    if rows > max {
        return Err(SynthError::TooLarge {
            what: "rows",
            max,
            got: rows,
        });
    }

    // Design: PSUs per stratum (compromise allocation), rows per stratum.
    let params: Vec<StratumParams> = (0..WORKLOAD_STRATA).map(stratum_params).collect();
    let sample_share: Vec<f64> = params.iter().map(|p| p.pop.sqrt()).collect();
    let n_psu = (rows as f64 / WORKLOAD_PSU_SIZE as f64)
        .round()
        .max(min as f64) as usize;
    let psus = super::allocate(n_psu, &sample_share, 2);
    let psu_share: Vec<f64> = psus.iter().map(|&m| m as f64).collect();
    // Every PSU gets at least one person: rows_s >= psus_s.
    let extra = super::allocate(rows - n_psu, &psu_share, 0);
    let rows_s: Vec<usize> = psus.iter().zip(&extra).map(|(m, e)| m + e).collect();
    // Base weights: population share / sample share, scaled to a mean of about 100.
    let pop_total: f64 = params.iter().map(|p| p.pop).sum();
    let base_w: Vec<f64> = (0..WORKLOAD_STRATA)
        .map(|s| 100.0 * (params[s].pop / pop_total) / (rows_s[s] as f64 / rows as f64))
        .collect();

    let mut buf = Buf::new(rows);
    {
        let mut rest = buf.chunk();
        let mut jobs = Vec::with_capacity(WORKLOAD_STRATA);
        for (s, &n_s) in rows_s.iter().enumerate() {
            let (head, tail) = rest.split_at(n_s);
            jobs.push((s, head));
            rest = tail;
        }
        let queue = Mutex::new(jobs.into_iter());
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(WORKLOAD_STRATA);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let job = match queue.lock() {
                            Ok(mut q) => q.next(),
                            Err(poisoned) => poisoned.into_inner().next(),
                        };
                        let Some((s, chunk)) = job else { break };
                        fill_stratum(s, psus[s], base_w[s], params[s], seed, chunk);
                    }
                });
            }
        });
    }
    build_frame(buf, rows)
}

/// Generate one stratum into its window.
fn fill_stratum(s: usize, n_psu: usize, base_w: f64, p: StratumParams, seed: u64, c: Chunk<'_>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(1 + s as u64);
    let n = c.stratum.len();

    // PSU sizes: equal split, then pairwise jitter that keeps the total.
    let base = n / n_psu;
    let rem = n % n_psu;
    let mut sizes: Vec<usize> = (0..n_psu).map(|j| base + usize::from(j < rem)).collect();
    if base >= 8 {
        let k_max = (base / 4).min(5);
        for pair in sizes.chunks_mut(2) {
            if let [a, b] = pair {
                let k = rng.random_range(0..=k_max);
                *a += k;
                *b -= k;
            }
        }
    }

    let u = p.urban;
    // Stratum-level intercept shifts.
    let mig_s = 1.1 * u;
    let stratum_id = (s + 1) as i32;
    let mut i = 0usize;
    for (j, &size) in sizes.iter().enumerate() {
        let psu_id = (s as i64 + 1) * 100_000_000 + j as i64 + 1;
        let psu_w = base_w * (1.0 + 0.1 * (2.0 * rng.random::<f64>() - 1.0));
        let psu_eff = 0.35 * normal(&mut rng);
        let mig_eff = 0.9 * normal(&mut rng);
        for _ in 0..size {
            c.stratum[i] = stratum_id;
            c.psu[i] = psu_id;
            let w = psu_w * (1.0 + 0.03 * (2.0 * rng.random::<f64>() - 1.0));
            c.weight[i] = (w * 100.0).round() / 100.0;

            let female = bern(&mut rng, 0.51);
            c.sex[i] = if female { 2 } else { 1 };
            let age = draw_age(&mut rng, &AGE_PYRAMID);
            c.age[i] = age;
            let ag = age_group_code(age);

            let age_mig = [-0.9, 0.1, 0.45, -0.3][ag];
            let abroad = bern(&mut rng, logistic(-2.55 + mig_s + mig_eff + age_mig));
            c.born_abroad[i] = i32::from(abroad);
            let citizen = !abroad || bern(&mut rng, logistic(-0.9 + 0.03 * f64::from(age - 20)));
            c.citizen[i] = i32::from(citizen);
            let mig = f64::from(u8::from(abroad));
            let noncit = f64::from(u8::from(!citizen));

            let dis_lp = -3.7 + 0.05 * f64::from((age - 20).max(0)) - 0.2 * mig;
            let disabled = bern(&mut rng, logistic(dis_lp));
            c.disability[i] = i32::from(disabled);
            let dis = f64::from(u8::from(disabled));

            // Labour force, unemployment, informality (15+).
            let mut employed = false;
            let mut informal = false;
            if age >= 15 {
                let lp = if female { -0.05 } else { 1.15 } + [0.0, -1.0, 0.0, -1.9][ag] - 1.1 * dis
                    + if female { 0.0 } else { 0.25 * mig };
                let in_lf = bern(&mut rng, logistic(lp));
                c.in_lf[i] = i32::from(in_lf);
                c.in_lf_ok[i] = true;
                if in_lf {
                    let lp = -3.0 + if ag == 1 { 0.9 } else { 0.0 } + 0.45 * mig + 0.5 * dis
                        - 0.25 * u
                        + 0.5 * psu_eff;
                    let unemp = bern(&mut rng, logistic(lp));
                    c.unemployed[i] = i32::from(unemp);
                    c.unemployed_ok[i] = true;
                    if !unemp {
                        employed = true;
                        let lp = 0.15 + 0.7 * mig + 0.35 * noncit + [0.0, 0.5, 0.0, 0.8][ag]
                            - 0.8 * u
                            + 0.1 * f64::from(u8::from(female))
                            + psu_eff;
                        informal = bern(&mut rng, logistic(lp));
                        c.informal[i] = i32::from(informal);
                        c.informal_ok[i] = true;
                    }
                }
            }

            // Health insurance (everyone).
            let lp = if employed {
                if informal { -0.5 } else { 2.8 }
            } else {
                0.9
            } + [0.3, -0.2, 0.0, 0.8][ag]
                - 0.9 * mig
                - 0.5 * noncit
                + 0.4 * u
                + psu_eff;
            c.insured[i] = i32::from(bern(&mut rng, logistic(lp)));

            // School attendance (3+).
            if age >= 3 {
                let age_lp = match age {
                    3..=5 => 0.4,
                    6..=14 => 3.4,
                    15..=17 => 1.2,
                    18..=24 => -0.8,
                    _ => -4.2,
                };
                let lp = age_lp - 0.8 * mig - 1.3 * dis + 0.3 * u + 0.5 * psu_eff;
                c.school[i] = i32::from(bern(&mut rng, logistic(lp)));
                c.school_ok[i] = true;
            }

            // Hours and income.
            if employed {
                let mean = if female { 38.0 } else { 44.0 };
                let sd = if informal { 14.0 } else { 9.0 };
                let h = (mean + sd * normal(&mut rng)).round().clamp(1.0, 98.0);
                c.hours[i] = h;
                c.hours_ok[i] = true;
            }
            if age >= 15 {
                let nonresponse = bern(&mut rng, 0.06 + 0.04 * mig);
                let income = if employed {
                    let mu = 8000f64.ln() + 0.35 * u
                        - 0.45 * f64::from(u8::from(informal))
                        - 0.2 * f64::from(u8::from(female))
                        + if ag == 2 { 0.15 } else { 0.0 }
                        - 0.15 * mig
                        + 0.4 * (c.hours[i] / 40.0).ln()
                        + 0.3 * psu_eff;
                    (mu + 0.6 * normal(&mut rng)).exp()
                } else if bern(&mut rng, if ag == 3 { 0.75 } else { 0.35 }) {
                    (3000f64.ln() + 0.5 * normal(&mut rng)).exp()
                } else {
                    0.0
                };
                if !nonresponse {
                    c.income[i] = income.round();
                    c.income_ok[i] = true;
                }
            }
            i += 1;
        }
    }
}

fn opt_i32(name: &str, v: &[i32], ok: &[bool]) -> Column {
    Int32Chunked::from_iter_options(name.into(), v.iter().zip(ok).map(|(x, k)| k.then_some(*x)))
        .into_column()
}

fn opt_f64(name: &str, v: &[f64], ok: &[bool]) -> Column {
    Float64Chunked::from_iter_options(name.into(), v.iter().zip(ok).map(|(x, k)| k.then_some(*x)))
        .into_column()
}

fn build_frame(b: Buf, rows: usize) -> Result<DataFrame, SynthError> {
    let age_group = col_str(
        "age_group",
        b.age
            .iter()
            .map(|&a| WORKLOAD_AGE_GROUPS[age_group_code(a)]),
    );
    let employed = Int32Chunked::from_iter_options(
        "employed".into(),
        b.in_lf
            .iter()
            .zip(&b.in_lf_ok)
            .zip(&b.unemployed)
            .map(|((lf, ok), un)| ok.then_some(i32::from(*lf == 1 && *un == 0))),
    )
    .into_column();
    let cols = vec![
        col_i32("stratum", b.stratum),
        col_i64("psu", b.psu),
        col_f64("weight", b.weight),
        col_i32("sex", b.sex),
        col_i32("age", b.age),
        age_group,
        col_i32("born_abroad", b.born_abroad),
        col_i32("citizen", b.citizen),
        col_i32("disability", b.disability),
        opt_i32("in_labour_force", &b.in_lf, &b.in_lf_ok),
        opt_i32("unemployed", &b.unemployed, &b.unemployed_ok),
        opt_i32("informal", &b.informal, &b.informal_ok),
        col_i32("insured", b.insured),
        opt_i32("attends_school", &b.school, &b.school_ok),
        opt_f64("income", &b.income, &b.income_ok),
        opt_f64("hours", &b.hours, &b.hours_ok),
        employed,
    ];
    frame(cols, rows)
}

/// Generate [`workload`]`(rows, seed)` once and write it to `dir` as
/// `workload_<rows>_seed<seed>.parquet` (with the key `hri.synthetic` = [`SYNTHETIC_NOTICE`]
/// in its metadata) and `workload_<rows>_seed<seed>.csv`, for the peer comparison scripts
/// (R `survey`, Python `svy`). Creates `dir` if needed. In the CSV a missing value is an
/// empty field and `synthetic` is written `true`.
///
/// # Errors
/// The errors of [`workload`]; [`SynthError::Io`] if the directory or a file cannot be
/// created; [`SynthError::Polars`] if a writer fails.
pub fn write_workload(dir: &Path, rows: usize, seed: u64) -> Result<WorkloadFiles, SynthError> {
    let mut df = workload(rows, seed)?;
    std::fs::create_dir_all(dir).map_err(|source| SynthError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let stem = format!("workload_{rows}_seed{seed}");
    let files = WorkloadFiles {
        parquet: dir.join(format!("{stem}.parquet")),
        csv: dir.join(format!("{stem}.csv")),
    };
    let create = |path: &Path| {
        File::create(path).map_err(|source| SynthError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let meta = KeyValueMetadata::from_static(vec![
        ("hri.synthetic".to_string(), SYNTHETIC_NOTICE.to_string()),
        (
            "hri.generator".to_string(),
            format!("hri::synth::workload(rows = {rows}, seed = {seed})"),
        ),
    ]);
    ParquetWriter::new(create(&files.parquet)?)
        .with_key_value_metadata(Some(meta))
        .finish(&mut df)?;
    CsvWriter::new(create(&files.csv)?)
        .include_header(true)
        .finish(&mut df)?;
    Ok(files)
}
