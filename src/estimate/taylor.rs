//! Taylor-linearisation variance from per-(unit, cell) partial sums, as R's `svyrecvar`
//! computes it: a sum over strata of the scaled, centred sum of squares of PSU totals of
//! the linearised scores (zero for PSUs outside the domain), with the finite population
//! correction, the lonely-PSU policy, and a second stage when its fpc is given.

use super::partial::{N_UNIV, N_VALID, PartialSums, SLOTS, SW, SWX, SWY};
use super::prepare::{Cells, NONE, Structure};
use crate::design::LonelyPsu;

/// Where the variance pass reads its (unit, cell) entries from: a partial-sums table, or
/// the rows themselves in unit order (no table in memory).
pub(crate) trait Entries: Sync {
    /// Number of entries.
    fn len(&self) -> usize;
    /// `unit * n_cells + cell` of entry `i`; entries are grouped by unit, units in order.
    fn key(&self, i: usize) -> u64;
    /// The [`SLOTS`] values of every measure of entry `i`.
    fn fill(&self, i: usize, buf: &mut [f64]);
}

impl Entries for PartialSums {
    fn len(&self) -> usize {
        self.keys.len()
    }
    fn key(&self, i: usize) -> u64 {
        self.keys[i]
    }
    fn fill(&self, i: usize, buf: &mut [f64]) {
        let w = buf.len();
        buf.copy_from_slice(&self.values[i * w..(i + 1) * w]);
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
struct GroupSS {
    sum: Vec<f64>,
    count: Vec<u32>,
    ss: Vec<f64>,
    values: Vec<(u32, f64)>,
    touched: Vec<u32>,
}

impl GroupSS {
    fn new(n_targets: usize) -> Self {
        GroupSS {
            sum: vec![0.0; n_targets],
            count: vec![0; n_targets],
            ss: vec![0.0; n_targets],
            values: Vec::new(),
            touched: Vec::new(),
        }
    }
    fn push(&mut self, t: u32, v: f64) {
        let tu = t as usize;
        if self.count[tu] == 0 {
            self.touched.push(t);
        }
        self.count[tu] += 1;
        self.sum[tu] += v;
        self.values.push((t, v));
    }
    /// Call `f(target, mean, ss)` for every target pushed, where `ss` is the sum of
    /// squares about the mean over `n` units (the units not pushed count as zeros).
    fn finish(&mut self, n: f64, mut f: impl FnMut(usize, f64, f64)) {
        for &(t, v) in &self.values {
            let t = t as usize;
            let d = v - self.sum[t] / n;
            self.ss[t] += d * d;
        }
        for &t in &self.touched {
            let t = t as usize;
            let k = self.count[t] as f64;
            let mean = self.sum[t] / n;
            f(t, mean, self.ss[t] + (n - k) * mean * mean);
            self.sum[t] = 0.0;
            self.count[t] = 0;
            self.ss[t] = 0.0;
        }
        self.touched.clear();
        self.values.clear();
    }
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

/// Entries below which the variance pass runs on one thread.
pub(crate) const PARALLEL_MIN: usize = 20_000;

/// Compute the variances of `targets` from the partial sums (two threads from
/// `parallel_min` entries on).
#[allow(clippy::too_many_arguments)]
pub(crate) fn variances(
    s: &Structure,
    cells: &Cells,
    dom_offset: &[u32],
    n_measures: usize,
    ps: &impl Entries,
    n_cells: usize,
    channels: &[Channel],
    targets: &[Target],
    parallel_min: usize,
) -> Variances {
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
    let mut fill = tg_start.clone();
    for (ti, t) in targets.iter().enumerate() {
        for &(c, _) in &t.terms {
            tg_list[fill[c as usize] as usize] = ti as u32;
            fill[c as usize] += 1;
        }
    }

    let width = n_measures * SLOTS;
    // Per cell, the global domain of each grouping (NONE when a group value is missing).
    let n_groupings = cells.groupings.len();
    let mut cell_doms = vec![NONE; n_cells * n_groupings];
    for (g, grouping) in cells.groupings.iter().enumerate() {
        for (cell, &d) in grouping.cell_domain.iter().enumerate() {
            if d != NONE {
                cell_doms[cell * n_groupings + g] = dom_offset[g] + d;
            }
        }
    }
    let n_cells = n_cells as u64;
    let pass = |lo: usize, hi: usize| -> Acc {
        let mut var = vec![0.0; targets.len()];
        let mut nan = vec![false; targets.len()];
        let mut nstrat = vec![0u32; targets.len()];
        let mut nok = vec![0u32; targets.len()];
        let mut psus = vec![0u32; n_dm];
        let mut strata = vec![0u32; n_dm];
        let mut last_stratum = vec![NONE; n_dm];

        let mut unit_z = Scratch::new(channels.len());
        let mut psu_z = Scratch::new(channels.len());
        let mut univ = Scratch::new(n_dm);
        let mut tval = Scratch::new(targets.len());
        let mut stratum_ss = GroupSS::new(targets.len());
        let mut psu_ss = GroupSS::new(targets.len());

        let eval_targets = |z: &Scratch, tval: &mut Scratch| {
            for &c in &z.touched {
                let c = c as usize;
                for &t in &tg_list[tg_start[c] as usize..tg_start[c + 1] as usize] {
                    let t = t as usize;
                    let coef = targets[t]
                        .terms
                        .iter()
                        .find(|(cc, _)| *cc as usize == c)
                        .map_or(0.0, |x| x.1);
                    tval.add(t, coef * z.val[c]);
                }
            }
        };

        let mut v = vec![0.0; width];
        let mut cell_acc = vec![0.0; n_cells as usize * width];
        let mut cell_seen = vec![false; n_cells as usize];
        let mut cells_touched: Vec<u32> = Vec::new();
        let mut i = lo;
        while i < hi {
            let h = s.psu_stratum[s.unit_psu[(ps.key(i) / n_cells) as usize] as usize];
            // one stratum
            while i < hi {
                let p = s.unit_psu[(ps.key(i) / n_cells) as usize];
                if s.psu_stratum[p as usize] != h {
                    break;
                }
                // one PSU
                while i < hi {
                    let u = (ps.key(i) / n_cells) as usize;
                    if s.unit_psu[u] != p {
                        break;
                    }
                    // one unit: first add up its entries per cell (rows of a PSU share
                    // few cells), then spread each cell over its domains once.
                    while i < hi && (ps.key(i) / n_cells) as usize == u {
                        let cell = (ps.key(i) % n_cells) as usize;
                        ps.fill(i, &mut v);
                        if !cell_seen[cell] {
                            cell_seen[cell] = true;
                            cells_touched.push(cell as u32);
                            cell_acc[cell * width..(cell + 1) * width].copy_from_slice(&v);
                        } else {
                            for (a, b) in cell_acc[cell * width..(cell + 1) * width]
                                .iter_mut()
                                .zip(&v)
                            {
                                *a += b;
                            }
                        }
                        i += 1;
                    }
                    for &cell in &cells_touched {
                        let cell = cell as usize;
                        cell_seen[cell] = false;
                        let acc = &cell_acc[cell * width..(cell + 1) * width];
                        let doms = &cell_doms[cell * n_groupings..(cell + 1) * n_groupings];
                        for m in 0..n_measures {
                            let sl = &acc[m * SLOTS..(m + 1) * SLOTS];
                            if sl[N_UNIV] == 0.0 {
                                continue;
                            }
                            let valid = sl[N_VALID] != 0.0;
                            for &dom in doms {
                                if dom == NONE {
                                    continue;
                                }
                                let dm = dom as usize * n_measures + m;
                                univ.add(dm, 1.0);
                                if !valid {
                                    continue;
                                }
                                for &c in &ch_list[ch_start[dm] as usize..ch_start[dm + 1] as usize]
                                {
                                    let ch = &channels[c as usize];
                                    let z = ch.aw * sl[SW] + ch.ay * sl[SWY] + ch.ax * sl[SWX];
                                    unit_z.add(c as usize, z);
                                }
                            }
                        }
                    }
                    cells_touched.clear();
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
                for &dm in &univ.touched {
                    let dm = dm as usize;
                    psus[dm] += 1;
                    if last_stratum[dm] != h {
                        last_stratum[dm] = h;
                        strata[dm] += 1;
                    }
                }
                univ.clear();
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
            stratum_ss.finish(nh, |t, mean, ss| {
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
    };
    // Two threads, split at a stratum boundary: strata are independent.
    let len = ps.len();
    let stratum_of = |i: usize| s.psu_stratum[s.unit_psu[(ps.key(i) / n_cells) as usize] as usize];
    let mut mid = len / 2;
    while mid > 0 && mid < len && stratum_of(mid) == stratum_of(mid - 1) {
        mid += 1;
    }
    let Acc {
        mut var,
        nan,
        nstrat,
        nok,
        psus,
        strata,
    } = if len < parallel_min || mid >= len {
        pass(0, len)
    } else {
        let (a, b) = std::thread::scope(|sc| {
            let ha = sc.spawn(|| pass(0, mid));
            let b = pass(mid, len);
            (ha.join(), b)
        });
        match a {
            Ok(a) => a.add(b),
            Err(_) => pass(0, len),
        }
    };
    for t in 0..targets.len() {
        if nan[t] {
            var[t] = f64::NAN;
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

    use super::super::engine::{Prepared, RowEntries};
    use super::super::request::Request;
    use super::*;
    use crate::design::Design;

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
        let c = prep.cells.n_cells;
        let v = |e: &dyn Fn(usize) -> Variances, min: usize| e(min);
        let table = |min| {
            variances(
                s,
                &prep.cells,
                &prep.dom_offset,
                m,
                &ps,
                c,
                &channels,
                &targets,
                min,
            )
        };
        let rows = RowEntries::new(&prep, s);
        let streamed = |min| {
            variances(
                s,
                &prep.cells,
                &prep.dom_offset,
                m,
                &rows,
                c,
                &channels,
                &targets,
                min,
            )
        };
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
