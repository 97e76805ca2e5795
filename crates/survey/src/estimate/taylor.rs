//! Taylor-linearisation variance from per-(unit, cell) partial sums, as R's `svyrecvar`
//! computes it: a sum over strata of the scaled, centred sum of squares of PSU totals of
//! the linearised scores (zero for PSUs outside the domain), with the finite population
//! correction, the lonely-PSU policy, and a second stage when its fpc is given.

use super::cells::{Cells, Grouping};
use super::encode::NONE;
use super::partial::{self, PartialSums};
use super::prepare::Structure;
use crate::design::LonelyPsu;

/// Per measure, the sums the variance pass reads from an entry, over valid rows: Σw, Σwy
/// and (with ratios only) Σwx. Whether the entry has rows in the measure's universe is a
/// bit of its universe mask (one bit per measure, 64 measures per word).
pub(crate) const S_W: usize = 0;
/// Σwy over valid rows.
pub(crate) const S_WY: usize = 1;
/// Σwx over valid rows (present when [`Entries::slots`] is 3).
pub(crate) const S_WX: usize = 2;

/// Words of a universe mask for `n_measures` measures.
pub(crate) fn mask_words(n_measures: usize) -> usize {
    n_measures.div_ceil(64).max(1)
}

/// Whether bit `m` of a universe mask is set.
#[inline(always)]
fn has_bit(mask: &[u64], m: usize) -> bool {
    (mask[m >> 6] >> (m & 63)) & 1 == 1
}

/// Where the variance pass reads its (unit, cell) entries from: a partial-sums table, or
/// the rows themselves in unit order (no table in memory).
pub(crate) trait Entries: Sync {
    /// Number of entries.
    fn len(&self) -> usize;
    /// Sums per measure: 2 ([`S_W`], [`S_WY`]), or 3 with [`S_WX`] when a measure is a
    /// ratio.
    fn slots(&self) -> usize;
    /// Unit of entry `i`; entries are grouped by unit, units in increasing order.
    fn unit(&self, i: usize) -> usize;
    /// Domain cell of entry `i`.
    fn cell(&self, i: usize) -> usize;
    /// Add the [`Entries::slots`] sums of every measure of entry `i` to `acc`, and set in
    /// `univ` ([`mask_words`] words) the bit of every measure whose universe holds the
    /// entry's rows.
    fn add_to(&self, i: usize, acc: &mut [f64], univ: &mut [u64]);
    /// [`Entries::add_to`] for entries `lo..hi` (one unit's), each into the sums of its
    /// cell.
    fn add_unit(&self, lo: usize, hi: usize, mut cells: CellSums<'_>) {
        cells.add_each(self, lo, hi);
    }
    /// The end of the entries of entry `lo`'s unit (`lo` < `hi`), at most `hi`.
    #[inline(always)]
    fn unit_end(&self, lo: usize, hi: usize) -> usize {
        let u = self.unit(lo);
        (lo + 1..hi).find(|&i| self.unit(i) != u).unwrap_or(hi)
    }
    /// The cells of entries `lo..hi` as a slice, when the entries are stored in order.
    #[inline(always)]
    fn cells_of(&self, _lo: usize, _hi: usize) -> Option<&[u32]> {
        None
    }
}

/// The sums of a unit's cells in the variance pass: `width` sums and `words` universe-mask
/// words ([`mask_words`]) per cell.
pub(crate) struct CellSums<'a> {
    /// Sums, `width` per cell.
    pub acc: &'a mut [f64],
    /// Universe masks, `words` per cell.
    pub univ: &'a mut [u64],
    /// Sums per cell.
    pub width: usize,
    /// Mask words per cell.
    pub words: usize,
}

impl CellSums<'_> {
    /// Add entries `lo..hi` one by one ([`Entries::add_to`]), each into its cell.
    pub fn add_each<E: Entries + ?Sized>(&mut self, entries: &E, lo: usize, hi: usize) {
        let (width, words) = (self.width, self.words);
        for i in lo..hi {
            let cell = entries.cell(i);
            entries.add_to(
                i,
                &mut self.acc[cell * width..(cell + 1) * width],
                &mut self.univ[cell * words..(cell + 1) * words],
            );
        }
    }
}

impl Entries for PartialSums {
    fn len(&self) -> usize {
        self.keys.len()
    }
    fn slots(&self) -> usize {
        3
    }
    fn unit(&self, i: usize) -> usize {
        (self.keys[i] / self.n_cells as u64) as usize
    }
    fn cell(&self, i: usize) -> usize {
        (self.keys[i] % self.n_cells as u64) as usize
    }
    fn add_to(&self, i: usize, acc: &mut [f64], univ: &mut [u64]) {
        let w = self.width();
        let values = &self.values[i * w..(i + 1) * w];
        for (m, (a, v)) in acc
            .chunks_exact_mut(3)
            .zip(values.chunks_exact(partial::SLOTS))
            .enumerate()
        {
            univ[m >> 6] |= u64::from(v[partial::N_UNIV] > 0.0) << (m & 63);
            a[S_W] += v[partial::SW];
            a[S_WY] += v[partial::SWY];
            a[S_WX] += v[partial::SWX];
        }
    }
}

/// A linearised score: `aw·Σw + ay·Σwy + ax·Σwx` of one measure in one domain.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Channel {
    /// Global domain index.
    pub dom: u32,
    /// Measure index.
    pub measure: u32,
    /// Coefficient of Σw.
    pub aw: f64,
    /// Coefficient of Σwy.
    pub ay: f64,
    /// Coefficient of Σwx.
    pub ax: f64,
}

/// The calibration's correction of the scores (see [`super::calibrate`]): each unit's
/// score of channel `c` loses `B_c' Σ_{i∈unit} w_i x_i`.
#[derive(Clone, Copy)]
pub(crate) struct Correction<'a> {
    /// Columns of the calibration model.
    pub p: usize,
    /// Per channel: its regression coefficients `B_c` (`p` each).
    pub b: &'a [f64],
    /// Per unit: Σ w x over its rows, calibrated weights (`p` each).
    pub unit_sums: &'a [f64],
}

/// A variance target: a linear combination of channels.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// (channel, coefficient) pairs.
    pub terms: Vec<(u32, f64)>,
}

/// Output of the variance pass.
#[derive(Debug, Clone)]
pub(crate) struct Variances {
    /// Per target: the variance (NaN when undefined, e.g. average policy with no stratum
    /// of several PSUs).
    pub var: Vec<f64>,
    /// Per (domain, measure): PSUs with rows in the universe.
    pub psus: Vec<u32>,
    /// Per (domain, measure): strata with rows in the universe.
    pub strata: Vec<u32>,
}

struct Scratch {
    val: Vec<f64>,
    touched: Vec<u32>,
    mark: Vec<bool>,
}

impl Scratch {
    fn new(n: usize) -> Self {
        Scratch {
            val: vec![0.0; n],
            touched: Vec::new(),
            mark: vec![false; n],
        }
    }
    #[inline]
    fn add(&mut self, i: usize, v: f64) {
        if !self.mark[i] {
            self.mark[i] = true;
            self.touched.push(i as u32);
        }
        self.val[i] += v;
    }
    fn clear(&mut self) {
        for &i in &self.touched {
            self.val[i as usize] = 0.0;
            self.mark[i as usize] = false;
        }
        self.touched.clear();
    }
}

/// Accumulates, for each target, the values of the units of one group (stratum or PSU)
/// and turns them into a centred sum of squares padded with zeros to `n` units.
///
/// Values are centred as they come (Welford's update), so the group needs no second pass
/// and no stored values; the units without a value are zeros, added at the end with the
/// exact formula for merging two groups (Chan, Golub and LeVeque).
struct GroupSS<'a> {
    moments: Vec<Moments>,
    touched: Vec<u32>,
    /// `inv[k]` = 1 / k.
    inv: &'a [f64],
}

/// Running count, mean and centred sum of squares of one target's values.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    mean: f64,
    m2: f64,
    count: u32,
}

impl<'a> GroupSS<'a> {
    fn new(n_targets: usize, inv: &'a [f64]) -> Self {
        GroupSS {
            moments: vec![Moments::default(); n_targets],
            touched: Vec::new(),
            inv,
        }
    }
    /// Add value `v` of target `t` (Welford's update).
    #[inline]
    fn push(&mut self, t: u32, v: f64) {
        let m = &mut self.moments[t as usize];
        if m.count == 0 {
            self.touched.push(t);
        }
        m.count += 1;
        let delta = v - m.mean;
        let inv = self.inv.get(m.count as usize).copied();
        m.mean += delta * inv.unwrap_or(1.0 / m.count as f64);
        m.m2 += delta * (v - m.mean);
    }

    /// Call `f(target, mean, ss)` for every target pushed, where `ss` is the sum of
    /// squares about the mean over `n` units (the units not pushed count as zeros).
    fn finish(&mut self, n: f64, mut f: impl FnMut(usize, f64, f64)) {
        for &t in &self.touched {
            let t = t as usize;
            let Moments { mean, m2, count } = std::mem::take(&mut self.moments[t]);
            let k = count as f64;
            // k values with mean `mean` merged with n - k zeros
            f(t, mean * k / n, m2 + mean * mean * k * (n - k) / n);
        }
        self.touched.clear();
    }
}

/// Targets whose running sums sit side by side in a [`Shifted4`].
const LANES: usize = 4;

/// Running sums of four targets' values over the units of one group, each shifted by its
/// first value `K`: count, `K`, `Σ(z − K)` and `Σ(z − K)²`, field by field (the four
/// targets' counts together, then their shifts, ...), so that one vector instruction
/// updates all four. Shifting by a value of the group keeps the centred sum of squares
/// accurate (Chan, Golub and LeVeque's shifted data), and the update has no branch and no
/// division. A lane's shift and sums are zero while its count is (as [`Default`] makes
/// them, and as taking the sums out leaves them).
#[derive(Debug, Clone, Copy, Default)]
struct Shifted4 {
    count: [f64; LANES],
    shift: [f64; LANES],
    s1: [f64; LANES],
    s2: [f64; LANES],
}

impl Shifted4 {
    /// Add value `z[k]` to lane `k` when bit `k` of `present` is set (nothing otherwise),
    /// the four lanes in one loop the compiler turns into vector instructions.
    #[inline(always)]
    #[allow(clippy::needless_range_loop)] // one lane index over the four arrays
    fn push(&mut self, z: [f64; LANES], present: u64) {
        for k in 0..LANES {
            self.push_lane(k, z[k], (present >> k) & 1 != 0);
        }
    }

    /// Add value `z` to lane `k` when `present`. Selections are bit masks, so an absent
    /// value (even NaN) adds exact zeros.
    #[inline(always)]
    fn push_lane(&mut self, k: usize, z: f64, present: bool) {
        let c = self.count[k];
        // The shift is zero until the lane's first value, which is added to it: an
        // unconditional store (keeping the old shift where it is set would compile to a
        // masked store, slow on some processors, and the next push waits on it).
        self.shift[k] += select(c == 0.0 && present, z, 0.0);
        let d = select(present, z - self.shift[k], 0.0);
        self.s1[k] += d;
        self.s2[k] += d * d;
        self.count[k] = c + f64::from(u8::from(present));
    }
}

/// `a` when `cond`, else `b`, through a bit mask instead of a branch.
#[inline(always)]
pub(crate) fn select(cond: bool, a: f64, b: f64) -> f64 {
    let mask = u64::from(cond).wrapping_neg();
    f64::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

/// The coefficients of Σw, Σwy and Σwx in the scores of a block of [`LANES`] measures of
/// one domain (zeros past the last measure).
pub(crate) type Coef4 = [[f64; LANES]; 3];

/// Shifted sums of every (domain, measure) target of a group (a stratum): each domain's
/// measures in blocks of [`LANES`], the last block padded with lanes that never get a
/// value.
struct ShiftedSS {
    blocks: Vec<Shifted4>,
    n_measures: usize,
    /// Blocks per domain.
    per_domain: usize,
}

impl ShiftedSS {
    fn new(n_domains: usize, n_measures: usize) -> Self {
        let per_domain = n_measures.div_ceil(LANES);
        ShiftedSS {
            blocks: vec![Shifted4::default(); n_domains * per_domain],
            n_measures,
            per_domain,
        }
    }

    /// Add value `z` of target `dm` (domain `dm / n_measures`, measure `dm % n_measures`)
    /// when `present`.
    #[inline]
    fn push(&mut self, dm: usize, z: f64, present: bool) {
        let (d, m) = (dm / self.n_measures, dm % self.n_measures);
        self.blocks[d * self.per_domain + m / LANES].push_lane(m % LANES, z, present);
    }

    /// Add the scores of every measure of domain `d`: `sums` holds [`LANES`] measures per
    /// block of `coef` (padding included), `K` sums each ([`S_W`], [`S_WY`] and, when `K`
    /// is 3, [`S_WX`]); measure `m` has a value when bit `m` of the universe mask `univ`
    /// is set.
    #[inline(always)]
    fn push_all<const K: usize>(&mut self, d: usize, sums: &[f64], coef: &[Coef4], univ: &[u64]) {
        let blocks = &mut self.blocks[d * self.per_domain..(d + 1) * self.per_domain];
        let (measures, _) = sums.as_chunks::<K>();
        for (j, ((block, c), sl)) in blocks
            .iter_mut()
            .zip(coef)
            .zip(measures.chunks_exact(LANES))
            .enumerate()
        {
            let mut z = [0.0; LANES];
            for k in 0..LANES {
                z[k] = c[0][k] * sl[k][S_W] + c[1][k] * sl[k][S_WY];
                if K > S_WX {
                    z[k] += c[2][k] * sl[k][K - 1];
                }
            }
            let first = j * LANES;
            block.push(z, univ[first / 64] >> (first % 64));
        }
    }

    /// Every target with a value, as `f(target, count, mean, ss)` over `n` units (the
    /// units without a value count as zeros); the sums are reset.
    fn finish(&mut self, n: f64, mut f: impl FnMut(usize, u32, f64, f64)) {
        for (b, block) in self.blocks.iter_mut().enumerate() {
            if block.count == [0.0; LANES] {
                continue;
            }
            let Shifted4 {
                count,
                shift,
                s1,
                s2,
            } = std::mem::take(block);
            let (d, j) = (b / self.per_domain, b % self.per_domain);
            for k in 0..LANES {
                let k_values = count[k];
                if k_values == 0.0 {
                    continue;
                }
                let mean = shift[k] + s1[k] / k_values;
                let m2 = (s2[k] - s1[k] * s1[k] / k_values).max(0.0);
                // k values with mean `mean` merged with n - k zeros
                f(
                    d * self.n_measures + j * LANES + k,
                    k_values as u32,
                    mean * k_values / n,
                    m2 + mean * mean * k_values * (n - k_values) / n,
                );
            }
        }
    }
}

/// Add a domain's sums `acc` and universe mask `univ` into another domain's `t` and `tu`
/// (copy them when `first`).
#[inline(always)]
fn add_domain(t: &mut [f64], tu: &mut [u64], acc: &[f64], univ: &[u64], first: bool) {
    if first {
        t[..acc.len()].copy_from_slice(acc);
    } else {
        for (a, b) in t.iter_mut().zip(acc) {
            *a += b;
        }
    }
    // one mask word (up to 64 measures) without a loop
    match (tu, univ) {
        ([a], [b]) => *a = if first { *b } else { *a | b },
        (tu, univ) if first => tu.copy_from_slice(univ),
        (tu, univ) => tu.iter_mut().zip(univ).for_each(|(a, b)| *a |= b),
    }
}

/// How each grouping's domains are added up in a unit: from the cells (`None`), or from
/// the domains of a finer grouping (`Some(p)`), which takes fewer additions when that
/// grouping has fewer domains than there are cells (a marginal from a crossed
/// disaggregation: sex from born abroad × sex). Grouping `p` serves `g` when every cell
/// in a domain of `g` lies in a domain of `p`, and the cells of each domain of `p` lie in
/// one domain of `g` (or in none); among those, the one with fewest domains. `p` has more
/// domains than `g` (or as many and comes first), so no grouping is added up from itself.
fn from_finer(groupings: &[Grouping], n_cells: usize) -> Vec<Option<usize>> {
    let serves = |p: &Grouping, g: &Grouping| {
        let mut to = vec![None; p.domains.len()];
        (0..n_cells).all(|c| {
            let (pd, gd) = (p.cell_domain[c], g.cell_domain[c]);
            if pd == NONE {
                return gd == NONE;
            }
            *to[pd as usize].get_or_insert(gd) == gd
        })
    };
    groupings
        .iter()
        .enumerate()
        .map(|(gi, g)| {
            groupings
                .iter()
                .enumerate()
                .filter(|&(pi, p)| {
                    let (np, ng) = (p.domains.len(), g.domains.len());
                    pi != gi && np < n_cells && (np > ng || (np == ng && pi < gi)) && serves(p, g)
                })
                .min_by_key(|(pi, p)| (p.domains.len(), *pi))
                .map(|(pi, _)| pi)
        })
        .collect()
}

/// Per-pass accumulators, added across threads.
struct Acc {
    var: Vec<f64>,
    nan: Vec<bool>,
    nstrat: Vec<u32>,
    nok: Vec<u32>,
    psus: Vec<u32>,
    strata: Vec<u32>,
}

impl Acc {
    fn add(mut self, o: Acc) -> Acc {
        self.var.iter_mut().zip(&o.var).for_each(|(a, b)| *a += b);
        self.nan.iter_mut().zip(&o.nan).for_each(|(a, b)| *a |= b);
        self.nstrat
            .iter_mut()
            .zip(&o.nstrat)
            .for_each(|(a, b)| *a += b);
        self.nok.iter_mut().zip(&o.nok).for_each(|(a, b)| *a += b);
        self.psus.iter_mut().zip(&o.psus).for_each(|(a, b)| *a += b);
        self.strata
            .iter_mut()
            .zip(&o.strata)
            .for_each(|(a, b)| *a += b);
        self
    }
}

/// Everything one variance pass reads (built once by [`variances`]).
struct PassInput<'a, E> {
    /// Sampling structure (units, PSUs, strata, factors).
    s: &'a Structure,
    /// The entries, grouped by unit.
    ps: &'a E,
    /// Measures per domain.
    n_measures: usize,
    /// Variance targets.
    targets: &'a [Target],
    /// Linearised scores.
    channels: &'a [Channel],
    /// Single-stage design (a unit is its PSU).
    single: bool,
    /// `inv[k]` = 1 / k.
    inv: &'a [f64],
    /// Domain cells.
    n_cells: usize,
    /// Per channel: start of its targets in `tg_list` / `tg_coef`.
    tg_start: &'a [u32],
    /// Targets of each channel.
    tg_list: &'a [u32],
    /// Each target's coefficient of the channel.
    tg_coef: &'a [f64],
    /// Per target: one channel with coefficient 1.
    tg_simple: &'a [bool],
    /// Per cell: start of its domains in `cell_doms`.
    cell_dom_start: &'a [u32],
    /// Per domain: start of the domains added up from it in `dom_children`.
    dom_child_start: &'a [u32],
    /// The domains of coarser groupings added up from each domain ([`from_finer`]).
    dom_children: &'a [u32],
    /// The global domains of each cell, one per grouping where its group values are
    /// present.
    cell_doms: &'a [u32],
    /// Per domain: every measure plain, in a single-stage design.
    dom_plain: &'a [bool],
    /// Per (domain, measure): the coefficients of Σw, Σwy, Σwx of its score.
    coef: &'a [[f64; 3]],
    /// The same per domain, in blocks of [`LANES`] measures ([`ShiftedSS::push_all`]).
    coef4: &'a [Coef4],
    /// Sums per measure (2, or 3 with ratios).
    slots: usize,
    /// Per (domain, measure): start of its channels in `ch_list`.
    ch_start: &'a [u32],
    /// Channels of each (domain, measure).
    ch_list: &'a [u32],
    /// Per (domain, measure): one score that is its own target.
    plain: &'a [bool],
    /// A calibrated design's correction of the scores.
    correction: Option<Correction<'a>>,
}

impl<'a, E> Clone for PassInput<'a, E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'a, E> Copy for PassInput<'a, E> {}

/// The variance pass over entries `lo..hi` (whole strata), compiled with AVX2 when the
/// processor has it: the sums of cells and domains are vector additions.
fn run_pass<E: Entries>(input: &PassInput<'_, E>, lo: usize, hi: usize) -> Acc {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2 (checked just above).
        return unsafe { pass_avx2(input, lo, hi) };
    }
    pass_body(input, lo, hi)
}

/// [`pass_body`] compiled with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn pass_avx2<E: Entries>(input: &PassInput<'_, E>, lo: usize, hi: usize) -> Acc {
    pass_body(input, lo, hi)
}

/// The variance pass itself: per stratum, per PSU, per unit, the entries added per cell,
/// the cells spread over their domains (those of groupings added up from the cells), the
/// coarser domains added up from finer ones ([`from_finer`]), the domains' scores pushed
/// into the stratum sums.
///
/// One long function on purpose: it is the hot loop of every Taylor table (about half of
/// the estimate's time at 1M rows on the benchmark workload), compiled twice from this one
/// body (with and without AVX2, see [`run_pass`]), and its per-PSU state (the cells and
/// domains touched, their sums and universe masks) lives in locals that the loop updates
/// without a call or a bounds check it can avoid. Its parts were measured by switching them
/// off one at a time (BENCHMARKS.md, "Where the time goes at 1M rows": adding a PSU's rows
/// per cell ~5 ms, spreading the cells over the crossed domains ~5 ms, adding the marginal
/// domains ~5 ms, pushing the scores ~2 ms); the sections below follow those parts.
#[inline(always)]
fn pass_body<E: Entries>(input: &PassInput<'_, E>, lo: usize, hi: usize) -> Acc {
    let PassInput {
        s,
        ps,
        n_measures,
        targets,
        channels,
        single,
        inv,
        n_cells,
        tg_start,
        tg_list,
        tg_coef,
        tg_simple,
        cell_dom_start,
        dom_child_start,
        dom_children,
        cell_doms,
        dom_plain,
        coef,
        coef4,
        slots,
        ch_start,
        ch_list,
        plain,
        correction,
    } = *input;
    // Scores go straight from a PSU to its stratum in single-stage designs, unless a
    // calibration corrects every unit's scores first.
    let direct = single && correction.is_none();
    let (n_dm, n_doms, width) = (plain.len(), dom_plain.len(), n_measures * slots);
    let mut var = vec![0.0; targets.len()];
    let mut nan = vec![false; targets.len()];
    let mut nstrat = vec![0u32; targets.len()];
    let mut nok = vec![0u32; targets.len()];
    let mut psus = vec![0u32; n_dm];
    let mut strata = vec![0u32; n_dm];
    let mut last_stratum = vec![NONE; n_dm];

    let mut unit_z = Scratch::new(channels.len());
    let mut psu_z = Scratch::new(channels.len());
    // (domain, measure) pairs with rows in the universe in this PSU (two-stage designs)
    let mut psu_univ = Scratch::new(n_dm);
    let mut tval = Scratch::new(targets.len());
    let mut stratum_ss = GroupSS::new(targets.len(), inv);
    // Plain (domain, measure) pairs of single-stage designs: one value per PSU in the
    // universe, the PSU and stratum counts taken from the number of values.
    let mut plain_ss = ShiftedSS::new(if single { n_doms } else { 0 }, n_measures);
    let mut psu_ss = GroupSS::new(targets.len(), inv);

    let eval_targets = |z: &Scratch, tval: &mut Scratch| {
        for &c in &z.touched {
            let c = c as usize;
            let (from, to) = (tg_start[c] as usize, tg_start[c + 1] as usize);
            for (&t, &coef) in tg_list[from..to].iter().zip(&tg_coef[from..to]) {
                tval.add(t as usize, coef * z.val[c]);
            }
        }
    };

    // A unit's rows added up per cell, then the cells spread over their domains.
    let words = mask_words(n_measures);
    let mut cell_acc = vec![0.0; n_cells * width];
    let mut cell_univ = vec![0u64; n_cells * words];
    let mut cell_seen = vec![false; n_cells];
    let mut cells_touched: Vec<u32> = Vec::new();
    // A domain's sums padded to whole blocks of measures (the padding stays zero).
    let padded = n_measures.div_ceil(LANES) * LANES * slots;
    let mut dom_sums = vec![0.0; n_doms * padded];
    let mut dom_masks = vec![0u64; n_doms * words];
    // Each domain's sums and mask as its own slice: one look-up per domain.
    let mut dom_acc: Vec<&mut [f64]> = if padded == 0 {
        (0..n_doms).map(|_| <&mut [f64]>::default()).collect()
    } else {
        dom_sums.chunks_exact_mut(padded).collect()
    };
    let mut dom_univ: Vec<&mut [u64]> = dom_masks.chunks_exact_mut(words).collect();
    let mut dom_seen = vec![false; n_doms];
    let mut doms_touched: Vec<u32> = Vec::new();
    let mut i = lo;
    while i < hi {
        let h = s.psu_stratum[s.unit_psu[ps.unit(i)] as usize];
        // one stratum
        while i < hi {
            let p = s.unit_psu[ps.unit(i)];
            if s.psu_stratum[p as usize] != h {
                break;
            }
            // one PSU
            while i < hi {
                let u = ps.unit(i);
                if s.unit_psu[u] != p {
                    break;
                }
                // one unit: its entries per cell
                let first = i;
                i = ps.unit_end(i, hi);
                macro_rules! touch {
                    ($cell:expr) => {
                        let cell = $cell;
                        if !cell_seen[cell] {
                            cell_seen[cell] = true;
                            cells_touched.push(cell as u32);
                            cell_acc[cell * width..(cell + 1) * width].fill(0.0);
                            if words == 1 {
                                cell_univ[cell] = 0;
                            } else {
                                cell_univ[cell * words..(cell + 1) * words].fill(0);
                            }
                        }
                    };
                }
                match ps.cells_of(first, i) {
                    // Up to 64 cells: the unit's cells as bits of one word, set without a
                    // branch per row, then touched in increasing order.
                    Some(cells) if n_cells <= 64 => {
                        let mut bits = 0u64;
                        for &cell in cells {
                            bits |= 1u64 << cell;
                        }
                        while bits != 0 {
                            touch!(bits.trailing_zeros() as usize);
                            bits &= bits - 1;
                        }
                    }
                    Some(cells) => {
                        for &cell in cells {
                            touch!(cell as usize);
                        }
                    }
                    None => {
                        for e in first..i {
                            touch!(ps.cell(e));
                        }
                    }
                }
                let cells = CellSums {
                    acc: &mut cell_acc,
                    univ: &mut cell_univ,
                    width,
                    words,
                };
                ps.add_unit(first, i, cells);
                // cells to domains
                for &cell in &cells_touched {
                    let cell = cell as usize;
                    cell_seen[cell] = false;
                    let acc = &cell_acc[cell * width..(cell + 1) * width];
                    let univ = &cell_univ[cell * words..(cell + 1) * words];
                    let doms = &cell_doms
                        [cell_dom_start[cell] as usize..cell_dom_start[cell + 1] as usize];
                    for &dom in doms {
                        let d = dom as usize;
                        let first = !dom_seen[d];
                        if first {
                            dom_seen[d] = true;
                            doms_touched.push(dom);
                        }
                        add_domain(&mut *dom_acc[d], &mut *dom_univ[d], acc, univ, first);
                    }
                }
                cells_touched.clear();
                // coarser domains from finer ones, in the order they come (a domain is
                // complete before it is read: its finer domains come first)
                if !dom_children.is_empty() {
                    let mut k = 0;
                    while k < doms_touched.len() {
                        let d = doms_touched[k] as usize;
                        let from = dom_child_start[d] as usize..dom_child_start[d + 1] as usize;
                        for &child in &dom_children[from] {
                            let c = child as usize;
                            let [t, acc] = dom_acc
                                .get_disjoint_mut([c, d])
                                .expect("a domain is not its own child");
                            let [tu, univ] = dom_univ
                                .get_disjoint_mut([c, d])
                                .expect("a domain is not its own child");
                            let first = !dom_seen[c];
                            if first {
                                dom_seen[c] = true;
                                doms_touched.push(child);
                            }
                            add_domain(t, tu, &acc[..width], univ, first);
                        }
                        k += 1;
                    }
                }
                // domains to linearised scores
                for &dom in &doms_touched {
                    let d = dom as usize;
                    dom_seen[d] = false;
                    let t = &*dom_acc[d];
                    let in_univ = &*dom_univ[d];
                    if dom_plain[d] {
                        let coef = &coef4[d * plain_ss.per_domain..];
                        match slots {
                            3 => plain_ss.push_all::<3>(d, t, coef, in_univ),
                            _ => plain_ss.push_all::<2>(d, t, coef, in_univ),
                        }
                        continue;
                    }
                    for m in 0..n_measures {
                        let sl = &t[m * slots..(m + 1) * slots];
                        let dm = d * n_measures + m;
                        // Without a valid row the sums are zero, and so is the score.
                        let (sw, swy) = (sl[S_W], sl[S_WY]);
                        let swx = if slots > S_WX { sl[S_WX] } else { 0.0 };
                        if single && plain[dm] {
                            let [aw, ay, ax] = coef[dm];
                            let z = aw * sw + ay * swy + ax * swx;
                            plain_ss.push(dm, z, has_bit(in_univ, m));
                            continue;
                        }
                        if !has_bit(in_univ, m) {
                            continue;
                        }
                        if direct {
                            // a single-stage unit is its PSU: each (domain, measure)
                            // comes here once per PSU
                            psus[dm] += 1;
                            if last_stratum[dm] != h {
                                last_stratum[dm] = h;
                                strata[dm] += 1;
                            }
                        } else {
                            psu_univ.add(dm, 1.0);
                        }
                        for &c in &ch_list[ch_start[dm] as usize..ch_start[dm + 1] as usize] {
                            let c = c as usize;
                            let ch = &channels[c];
                            let z = ch.aw * sw + ch.ay * swy + ch.ax * swx;
                            if !direct {
                                unit_z.add(c, z);
                                continue;
                            }
                            // a PSU's score goes straight to its stratum; targets
                            // combining several scores are added up first
                            let (from, to) = (tg_start[c] as usize, tg_start[c + 1] as usize);
                            for (&t, &coef) in tg_list[from..to].iter().zip(&tg_coef[from..to]) {
                                if tg_simple[t as usize] {
                                    stratum_ss.push(t, z);
                                } else {
                                    tval.add(t as usize, coef * z);
                                }
                            }
                        }
                    }
                }
                doms_touched.clear();
                // a calibrated design: every score of the unit less B_c' Σ w x
                if let Some(Correction { p, b, unit_sums }) = correction {
                    let su = &unit_sums[u * p..(u + 1) * p];
                    if su.iter().any(|v| *v != 0.0) {
                        for (c, bc) in b.chunks_exact(p).enumerate() {
                            let z: f64 = bc.iter().zip(su).map(|(a, b)| a * b).sum();
                            unit_z.add(c, -z);
                        }
                    }
                }
                // unit done: roll into PSU, and keep unit values for the second stage
                if s.stage2.is_some() {
                    eval_targets(&unit_z, &mut tval);
                    for &t in &tval.touched {
                        psu_ss.push(t, tval.val[t as usize]);
                    }
                    tval.clear();
                }
                for &c in &unit_z.touched {
                    psu_z.add(c as usize, unit_z.val[c as usize]);
                }
                unit_z.clear();
            }
            // PSU done
            eval_targets(&psu_z, &mut tval);
            for &t in &tval.touched {
                stratum_ss.push(t, tval.val[t as usize]);
            }
            tval.clear();
            psu_z.clear();
            for &dm in &psu_univ.touched {
                let dm = dm as usize;
                psus[dm] += 1;
                if last_stratum[dm] != h {
                    last_stratum[dm] = h;
                    strata[dm] += 1;
                }
            }
            psu_univ.clear();
            if let Some(st2) = &s.stage2 {
                let pp = p as usize;
                let n2 = st2.n_units[pp] as f64;
                let f2 = st2.f[pp];
                let frac1 = st2.frac1[pp];
                psu_ss.finish(n2, |t, mean, ss| {
                    if f2 < 1e-7 {
                        return;
                    }
                    if n2 > 1.0 {
                        var[t] += frac1 * f2 * n2 / (n2 - 1.0) * ss;
                    } else {
                        match s.lonely {
                            LonelyPsu::Adjust => var[t] += frac1 * f2 * mean * mean,
                            LonelyPsu::Average => nan[t] = true,
                            _ => {}
                        }
                    }
                });
            }
        }
        // stratum done
        let hh = h as usize;
        let nh = s.stratum_npsu[hh] as f64;
        let f = s.stratum_f[hh];
        let mut done = |t: usize, mean: f64, ss: f64| {
            nstrat[t] += 1;
            if f < 1e-7 {
                nok[t] += 1;
                return;
            }
            if nh > 1.0 {
                var[t] += f * nh / (nh - 1.0) * ss;
                nok[t] += 1;
            } else {
                match s.lonely {
                    LonelyPsu::Adjust => {
                        var[t] += f * mean * mean;
                        nok[t] += 1;
                    }
                    LonelyPsu::Average => {}
                    _ => nok[t] += 1,
                }
            }
        };
        stratum_ss.finish(nh, &mut done);
        plain_ss.finish(nh, |t, count, mean, ss| {
            psus[t] += count;
            strata[t] += 1;
            done(t, mean, ss);
        });
    }
    Acc {
        var,
        nan,
        nstrat,
        nok,
        psus,
        strata,
    }
}

/// Pieces of the variance pass from [`PARALLEL_MIN`] entries on: the threads take them
/// as they become free, so a slow or late thread does not hold the others up.
const PIECES: usize = 16;

/// The variance pass over the pieces between consecutive `bounds` (entries, at stratum
/// boundaries), split in halves run in parallel and added up in piece order.
fn run_pieces(bounds: &[usize], pass: &(impl Fn(usize, usize) -> Acc + Sync)) -> Acc {
    if bounds.len() <= 2 {
        return pass(bounds[0], bounds[bounds.len() - 1]);
    }
    let mid = bounds.len() / 2;
    let (a, b) = super::parallel::join(
        || run_pieces(&bounds[..=mid], pass),
        || run_pieces(&bounds[mid..], pass),
    );
    a.add(b)
}

/// Entries below which the variance pass runs on one thread.
pub(crate) const PARALLEL_MIN: usize = 20_000;

/// What the variance pass computes, over which design and domains.
pub(crate) struct VarianceSpec<'a> {
    /// The sampling structure.
    pub structure: &'a Structure,
    /// The domain cells and groupings.
    pub cells: &'a Cells,
    /// Per grouping: the index of its first domain (and the number of domains last).
    pub dom_offset: &'a [u32],
    /// Measures per domain.
    pub n_measures: usize,
    /// The linearised scores.
    pub channels: &'a [Channel],
    /// The variances wanted: (domain, measure) targets first, then combinations.
    pub targets: &'a [Target],
    /// Per (domain, measure) target: the lonely-PSU `average` factor, when that rule
    /// applies ([`super::lonely::average_factors`]).
    pub average: Option<&'a [f64]>,
    /// A calibrated design's correction of the scores.
    pub correction: Option<Correction<'a>>,
}

/// Compute the variances of the spec's targets from the partial sums (in [`PIECES`] pieces
/// on every thread from `parallel_min` entries on).
pub(crate) fn variances(
    spec: &VarianceSpec<'_>,
    ps: &impl Entries,
    parallel_min: usize,
) -> Variances {
    let VarianceSpec {
        structure: s,
        cells,
        dom_offset,
        n_measures,
        channels,
        targets,
        average,
        correction,
    } = *spec;
    let n_cells = cells.n_cells;
    let n_dm = *dom_offset.last().unwrap_or(&0) as usize * n_measures;
    // channels of each (dom, measure)
    let mut ch_start = vec![0u32; n_dm + 1];
    for c in channels {
        ch_start[(c.dom as usize) * n_measures + c.measure as usize + 1] += 1;
    }
    for i in 0..n_dm {
        ch_start[i + 1] += ch_start[i];
    }
    let mut ch_list = vec![0u32; channels.len()];
    let mut fill = ch_start.clone();
    for (ci, c) in channels.iter().enumerate() {
        let dm = c.dom as usize * n_measures + c.measure as usize;
        ch_list[fill[dm] as usize] = ci as u32;
        fill[dm] += 1;
    }
    // targets of each channel
    let mut tg_start = vec![0u32; channels.len() + 1];
    for t in targets {
        for &(c, _) in &t.terms {
            tg_start[c as usize + 1] += 1;
        }
    }
    for i in 0..channels.len() {
        tg_start[i + 1] += tg_start[i];
    }
    let mut tg_list = vec![0u32; tg_start[channels.len()] as usize];
    let mut tg_coef = vec![0.0; tg_list.len()];
    let mut fill = tg_start.clone();
    for (ti, t) in targets.iter().enumerate() {
        for &(c, coef) in &t.terms {
            tg_list[fill[c as usize] as usize] = ti as u32;
            tg_coef[fill[c as usize] as usize] = coef;
            fill[c as usize] += 1;
        }
    }

    // Targets that are one score as it is.
    let tg_simple: Vec<bool> = targets
        .iter()
        .map(|t| t.terms.len() == 1 && t.terms[0].1 == 1.0)
        .collect();
    let single = s.stage2.is_none();
    // (domain, measure) pairs whose only score is channel `dm` and whose score's only
    // target is target `dm` itself (every pair of a plain estimate): their coefficients.
    let plain: Vec<bool> = (0..n_dm)
        .map(|dm| {
            let chs = &ch_list[ch_start[dm] as usize..ch_start[dm + 1] as usize];
            correction.is_none()
                && chs == [dm as u32]
                && tg_list[tg_start[dm] as usize..tg_start[dm + 1] as usize] == [dm as u32]
                && tg_simple[dm]
        })
        .collect();
    // Domains whose every measure is plain, in a single-stage design.
    let n_doms = *dom_offset.last().unwrap_or(&0) as usize;
    let dom_plain: Vec<bool> = (0..n_doms)
        .map(|d| {
            single
                && plain[d * n_measures..(d + 1) * n_measures]
                    .iter()
                    .all(|p| *p)
        })
        .collect();
    let coef: Vec<[f64; 3]> = (0..n_dm)
        .map(|dm| match channels.get(dm) {
            Some(ch) => [ch.aw, ch.ay, ch.ax],
            None => [0.0; 3],
        })
        .collect();
    let per_domain = n_measures.div_ceil(LANES);
    let mut coef4 = vec![[[0.0; LANES]; 3]; n_doms * per_domain];
    for (dm, c) in coef.iter().enumerate() {
        let (d, m) = (dm / n_measures, dm % n_measures);
        for (s, &v) in c.iter().enumerate() {
            coef4[d * per_domain + m / LANES][s][m % LANES] = v;
        }
    }
    // Reciprocals of the counts of values in a group, for the running means.
    let most = s
        .stratum_npsu
        .iter()
        .copied()
        .chain(s.stage2.iter().flat_map(|st| st.n_units.iter().copied()))
        .max()
        .unwrap_or(0) as usize;
    let inv: Vec<f64> = (0..=most + 1).map(|k| 1.0 / k as f64).collect();
    let slots = ps.slots();
    // Per cell, the global domain of each grouping where its group values are present.
    // Groupings added up from the cells, the others from a finer grouping's domains.
    let from = from_finer(&cells.groupings, n_cells);
    let mut cell_dom_start = Vec::with_capacity(n_cells + 1);
    let mut cell_doms = Vec::new();
    for cell in 0..n_cells {
        cell_dom_start.push(cell_doms.len() as u32);
        for (g, grouping) in cells.groupings.iter().enumerate() {
            match grouping.cell_domain.get(cell) {
                Some(&d) if d != NONE && from[g].is_none() => cell_doms.push(dom_offset[g] + d),
                _ => {}
            }
        }
    }
    cell_dom_start.push(cell_doms.len() as u32);
    // Per domain of a finer grouping, the coarser domains it adds to.
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); n_doms];
    for (g, grouping) in cells.groupings.iter().enumerate() {
        let Some(p) = from[g] else { continue };
        let finer = &cells.groupings[p];
        let mut done = vec![false; finer.domains.len()];
        for cell in 0..n_cells {
            let (pd, gd) = (finer.cell_domain[cell], grouping.cell_domain[cell]);
            if pd != NONE && gd != NONE && !done[pd as usize] {
                done[pd as usize] = true;
                children[(dom_offset[p] + pd) as usize].push(dom_offset[g] + gd);
            }
        }
    }
    let mut dom_child_start = Vec::with_capacity(n_doms + 1);
    let mut dom_children = Vec::new();
    for c in &children {
        dom_child_start.push(dom_children.len() as u32);
        dom_children.extend_from_slice(c);
    }
    dom_child_start.push(dom_children.len() as u32);
    let input = PassInput {
        s,
        ps,
        n_measures,
        targets,
        channels,
        single,
        inv: &inv,
        n_cells,
        tg_start: &tg_start,
        tg_list: &tg_list,
        tg_coef: &tg_coef,
        tg_simple: &tg_simple,
        cell_dom_start: &cell_dom_start,
        dom_child_start: &dom_child_start,
        dom_children: &dom_children,
        cell_doms: &cell_doms,
        dom_plain: &dom_plain,
        coef: &coef,
        coef4: &coef4,
        slots,
        ch_start: &ch_start,
        ch_list: &ch_list,
        plain: &plain,
        correction,
    };
    let pass = |lo: usize, hi: usize| run_pass(&input, lo, hi);
    // Pieces of whole strata (strata are independent), as many whatever the threads so
    // that the sums are added in the same order on any machine.
    let len = ps.len();
    let stratum_of = |i: usize| s.psu_stratum[s.unit_psu[ps.unit(i)] as usize];
    let pieces = if len < parallel_min { 1 } else { PIECES };
    let mut bounds = vec![0];
    for k in 1..pieces {
        let mut at = (len * k / pieces).max(bounds[bounds.len() - 1]);
        while at > 0 && at < len && stratum_of(at) == stratum_of(at - 1) {
            at += 1;
        }
        if at >= len {
            break;
        }
        if at > bounds[bounds.len() - 1] {
            bounds.push(at);
        }
    }
    bounds.push(len);
    let Acc {
        mut var,
        nan,
        nstrat,
        nok,
        psus,
        strata,
    } = run_pieces(&bounds, &pass);
    for t in 0..targets.len() {
        if nan[t] {
            var[t] = f64::NAN;
        } else if let Some(factor) = average.and_then(|f| f.get(t)) {
            // (domain, measure) targets under `average`: the strata of the domain's valid
            // rows (see `lonely::average_factors`).
            var[t] *= factor;
        } else if s.lonely == LonelyPsu::Average && nok[t] < nstrat[t] {
            var[t] = if nok[t] == 0 {
                f64::NAN
            } else {
                var[t] * nstrat[t] as f64 / nok[t] as f64
            };
        }
    }
    Variances { var, psus, strata }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::super::prepared::{Prepared, RowEntries};
    use super::super::request::Request;
    use super::*;
    use crate::design::Design;

    /// Shifted sums give the centred sum of squares (zeros of the units without a value
    /// merged in) to full precision when the values sit far from zero with a tiny spread,
    /// where raw sums of squares would lose every digit; absent values change nothing.
    #[test]
    fn shifted_sums_keep_precision_far_from_zero() {
        let values: Vec<f64> = (0..50).map(|k| 1e9 + f64::from(k % 7) * 1e-3).collect();
        let n_units = 60.0;
        let mut ss = ShiftedSS::new(1, 2);
        // absent values before the first one (even NaN) do not set the shift
        ss.push(1, f64::NAN, false);
        ss.push(1, -3e8, false);
        for (k, &v) in values.iter().enumerate() {
            ss.push(1, v, true);
            // absent values (garbage in `z`) are ignored
            ss.push(1, f64::from(k as u32) * 1e6, false);
            ss.push(0, 0.0, false);
        }
        let mut seen = Vec::new();
        ss.finish(n_units, |t, count, mean, sum_sq| {
            seen.push((t, count, mean, sum_sq))
        });
        // Reference: the offsets from 1e9 are exact in f64 (Sterbenz), and small, so a
        // two-pass sum over them is accurate; then 10 zeros merged with the 50 values.
        let k = values.len() as f64;
        let offs: Vec<f64> = values.iter().map(|v| v - 1e9).collect();
        let d = offs.iter().sum::<f64>() / k;
        let within = offs.iter().map(|o| (o - d) * (o - d)).sum::<f64>();
        let mean_k = 1e9 + d;
        let expect = within + mean_k * mean_k * k * (n_units - k) / n_units;
        assert_eq!(seen.len(), 1);
        let (t, count, mean, sum_sq) = seen[0];
        assert_eq!((t, count), (1, 50));
        assert!((mean - mean_k * k / n_units).abs() <= 1e-15 * mean.abs());
        assert!(
            (sum_sq - expect).abs() <= 1e-12 * expect,
            "{sum_sq} vs {expect}"
        );
        // The within-group part alone (no zeros), 2e-4 about a mean of 1e9: raw sums of
        // squares would leave nothing of it.
        let mut alone = ShiftedSS::new(1, 1);
        values.iter().for_each(|&v| alone.push(0, v, true));
        let mut got = f64::NAN;
        alone.finish(k, |_, _, _, sum_sq| got = sum_sq);
        assert!((got - within).abs() <= 1e-12 * within, "{got} vs {within}");
    }

    /// Each grouping is added up from the finer grouping with fewest domains that serves
    /// it, never from one that leaves out rows it keeps (missing values of `a`), never from
    /// itself; groupings with as many domains as cells come from the cells.
    #[test]
    fn marginals_are_added_up_from_crossed_domains() {
        let df = df!(
            "b" => [0, 1, 0, 1, 0, 1],
            "s" => [1, 1, 2, 2, 1, 2],
            "a" => [Some(1), Some(2), None, Some(3), Some(1), Some(2)],
        )
        .unwrap();
        let by: Vec<Vec<String>> = [&[][..], &["b"], &["s"], &["a"], &["b", "s"], &["b", "a"]]
            .iter()
            .map(|cols| cols.iter().map(|c| c.to_string()).collect())
            .collect();
        let c = super::super::cells::cells(&df, &by).unwrap();
        assert_eq!(c.n_cells, 5);
        let from = from_finer(&c.groupings, c.n_cells);
        // overall from b (first of the two-domain groupings covering every row); b and s
        // from b × s; a from the cells (b × s mixes its values, b × a comes later with as
        // many domains), and b × a from a; b × s from the cells (fewer domains than cells
        // is not enough for the others to serve it)
        assert_eq!(from, vec![Some(1), Some(4), Some(4), None, None, Some(3)]);
    }

    /// A domain's scores pushed four measures at a time ([`ShiftedSS::push_all`], the
    /// padding lanes included) give the sums of pushing each measure on its own, to the
    /// last bit, with two and three sums per measure.
    #[test]
    fn blocks_of_four_equal_one_target_at_a_time() {
        fn check<const K: usize>() {
            let (n_doms, m): (usize, usize) = (3, 6);
            let per_domain = m.div_ceil(LANES);
            let mut state = 7u64;
            let mut next = move || {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64 * 200.0 - 100.0
            };
            let coef: Vec<[f64; 3]> = (0..n_doms * m).map(|_| [next(), next(), next()]).collect();
            let mut coef4 = vec![[[0.0; LANES]; 3]; n_doms * per_domain];
            for (dm, c) in coef.iter().enumerate() {
                let (d, mi) = (dm / m, dm % m);
                for (s, &v) in c.iter().enumerate() {
                    coef4[d * per_domain + mi / LANES][s][mi % LANES] = v;
                }
            }
            let (mut blocks, mut one) = (ShiftedSS::new(n_doms, m), ShiftedSS::new(n_doms, m));
            for unit in 0..40u64 {
                for d in 0..n_doms {
                    // padded sums: zeros past the last measure
                    let mut sums = vec![0.0; per_domain * LANES * K];
                    for v in &mut sums[..m * K] {
                        *v = next();
                    }
                    // units without a value for some measures (and for a whole domain)
                    let univ =
                        [((unit * 37 + d as u64 * 11) % 64) & if unit % 5 == 0 { 0 } else { 63 }];
                    blocks.push_all::<K>(d, &sums, &coef4[d * per_domain..], &univ);
                    for mi in 0..m {
                        let (c, sl) = (coef[d * m + mi], &sums[mi * K..(mi + 1) * K]);
                        let mut z = c[0] * sl[S_W] + c[1] * sl[S_WY];
                        if K > S_WX {
                            z += c[2] * sl[K - 1];
                        }
                        one.push(d * m + mi, z, has_bit(&univ, mi));
                    }
                }
            }
            let collect = |ss: &mut ShiftedSS| {
                let mut out = Vec::new();
                ss.finish(40.0, |t, count, mean, sum_sq| {
                    out.push((t, count, mean.to_bits(), sum_sq.to_bits()))
                });
                out
            };
            let expect = collect(&mut one);
            assert!(expect.len() > n_doms * m / 2, "most targets have values");
            assert_eq!(collect(&mut blocks), expect);
        }
        check::<2>();
        check::<3>();
    }

    /// Two threads equal one, and the rows read in unit order equal the partial-sums table.
    #[test]
    fn two_threads_equal_one() {
        let n = 3000usize;
        let stratum: Vec<i32> = (0..n).map(|i| (i % 7) as i32).collect();
        let psu: Vec<i32> = (0..n).map(|i| (i % 7 + 7 * (i / 70)) as i32).collect();
        let w: Vec<f64> = (0..n).map(|i| 1.0 + (i * 37 % 11) as f64).collect();
        let y: Vec<f64> = (0..n).map(|i| ((i * 7919) % 101) as f64).collect();
        let g: Vec<i32> = (0..n).map(|i| (i * 13 % 3) as i32).collect();
        let df = df!("s" => stratum, "p" => psu, "w" => w, "y" => y, "g" => g).unwrap();
        let design = Design::builder("w").strata("s").psu("p").build().unwrap();
        let req = Request::new().mean("y").total("y").overall().by(["g"]);
        let prep = Prepared::new(&df, &design, &req.measures, &req.groupings()).unwrap();
        let ps = prep.accumulate(0..n);
        let m = prep.measures.len();
        let n_dm = *prep.dom_offset.last().unwrap() as usize * m;
        let channels: Vec<Channel> = (0..n_dm)
            .map(|dm| Channel {
                dom: (dm / m) as u32,
                measure: (dm % m) as u32,
                aw: 0.5,
                ay: 1.0,
                ax: 0.0,
            })
            .collect();
        let targets: Vec<Target> = (0..n_dm)
            .map(|dm| Target {
                terms: vec![(dm as u32, 1.0)],
            })
            .collect();
        let s = prep.structure.as_ref().unwrap();
        let v = |e: &dyn Fn(usize) -> Variances, min: usize| e(min);
        let spec = VarianceSpec {
            correction: None,
            structure: s,
            cells: &prep.cells,
            dom_offset: &prep.dom_offset,
            n_measures: m,
            channels: &channels,
            targets: &targets,
            average: None,
        };
        let table = |min| variances(&spec, &ps, min);
        let rows = RowEntries::new(&prep, s);
        let streamed = |min| variances(&spec, &rows, min);
        let one = v(&table, usize::MAX);
        assert!(ps.keys.len() > 100);
        for other in [v(&table, 1), v(&streamed, usize::MAX), v(&streamed, 1)] {
            for (a, b) in one.var.iter().zip(&other.var) {
                assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}");
            }
            assert_eq!(one.psus, other.psus);
            assert_eq!(one.strata, other.strata);
        }
    }
}
