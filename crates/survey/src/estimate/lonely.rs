//! The lonely-PSU `average` rule in domains, as R's `survey` applies it.
//!
//! Under `lonely_psu = "average"`, R's `svyrecvar` (its function `onestage`) adds up the
//! variance contributions of the strata that are not lonely and multiplies the sum by
//! (strata counted) / (strata counted that are not lonely). For a domain, the strata counted
//! are those where the domain has at least one row with a valid analysis value: `svyby` and
//! `na.rm = TRUE` drop the other rows before the variance, while each stratum keeps its
//! number of PSUs in the whole design. A stratum is lonely when it has one PSU in the whole
//! design and is not self-representing (a sampling fraction of 1 contributes zero and is
//! counted among the strata that are not lonely). R's option `survey.adjust.domain.lonely`
//! (off by default) is not followed.

use super::encode::NONE;
use super::prepare::Structure;
use super::prepared::Prepared;
use crate::design::LonelyPsu;

/// Below this finite population correction factor a stratum is self-representing (R's
/// `onestrat` uses the same threshold).
const SELF_REPRESENTING: f64 = 1e-7;

/// Per (domain, measure), in the order of the engine's targets: the factor by which the
/// `average` rule scales the sum of the strata's contributions. `None` when the rule does
/// not apply (another policy, or no lonely stratum). A factor is NaN when every stratum the
/// domain's valid rows touch is lonely, and 1 when they touch none.
pub(crate) fn average_factors(p: &Prepared, s: &Structure) -> Option<Vec<f64>> {
    if s.lonely != LonelyPsu::Average {
        return None;
    }
    let lonely: Vec<bool> = s
        .stratum_npsu
        .iter()
        .zip(&s.stratum_f)
        .map(|(&n, &f)| n == 1 && f >= SELF_REPRESENTING)
        .collect();
    if !lonely.contains(&true) {
        return None;
    }
    let n_strata = lonely.len();
    let words = n_strata.div_ceil(64);
    let m = p.measures.len();
    let n_cells = p.cells.n_cells;
    // Strata where a (cell, measure) has a valid row, as bits.
    let mut cell_strata = vec![0u64; n_cells * m * words];
    for i in 0..p.n {
        let h = s.psu_stratum[s.unit_psu[s.unit[i] as usize] as usize] as usize;
        let cell = p.cells.cell[i] as usize;
        for (mi, measure) in p.measures.iter().enumerate() {
            if measure.valid(i) {
                cell_strata[(cell * m + mi) * words + h / 64] |= 1u64 << (h % 64);
            }
        }
    }
    let mut lonely_bits = vec![0u64; words];
    for (h, _) in lonely.iter().enumerate().filter(|(_, l)| **l) {
        lonely_bits[h / 64] |= 1u64 << (h % 64);
    }
    // The cells' strata rolled up into each domain of each grouping.
    let mut dom_strata = vec![0u64; p.n_domains() * m * words];
    for (g, grouping) in p.cells.groupings.iter().enumerate() {
        for (cell, &d) in grouping.cell_domain.iter().enumerate() {
            if d == NONE {
                continue;
            }
            let dom = p.dom_offset[g] as usize + d as usize;
            for mi in 0..m {
                let from = &cell_strata[(cell * m + mi) * words..(cell * m + mi + 1) * words];
                let to = &mut dom_strata[(dom * m + mi) * words..(dom * m + mi + 1) * words];
                for (a, b) in to.iter_mut().zip(from) {
                    *a |= b;
                }
            }
        }
    }
    let factors = dom_strata
        .chunks_exact(words)
        .map(|bits| {
            let counted: u32 = bits.iter().map(|w| w.count_ones()).sum();
            let lonely_counted: u32 = bits
                .iter()
                .zip(&lonely_bits)
                .map(|(w, l)| (w & l).count_ones())
                .sum();
            match counted - lonely_counted {
                _ if counted == 0 => 1.0,
                0 => f64::NAN,
                ok => f64::from(counted) / f64::from(ok),
            }
        })
        .collect();
    Some(factors)
}
