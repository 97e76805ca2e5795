//! **SYNTHETIC** Tunisia-HIMS-style household migration survey.

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::workload::draw_age;
use super::{
    Round, SynthError, allocate, bern, col_f64, col_f64_opt, col_i32, col_i32_opt, col_i64,
    col_str, col_str_opt, col_year, draw_calibrated, frame, normal, pick,
};

/// Default sample size of [`tunisia`]: 22,320 households = 1,860 PSUs of 12 households. The
/// 1,860 PSUs are the 1,860 census districts of the HIMS listing sample (INS, Tunisia-HIMS
/// 2020–2021, as reported at
/// <https://news.gnet.tn/L%27INS+annonce+le+lancement+d%27une+enqu%C3%AAte+nationale+sur+la+migration+internationale+en+Tunisie>);
/// the 12 interviewed households per district are an *assumption* (the final sample size,
/// given in the methodology annex of the HIMS report, was not checked: *UNVERIFIED*).
pub const TUNISIA_DEFAULT_HOUSEHOLDS: usize = 22_320;

/// Households interviewed per PSU (district).
const HOUSEHOLDS_PER_PSU: usize = 12;

/// A governorate and its fixed characteristics.
struct Gov {
    name: &'static str,
    /// Region 1..=7 (the usual grouping of the 24 governorates into 7 regions, as listed at
    /// <https://tunibusiness.com.tn/demographie-la-tunisie-atteint-1185-millions-dhabitants-en-2023-grand-tunis-en-tete/amp>):
    /// 1 Grand Tunis, 2 North-East, 3 North-West, 4 Centre-East, 5 Centre-West, 6 South-East,
    /// 7 South-West.
    region: i32,
    /// Approximate 2014 census population, thousands (*UNVERIFIED*, unsourced; rescaled to
    /// the national totals cited in [`tunisia_round`]).
    pop_k: f64,
    /// Urban share (*assumption*).
    urban: f64,
    /// Relative concentration of foreign residents (*assumption*: Grand Tunis, Sfax, Sousse,
    /// Médenine).
    frg: f64,
    /// Relative intensity of emigration and return (*assumption*, following Tunisia-HIMS:
    /// 75 % of emigrants come from the North-East, Grand Tunis and the Centre-East; INS and
    /// ONM, HIMS report 2021, as reported at
    /// <https://www.businessnews.com.tn/article,520,114602,3>).
    mig: f64,
}

const fn g(name: &'static str, region: i32, pop_k: f64, urban: f64, frg: f64, mig: f64) -> Gov {
    Gov {
        name,
        region,
        pop_k,
        urban,
        frg,
        mig,
    }
}

/// The 24 governorates (`governorate` = index + 1), grouped by region as listed at
/// <https://tunibusiness.com.tn/demographie-la-tunisie-atteint-1185-millions-dhabitants-en-2023-grand-tunis-en-tete/amp>.
const GOVS: [Gov; 24] = [
    g("Tunis", 1, 1056.0, 1.0, 3.0, 1.2),
    g("Ariana", 1, 577.0, 0.95, 2.5, 1.2),
    g("Ben Arous", 1, 632.0, 0.95, 2.0, 1.2),
    g("Manouba", 1, 379.0, 0.8, 1.0, 1.1),
    g("Bizerte", 2, 569.0, 0.65, 0.6, 1.4),
    g("Zaghouan", 2, 177.0, 0.45, 0.4, 1.1),
    g("Nabeul", 2, 788.0, 0.7, 1.2, 1.5),
    g("Béja", 3, 303.0, 0.45, 0.3, 0.6),
    g("Jendouba", 3, 401.0, 0.3, 0.4, 0.6),
    g("Le Kef", 3, 243.0, 0.5, 0.4, 0.6),
    g("Siliana", 3, 224.0, 0.4, 0.3, 0.6),
    g("Sousse", 4, 675.0, 0.85, 2.0, 1.4),
    g("Monastir", 4, 549.0, 0.9, 1.2, 1.4),
    g("Mahdia", 4, 410.0, 0.45, 0.5, 1.2),
    g("Sfax", 4, 955.0, 0.65, 2.5, 1.2),
    g("Kairouan", 5, 571.0, 0.35, 0.3, 0.6),
    g("Sidi Bouzid", 5, 430.0, 0.3, 0.3, 0.6),
    g("Kasserine", 5, 440.0, 0.4, 0.3, 0.6),
    g("Gabès", 6, 374.0, 0.75, 0.8, 1.1),
    g("Médenine", 6, 479.0, 0.8, 2.0, 1.6),
    g("Tataouine", 6, 150.0, 0.65, 0.5, 1.6),
    g("Gafsa", 7, 337.0, 0.75, 0.4, 0.7),
    g("Tozeur", 7, 107.0, 0.8, 0.5, 0.7),
    g("Kébili", 7, 157.0, 0.5, 0.4, 0.8),
];

/// Names of the 24 governorates, in the order of the `governorate` codes 1..=24.
pub fn tunisia_governorate_names() -> [&'static str; 24] {
    std::array::from_fn(|i| GOVS[i].name)
}

/// Age pyramid of Tunisia, five-year groups 0–4 … 80–84, 85+ (per cent; *assumption*,
/// shaped after the 2014 census).
const PYRAMID: [f64; 18] = [
    8.7, 8.3, 7.3, 6.9, 7.3, 8.2, 8.3, 7.5, 7.0, 6.6, 6.2, 5.5, 4.4, 3.1, 2.1, 1.6, 0.9, 0.6,
];

/// Nationalities of foreign residents, 2020: sub-Saharan Africa 21,466 of 58,990 = 36.4 %,
/// a third of them from Côte d'Ivoire, then DRC, Guinea, Mali; about 4 in 5 from the Maghreb
/// or sub-Saharan Africa (INS and ONM, Tunisia-HIMS 2020–2021, as reported at
/// <https://www.ilboursa.com/forums/221815_les-subsahariens-residant-en-tunisie-representent-0-2-de-lensemble-d>
/// and, citing ICMPD,
/// <https://africanmanager.com/les-sub-sahariens-en-tunisie-combien-seraient-ils-et-comment-pensent-ils-sen-tirer/>);
/// the split within groups is an *assumption*.
const FOREIGN_MIX_2020: [(&str, f64); 17] = [
    ("CIV", 0.121),
    ("COD", 0.05),
    ("GIN", 0.045),
    ("MLI", 0.04),
    ("CMR", 0.04),
    ("SEN", 0.03),
    ("NGA", 0.02),
    ("BFA", 0.018),
    ("DZA", 0.18),
    ("LBY", 0.16),
    ("MAR", 0.096),
    ("FRA", 0.07),
    ("ITA", 0.03),
    ("SYR", 0.03),
    ("DEU", 0.01),
    ("TUR", 0.01),
    ("OTH", 0.05),
];

/// Nationalities of foreign residents, 2015 (*assumption*: fewer sub-Saharans; Tunisia-HIMS
/// reports growth since 2014, as reported at
/// <https://www.leaders.com.tn/article/33088-le-fantasme-d-une-invasion-subsaharienne>).
const FOREIGN_MIX_2015: [(&str, f64); 17] = [
    ("CIV", 0.09),
    ("COD", 0.04),
    ("GIN", 0.035),
    ("MLI", 0.035),
    ("CMR", 0.03),
    ("SEN", 0.025),
    ("NGA", 0.015),
    ("BFA", 0.01),
    ("DZA", 0.2),
    ("LBY", 0.2),
    ("MAR", 0.1),
    ("FRA", 0.08),
    ("ITA", 0.035),
    ("SYR", 0.04),
    ("DEU", 0.01),
    ("TUR", 0.01),
    ("OTH", 0.045),
];

/// Sub-Saharan nationalities in the mixes.
const SUB_SAHARAN: [&str; 8] = ["CIV", "COD", "GIN", "MLI", "CMR", "SEN", "NGA", "BFA"];

/// Last country of residence abroad of return migrants (*assumption*; Tunisia-HIMS: 75 % of
/// current emigrants live in France, Italy and Germany, as reported at
/// <https://www.entreprises-magazine.com/ins-onm-1-700-000-tunisiens-ont-lintention-de-quitter-la-tunisie/>).
const DESTINATIONS: [(&str, f64); 8] = [
    ("FRA", 0.45),
    ("ITA", 0.22),
    ("DEU", 0.08),
    ("LBY", 0.11),
    ("SAU", 0.04),
    ("QAT", 0.03),
    ("CAN", 0.02),
    ("OTH", 0.05),
];

/// The currency in which first earnings are paid in a country of work (ISO 4217), and the
/// TND per unit used to convert them: ILLUSTRATIVE round rates for the synthetic data, not
/// official rates (a real survey converts at the Central Bank of Tunisia's rate of the month
/// of the first earnings).
pub const TUNISIA_EARNINGS_CURRENCIES: [(&str, &str, f64); 9] = [
    ("FRA", "EUR", 3.3),
    ("ITA", "EUR", 3.3),
    ("DEU", "EUR", 3.3),
    ("LBY", "LYD", 0.65),
    ("SAU", "SAR", 0.82),
    ("QAT", "QAR", 0.85),
    ("CAN", "CAD", 2.3),
    ("OTH", "USD", 3.1),
    ("TUN", "TND", 1.0),
];

fn earnings_currency(country: &str) -> (&'static str, f64) {
    TUNISIA_EARNINGS_CURRENCIES
        .iter()
        .find(|(c, _, _)| *c == country)
        .map_or(("USD", 3.1), |(_, cur, rate)| (*cur, *rate))
}

/// First monthly earnings abroad by destination, median in TND (*assumption*).
fn destination_earnings(code: &str) -> f64 {
    match code {
        "FRA" | "DEU" | "CAN" => 4500.0,
        "ITA" => 3800.0,
        "SAU" | "QAT" => 3000.0,
        "LBY" => 1300.0,
        _ => 3000.0,
    }
}

struct Params {
    total_pop: f64,
    foreign_share: f64,
    foreign_mix: &'static [(&'static str, f64)],
    returnees15: f64,
    reemigrate: f64,
    emigrants: f64,
    intend_young: f64,
    intend_all: f64,
    disability: f64,
    limitation: f64,
    insured: f64,
    attend: [f64; 6],
    illiterate: f64,
    activity: f64,
    men_share_lf: f64,
    unemp_men: f64,
    unemp_women: f64,
    informal: f64,
    earnings_median: f64,
    cost_months: f64,
    gap_foreign_school: f64,
    gap_foreign_insured: f64,
}

fn params(round: Round) -> Params {
    match round {
        Round::Y2020 => Params {
            total_pop: 11_708_370.0,
            foreign_share: 58_990.0 / 11_708_370.0,
            foreign_mix: &FOREIGN_MIX_2020,
            returnees15: 211_000.0,
            reemigrate: 0.172,
            emigrants: 566_000.0,
            intend_young: 0.40,
            intend_all: 0.20,
            disability: 0.024,
            limitation: 0.06,
            insured: 0.81,
            attend: [0.45, 0.98, 0.62, 0.30, 0.06, 0.005],
            illiterate: 0.165,
            activity: 0.473,
            men_share_lf: 0.694,
            unemp_men: 0.144,
            unemp_women: 0.249,
            informal: 0.44,
            earnings_median: 750.0,
            cost_months: 2.1,
            gap_foreign_school: -0.9,
            gap_foreign_insured: -1.5,
        },
        Round::Y2015 => Params {
            total_pop: 10_982_754.0,
            foreign_share: 53_000.0 / 10_982_754.0,
            foreign_mix: &FOREIGN_MIX_2015,
            returnees15: 190_000.0,
            reemigrate: 0.15,
            emigrants: 543_000.0,
            intend_young: 0.33,
            intend_all: 0.16,
            disability: 0.023,
            limitation: 0.055,
            insured: 0.78,
            attend: [0.40, 0.975, 0.60, 0.28, 0.05, 0.004],
            illiterate: 0.18,
            activity: 0.469,
            men_share_lf: 0.71,
            unemp_men: 0.124,
            unemp_women: 0.225,
            informal: 0.40,
            earnings_median: 600.0,
            cost_months: 2.6,
            gap_foreign_school: -1.2,
            gap_foreign_insured: -1.8,
        },
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum HhType {
    /// Ordinary Tunisian household (may have emigrants abroad).
    Ordinary,
    /// Tunisian household with at least one return migrant.
    Return,
    /// Household headed by a foreign resident.
    Foreign,
}

struct Hh {
    first: usize,
    len: usize,
    gov: usize,
    kind: HhType,
    w: f64,
    n_emigrants: i32,
}

#[derive(Clone, Default)]
struct Person {
    gov: usize,
    urban: bool,
    psu: i64,
    hh_id: i64,
    line: i32,
    rel: i32,
    female: bool,
    age: i32,
    psu_eff: f64,
    w: f64,
    nationality: &'static str,
    country_birth: &'static str,
    status: &'static str,
    months_abroad: Option<i32>,
    last_destination: Option<&'static str>,
    return_year: Option<i32>,
    involuntary: Option<i32>,
    reemigrate: Option<i32>,
    months_in_tunisia: Option<i32>,
    motive: Option<&'static str>,
    intends_emigrate: Option<i32>,
    wg: [Option<i32>; 6],
    insured: i32,
    school: Option<i32>,
    literate: Option<i32>,
    in_lf: Option<i32>,
    unemployed: Option<i32>,
    informal: Option<i32>,
    hours: Option<f64>,
    earnings: Option<f64>,
    cost: Option<f64>,
    first_earnings: Option<f64>,
    recruit_employee: Option<i32>,
    earnings_currency: Option<&'static str>,
    years_since_recruitment: Option<f64>,
    // Helpers.
    foreign: bool,
    sub_saharan: bool,
    returnee: bool,
    disabled: bool,
    employed: bool,
    worked_abroad: bool,
}

/// A **SYNTHETIC** Tunisia-HIMS-style survey, round 2020, of `households` households. Same
/// as [`tunisia_round`]`(households, Round::Y2020, seed)`.
///
/// # Errors
/// As [`tunisia_round`].
pub fn tunisia(households: usize, seed: u64) -> Result<DataFrame, SynthError> {
    tunisia_round(households, Round::Y2020, seed)
}

/// A **SYNTHETIC** household migration survey in the style of Tunisia-HIMS (INS/ONM,
/// 2020–21), one row per household member, deterministic from `seed` and `round`.
///
/// # Design
///
/// The 24 governorates are the strata (`governorate`); households are allocated to them in
/// proportion to the square root of their population, in PSUs (`psu`, census districts) of
/// 12 households. As in HIMS's two-phase design, migrant households found at the listing
/// are over-sampled: within a PSU about 6 % of the sampled households are headed by a
/// foreign resident and 14 % have a return migrant (more where migrants concentrate),
/// against well under 1 % and about 6 % in the population. Weights are the inverse of
/// these selection rates, raked so that they reproduce (i) each governorate's population,
/// (ii) the national number of foreign residents and (iii) the number of return migrants
/// aged 15+ (targets below). All members of a household share its weight.
///
/// # Columns
///
/// Missing values only where stated.
///
/// | column | dtype | meaning |
/// |---|---|---|
/// | `year` | i32 | round (2015 or 2020) |
/// | `governorate` | i32 | 1..=24 (stratum; names from [`tunisia_governorate_names`]) |
/// | `region` | i32 | 1..=7: Grand Tunis, North-East, North-West, Centre-East, Centre-West, South-East, South-West |
/// | `urban` | i32 | 1 communal (urban) area, 0 non-communal; constant within a PSU |
/// | `psu` | i64 | district, globally unique and nested in `governorate` (`governorate * 100_000 + j`) |
/// | `weight` | f64 | survey weight (> 0) |
/// | `hh_id` | i64 | household id (`psu * 100 + h`) |
/// | `line` | i32 | person number in the household (1 = head) |
/// | `relationship` | i32 | 1 head, 2 spouse, 3 child, 4 other |
/// | `sex` | i32 | 1 man, 2 woman |
/// | `age` | i32 | 0..=95 |
/// | `nationality` | str | ISO 3166 alpha-3; `"TUN"` for Tunisians; `"OTH"` = other |
/// | `country_birth` | str | ISO 3166 alpha-3 |
/// | `citizenship` | i32 | 1 Tunisian, 2 foreign national (the codes of `hri::derive`'s default citizenship map) |
/// | `migrant_status` | str | `"non_migrant"`, `"return_migrant"`, `"foreign_resident"` (HIMS definitions, below), `"born_abroad_tunisian"` (Tunisians born abroad who came to live in Tunisia, e.g. children of return migrants: neither return migrants nor foreign residents) |
/// | `years_abroad` | f64 | `months_abroad / 12`; **null unless return migrant** |
/// | `years_since_arrival` | f64 | years since the last return (`year - return_year`) or, for a foreign resident or a Tunisian born abroad, `months_in_tunisia / 12`; **null for non-migrants** |
/// | `months_abroad` | i32 | total months lived abroad (≥ 3); **null unless return migrant** |
/// | `last_destination` | str | last country of residence abroad; **null unless return migrant** |
/// | `return_year` | i32 | year of the last return; **null unless return migrant** |
/// | `involuntary_return` | i32 | 0/1 return was forced (expulsion, crisis); **null unless return migrant** |
/// | `intends_reemigrate` | i32 | 0/1; **null unless return migrant aged 15+** |
/// | `months_in_tunisia` | i32 | months since arrival (≥ 1); **null unless foreign resident or Tunisian born abroad** |
/// | `motive` | str | main reason for coming: `"economic"`, `"education"`, `"family"`, `"other"`; **null unless foreign resident aged 15+** |
/// | `intends_emigrate` | i32 | 0/1 intends to emigrate (potential migrant); **null unless non-migrant aged 15+** |
/// | `n_emigrants` | i32 | current emigrants (15+) from the household, living abroad (household-level, repeated on every member) |
/// | `wg_seeing`, `wg_hearing`, `wg_mobility`, `wg_cognition`, `wg_selfcare`, `wg_communication` | i32 | Washington Group short set, 1 no difficulty … 4 cannot; **null under 5, for the 0.5 % who skipped the block and 0.3 % item non-response** |
/// | `insured` | i32 | 0/1 health coverage (CNAM or free/reduced-fee care card) |
/// | `attends_school` | i32 | 0/1 attends school or university; **null under 3** |
/// | `literate` | i32 | 0/1; **null under 15** |
/// | `in_labour_force` | i32 | 0/1 (ENPE universe 15+); **null under 15** |
/// | `unemployed` | i32 | 0/1; **null unless `in_labour_force = 1`** |
/// | `informal` | i32 | 0/1 informal employment; **null unless employed** |
/// | `hours` | f64 | weekly hours (whole hours 1..=98); **null unless employed** |
/// | `earnings` | f64 | monthly earnings from work, TND (whole dinars); **null unless employed, and for 10 % item non-response** |
/// | `recruitment_cost` | f64 | recruitment costs paid by the worker to get the (first) job abroad — for a foreign resident, the job in Tunisia — in TND as paid (whole dinars, 0 allowed); **null unless migrant worker** |
/// | `first_month_earnings` | f64 | first monthly earnings in that job, converted to TND at `tnd_per_currency_unit` (whole dinars, > 0), so that costs and earnings are in one currency; **null unless migrant worker** |
/// | `recruitment_cost_months` | f64 | `recruitment_cost / first_month_earnings`, both in TND: the individual ratio of SDG indicator 10.7.1; **null unless migrant worker** |
/// | `earnings_currency` | str | ISO 4217 currency in which the first earnings were paid (`EUR`, `LYD`, `SAR`, `QAR`, `CAD`, `USD` abroad; `TND` for a foreign resident working in Tunisia); **null unless migrant worker** |
/// | `tnd_per_currency_unit` | f64 | the rate that converted them to TND ([`TUNISIA_EARNINGS_CURRENCIES`]: ILLUSTRATIVE round rates, not official ones); **null unless migrant worker** |
/// | `first_month_earnings_lcu` | f64 | the first monthly earnings in `earnings_currency` (`first_month_earnings / tnd_per_currency_unit`); **null unless migrant worker** |
/// | `recruitment_employee` | i32 | 1 recruited for a job as a wage or salary earner, 0 as self-employed (80 % of foreign and 90 % of returning migrant workers are employees: *assumption*); **null unless migrant worker** |
/// | `years_since_recruitment` | f64 | years since the worker moved for the job: a foreign resident's `months_in_tunisia / 12`, a return migrant's years since return plus `years_abroad`; **null unless migrant worker** |
/// | `synthetic` | bool | always `true` |
///
/// Definitions (Tunisia-HIMS, ONM; see *Sources*): a *non-migrant* is a Tunisian who never
/// lived abroad for more than three months; a *return migrant* a Tunisian back after at
/// least three months abroad; a *foreign resident* a non-Tunisian in Tunisia for six months
/// or more or intending to stay (regardless of legal status). HIMS applies them to persons aged 15+;
/// here they are coded for every age, so select `age >= 15` to reproduce HIMS tables. A
/// return migrant is always born in Tunisia (`country_birth = "TUN"`): children born abroad
/// who came with a returnee parent did not come *back*, and are coded
/// `born_abroad_tunisian` (foreign-born citizens in the UN classes). Against the UN Expert
/// Group on Migration Statistics (2017) classes that `hri::pilot` derives from
/// `country_birth`, `citizenship` and `years_abroad`: HIMS's non-migrants are native-born
/// citizens; its return migrants are native-born citizens back after 3 months abroad or
/// more, of whom only those with a year or more (`years_abroad >= 1`) are UN return
/// migrants (the others are native-born citizens); its foreign residents are foreign-born
/// non-citizens, or native-born non-citizens for their children born in Tunisia. A *migrant worker* (the
/// universe of SDG 10.7.1) is a return migrant aged 18+ who worked abroad, or a foreign
/// resident who came for economic reasons and is employed.
///
/// # Calibration (expected weighted values; each parameter and its source)
///
/// Round 2020 (full citations under *Sources* below):
/// - population 11,708,370 = sum of `weight` (estimate at 1 January 2020); governorate
///   shares *UNVERIFIED* approximations of the 2014 census;
/// - foreign residents 58,990 (Tunisia-HIMS), 36.4 % of them sub-Saharan (21,466,
///   Tunisia-HIMS), mean age about 26 (Tunisia-HIMS via ICMPD, "mean age 26"); motives
///   economic 50.1 %, education 27.3 % (same), family 15 % and other 7.6 % (*assumption*);
/// - return migrants aged 15+ 211,000, 176,000 of them men (83 %) (Tunisia-HIMS);
///   intending to re-emigrate 17.2 %, more among involuntary returnees (Tunisia-HIMS:
///   21.3 %);
/// - current emigrants 566,000 (Tunisia-HIMS) = weighted sum of `n_emigrants` over
///   households;
/// - intention to emigrate among non-migrants 15+ 20 %, 40 % at ages 15–29 (Tunisia-HIMS;
///   the 40 % from a secondary source);
/// - disability 2.4 % (*assumption*; the 2014 census gives 2.3 %), some limitation 6 %
///   (*assumption*);
/// - activity rate 15+ 47.3 % (INS ENPE, Q4 2020), with men 69.4 % of the labour force
///   (INS ENPE, Q4 2023), giving the rates by sex from the sample's population shares;
///   unemployment men 14.4 %, women 24.9 % (INS ENPE, Q4 2020); informality 44 % of the
///   employed (INS, Q4 2019);
/// - health coverage 81 %, illiteracy 15+ 16.5 %, school attendance 6–14 98 %, 15–19 62 %
///   and the other ages, median monthly earnings 750 TND: *assumptions* (*UNVERIFIED*,
///   unsourced);
/// - SDG 10.7.1: mean recruitment cost 2.1 months of first earnings (*assumption*,
///   unsourced: neither the SDG series code nor national values were verified), with 35 %
///   paying nothing and sub-Saharan workers paying relatively more.
///
/// Round 2015 (a hypothetical earlier round, before the real HIMS): population 10,982,754
/// (2014 census); foreign residents ≈53,000 (2014 census), fewer sub-Saharans
/// (*assumption*); current emigrants 543,000 (Tunisia-born emigrants in 2014); return
/// migrants 190,000, re-emigration intention 15 %, intention to emigrate 16 % (33 % at
/// 15–29), disability 2.3 % (2014 census), activity 46.9 % with men 71 % of the labour force,
/// unemployment men 12.4 % and women 22.5 %, informality 40 %, coverage 78 %, illiteracy 18 %,
/// median earnings 600 TND, SDG 10.7.1 2.6 months: *assumptions*, chosen so that most
/// indicators move plausibly between the rounds (coverage, attendance and recruitment
/// costs improve; unemployment and informality worsen, as in the COVID year).
///
/// Migrant gaps (*assumptions*): foreign residents, above all sub-Saharans, are far less
/// often insured (log-odds −1.8 in 2015, −1.5 in 2020) and more often informal and
/// unemployed; their children attend school less (−1.2 → −0.9); return migrants are a
/// little less often insured. Intercepts are solved within each calibration cell so that
/// the expected weighted share equals its target whatever these effects are.
///
/// # Sources
///
/// - Tunisia-HIMS: INS and ONM, *Rapport de l'enquête nationale sur la migration
///   internationale (Tunisia-HIMS)*, December 2021,
///   <https://ins.tn/publication/rapport-de-lenquete-nationale-sur-la-migration-internationale-tunisia-hims>.
///   Definitions: ONM,
///   <http://www.migration.nat.tn/fr/tunisia-hims/actualites-tunisia-hims/la-migration-internationale-en-chiffres-%C3%A0-travers-l%E2%80%99enqu%C3%AAte-nationale-sur-la-migration-internationale>.
///   Figures as reported at: foreign residents,
///   <https://www.ilboursa.com/forums/221815_les-subsahariens-residant-en-tunisie-representent-0-2-de-lensemble-d>
///   and <https://www.leaders.com.tn/article/33088-le-fantasme-d-une-invasion-subsaharienne>;
///   their composition, age and motives (citing ICMPD),
///   <https://africanmanager.com/les-sub-sahariens-en-tunisie-combien-seraient-ils-et-comment-pensent-ils-sen-tirer/>;
///   return migrants,
///   <https://africanmanager.com/172-des-tunisiens-de-retour-en-tunisie-ont-lintention-de-re-emigrer/>;
///   current emigrants and intention to emigrate,
///   <https://www.entreprises-magazine.com/ins-onm-1-700-000-tunisiens-ont-lintention-de-quitter-la-tunisie/>,
///   <https://www.businessnews.com.tn/article,520,114602,3> and (40 % at 15–29)
///   <https://fr.lapresse.it/voyages/social/2021/12/13/tunisie-un-jeune-sur-cinq-veut-quitter-le-pays/amp>.
/// - Population estimate at 1 January 2020, as reported at
///   <https://www.ilboursa.com/forums/221815_les-subsahariens-residant-en-tunisie-representent-0-2-de-lensemble-d>.
/// - 2014 census (population, disability): <https://www.adry.up.ac.za/country-reports-2015/tunisia>;
///   population, foreigners and Tunisia-born emigrants in 2014: F. De Bel-Air,
///   <https://docslib.org/doc/6787221/tunisia-fran%C3%A7oise-de-bel-air>.
/// - INS, Enquête nationale sur la population et l'emploi (ENPE), as reported at: Q4 2020,
///   <https://www.businessnews.com.tn/article,544,105956,3>; Q4 2023,
///   <https://africanmanager.com/le-chomage-remonte-a-164-mais-signe-une-decrue-chez-les-diplomes-du-superieur/>.
///   Informal employment, Q4 2019 (INS):
///   <https://www.webmanagercenter.com/2020/09/19/456013/en-tunisie-le-secteur-informel-compte-15-million-de-travailleurs-ins/>.
///
/// # Errors
/// [`SynthError::TooSmall`] if `households < 576` (24 governorates × 2 PSUs × 12
/// households); [`SynthError::TooLarge`] above 5 million households.
pub fn tunisia_round(households: usize, round: Round, seed: u64) -> Result<DataFrame, SynthError> {
    let min = GOVS.len() * 2 * HOUSEHOLDS_PER_PSU;
    if households < min {
        return Err(SynthError::TooSmall {
            what: "households",
            min,
            got: households,
        });
    }
    if households > 5_000_000 {
        return Err(SynthError::TooLarge {
            what: "households",
            max: 5_000_000,
            got: households,
        });
    }
    let par = params(round);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(round.year() as u64);

    let (mut people, mut hhs) = skeleton(households, &par, round, &mut rng);
    rake(&mut people, &mut hhs, &par);
    assign_emigrants(&people, &mut hhs, &par, &mut rng);
    assign_disability(&mut people, &par, &mut rng);
    assign_school_literacy(&mut people, &par, &mut rng);
    assign_work(&mut people, &par, &mut rng);
    assign_health(&mut people, &par, &mut rng);
    assign_intentions(&mut people, &par, &mut rng);
    assign_recruitment(&mut people, &par, round.year(), &mut rng);
    build(&people, &hhs, round)
}

/// Design, households, members and their migration attributes.
fn skeleton(
    households: usize,
    par: &Params,
    round: Round,
    rng: &mut ChaCha8Rng,
) -> (Vec<Person>, Vec<Hh>) {
    let sqrt_share: Vec<f64> = GOVS.iter().map(|g| g.pop_k.sqrt()).collect();
    let by_gov = allocate(households, &sqrt_share, 2 * HOUSEHOLDS_PER_PSU);
    let mean_frg = GOVS.iter().map(|g| g.frg).sum::<f64>() / GOVS.len() as f64;
    let mean_mig = GOVS.iter().map(|g| g.mig).sum::<f64>() / GOVS.len() as f64;
    let mix: Vec<f64> = par.foreign_mix.iter().map(|(_, p)| *p).collect();
    let dest: Vec<f64> = DESTINATIONS.iter().map(|(_, p)| *p).collect();
    let adult: Vec<f64> = PYRAMID
        .iter()
        .enumerate()
        .map(|(i, p)| if i >= 4 { *p } else { 0.0 })
        .collect();
    let older: Vec<f64> = PYRAMID
        .iter()
        .enumerate()
        .map(|(i, p)| if i >= 5 { *p } else { 0.0 })
        .collect();
    let ordinary_sizes = [0.08, 0.13, 0.17, 0.24, 0.19, 0.10, 0.05, 0.02, 0.01, 0.01];
    let foreign_sizes = [0.35, 0.25, 0.15, 0.15, 0.07, 0.03];
    let year = round.year();

    let mut people = Vec::with_capacity(households * 4 + households / 10);
    let mut hhs = Vec::with_capacity(households);
    for (gi, gov) in GOVS.iter().enumerate() {
        let q_f = (0.06 * gov.frg / mean_frg).min(0.2);
        let q_r = (0.14 * gov.mig / mean_mig).min(0.3);
        let n_hh = by_gov[gi];
        let n_psu = (n_hh / HOUSEHOLDS_PER_PSU).max(2);
        for j in 0..n_psu {
            let psu = (gi as i64 + 1) * 100_000 + j as i64 + 1;
            let urban = bern(rng, gov.urban);
            let psu_eff = 0.35 * normal(rng);
            let n_here = n_hh / n_psu + usize::from(j < n_hh % n_psu);
            for h in 0..n_here {
                let u = rng.random::<f64>();
                let (kind, q) = if u < q_f {
                    (HhType::Foreign, q_f)
                } else if u < q_f + q_r {
                    (HhType::Return, q_r)
                } else {
                    (HhType::Ordinary, 1.0 - q_f - q_r)
                };
                let first = people.len();
                let base = Person {
                    gov: gi,
                    urban,
                    psu,
                    hh_id: psu * 100 + h as i64 + 1,
                    psu_eff,
                    w: 1.0 / q,
                    nationality: "TUN",
                    country_birth: "TUN",
                    status: "non_migrant",
                    ..Person::default()
                };
                match kind {
                    HhType::Foreign => {
                        let size = pick(rng, &foreign_sizes) + 1;
                        let country = par.foreign_mix[pick(rng, &mix)].0;
                        let ssa = SUB_SAHARAN.contains(&country);
                        let months = 1
                            + (rng.sample::<f64, _>(rand_distr::Exp1)
                                * if ssa { 30.0 } else { 70.0 })
                                as i32;
                        let head_age = (31.0 + 8.0 * normal(rng)).round().clamp(18.0, 80.0) as i32;
                        let head_female = bern(rng, 0.4);
                        for k in 1..=size {
                            let (rel, female, age) = if k == 1 {
                                (1, head_female, head_age)
                            } else if k == 2 && bern(rng, 0.45) {
                                let age = (f64::from(head_age) + 4.0 * normal(rng)).round();
                                (2, !head_female, (age as i32).clamp(18, 85))
                            } else if head_age >= 24 && bern(rng, 0.5) {
                                (
                                    3,
                                    bern(rng, 0.5),
                                    rng.random_range(0..=(head_age - 18).min(15)),
                                )
                            } else {
                                let age = (27.0 + 6.0 * normal(rng)).round();
                                (4, bern(rng, 0.4), (age as i32).clamp(15, 70))
                            };
                            // Spouses may be Tunisian; children born after arrival are
                            // born in Tunisia.
                            let tunisian = rel == 2 && bern(rng, 0.25);
                            let born_here = rel == 3 && age * 12 < months;
                            let mut p = Person {
                                line: k as i32,
                                rel,
                                female,
                                age,
                                ..base.clone()
                            };
                            if !tunisian {
                                p.nationality = country;
                                p.country_birth = if born_here { "TUN" } else { country };
                                p.status = "foreign_resident";
                                p.foreign = true;
                                p.sub_saharan = ssa;
                                p.months_in_tunisia = Some(months.min(age * 12 + 1).max(1));
                            }
                            people.push(p);
                        }
                        hhs.push(Hh {
                            first,
                            len: size,
                            gov: gi,
                            kind,
                            w: 1.0 / q,
                            n_emigrants: 0,
                        });
                    }
                    HhType::Ordinary | HhType::Return => {
                        let size = pick(rng, &ordinary_sizes) + 1;
                        let ret = kind == HhType::Return;
                        let head_age = if ret {
                            draw_age(rng, &older).clamp(25, 95)
                        } else {
                            draw_age(rng, &adult).max(20)
                        };
                        let head_female = bern(rng, if ret { 0.02 } else { 0.15 });
                        for k in 1..=size {
                            let (rel, female, age) = if k == 1 {
                                (1, head_female, head_age)
                            } else if k == 2 && bern(rng, 0.8) {
                                let gap = if head_female { 4.0 } else { -5.0 };
                                let age = (f64::from(head_age) + gap + 4.0 * normal(rng)).round();
                                (2, !head_female, (age as i32).clamp(17, 95))
                            } else if head_age >= 25 && bern(rng, 0.85) {
                                let max_age = (head_age - 18).min(40);
                                (3, bern(rng, 0.49), rng.random_range(0..=max_age))
                            } else {
                                (4, bern(rng, 0.6), draw_age(rng, &PYRAMID))
                            };
                            people.push(Person {
                                line: k as i32,
                                rel,
                                female,
                                age,
                                ..base.clone()
                            });
                        }
                        if ret {
                            let members = &mut people[first..first + size];
                            mark_returnees(members, year, &dest, rng);
                        }
                        hhs.push(Hh {
                            first,
                            len: size,
                            gov: gi,
                            kind,
                            w: 1.0 / q,
                            n_emigrants: 0,
                        });
                    }
                }
            }
        }
    }
    (people, hhs)
}

/// Choose the return migrants of a return household and their migration history.
fn mark_returnees(members: &mut [Person], year: i32, dest: &[f64], rng: &mut ChaCha8Rng) {
    // Primary returnee: the head (usually), else an adult child, preferably a son; a second
    // returnee (often the spouse) in some households. This gives about 83 % men among
    // return migrants aged 15+ (Tunisia-HIMS: 176,000 of 211,000).
    let adults: Vec<usize> = (1..members.len())
        .filter(|&i| members[i].age >= 20)
        .collect();
    let sons: Vec<usize> = adults
        .iter()
        .copied()
        .filter(|&i| !members[i].female)
        .collect();
    let primary = if bern(rng, 0.8) || adults.is_empty() {
        0
    } else if !sons.is_empty() && bern(rng, 0.85) {
        sons[rng.random_range(0..sons.len())]
    } else {
        adults[rng.random_range(0..adults.len())]
    };
    let mut chosen = vec![primary];
    if bern(rng, 0.08)
        && let Some(&other) = adults.iter().find(|&&i| i != primary)
    {
        chosen.push(other);
    }
    let d = DESTINATIONS[pick(rng, dest)].0;
    let involuntary = bern(rng, if d == "LBY" { 0.6 } else { 0.15 });
    let years_since = (rng.sample::<f64, _>(rand_distr::Exp1) * 7.0) as i32;
    let months_abroad = 3 + (rng.sample::<f64, _>(rand_distr::Exp1) * 60.0) as i32;
    for &i in &chosen {
        let p = &mut members[i];
        let since = years_since.min((p.age - 18).max(0));
        p.returnee = true;
        p.status = "return_migrant";
        p.last_destination = Some(d);
        p.return_year = Some(year - since);
        p.involuntary = Some(i32::from(involuntary));
        let max_months = ((p.age - since - 15).max(1) * 12).max(3);
        p.months_abroad = Some(months_abroad.min(max_months));
        p.worked_abroad = p.age >= 18 && bern(rng, if p.female { 0.5 } else { 0.85 });
    }
    // Children born abroad who came to Tunisia with a returnee parent. They are Tunisian
    // citizens born abroad: not return migrants (they never lived in Tunisia before, so
    // they did not come back: a return migrant is native-born), not foreign residents
    // (they are Tunisian). HIMS's three classes, defined for persons aged 15+, do not name
    // them: `migrant_status` codes them `born_abroad_tunisian`, and the UN classes of
    // `hri::derive::migratory_status` make them foreign-born citizens.
    let parent_back = chosen.iter().any(|&i| members[i].rel <= 2);
    if parent_back {
        for p in members.iter_mut() {
            if p.rel == 3 && !p.returnee && p.age < 18 && bern(rng, 0.15) {
                let since = years_since.min(p.age);
                p.status = "born_abroad_tunisian";
                p.country_birth = if d == "OTH" { "OTH" } else { d };
                p.months_in_tunisia = Some((since * 12).max(1));
            }
        }
    }
}

/// Rake household weights to governorate populations and the national numbers of foreign
/// residents and of return migrants aged 15+.
fn rake(people: &mut [Person], hhs: &mut [Hh], par: &Params) {
    let pop_sum: f64 = GOVS.iter().map(|g| g.pop_k).sum();
    let gov_pop: Vec<f64> = GOVS
        .iter()
        .map(|g| g.pop_k / pop_sum * par.total_pop)
        .collect();
    let t_f = par.foreign_share * par.total_pop;
    let t_r = par.returnees15;
    let n_f: Vec<f64> = hhs
        .iter()
        .map(|h| {
            people[h.first..h.first + h.len]
                .iter()
                .filter(|p| p.foreign)
                .count() as f64
        })
        .collect();
    let n_r: Vec<f64> = hhs
        .iter()
        .map(|h| {
            people[h.first..h.first + h.len]
                .iter()
                .filter(|p| p.returnee && p.age >= 15)
                .count() as f64
        })
        .collect();
    for _ in 0..50 {
        let sf: f64 = hhs.iter().zip(&n_f).map(|(h, n)| h.w * n).sum();
        let sr: f64 = hhs.iter().zip(&n_r).map(|(h, n)| h.w * n).sum();
        for (h, (nf, nr)) in hhs.iter_mut().zip(n_f.iter().zip(&n_r)) {
            if *nf > 0.0 && sf > 0.0 {
                h.w *= t_f / sf;
            } else if *nr > 0.0 && sr > 0.0 {
                h.w *= t_r / sr;
            }
        }
        let mut by_gov = vec![0.0; GOVS.len()];
        for h in hhs.iter() {
            by_gov[h.gov] += h.w * h.len as f64;
        }
        for h in hhs.iter_mut() {
            if by_gov[h.gov] > 0.0 {
                h.w *= gov_pop[h.gov] / by_gov[h.gov];
            }
        }
    }
    for h in hhs.iter() {
        for p in &mut people[h.first..h.first + h.len] {
            p.w = h.w;
        }
    }
}

/// Current emigrants per household, calibrated to the national number.
fn assign_emigrants(people: &[Person], hhs: &mut [Hh], par: &Params, rng: &mut ChaCha8Rng) {
    const MEAN_COUNT: f64 = 1.45; // 1: 65 %, 2: 25 %, 3: 10 %
    // Households without a member of parental age (35+) send emigrants half as often.
    let intensity = |h: &Hh| {
        let parent = people[h.first..h.first + h.len].iter().any(|q| q.age >= 35);
        let k = if parent { 1.0 } else { 0.5 };
        k * match h.kind {
            HhType::Foreign => 0.0,
            HhType::Return => 1.5 * GOVS[h.gov].mig,
            HhType::Ordinary => GOVS[h.gov].mig,
        }
    };
    let denom: f64 = hhs.iter().map(|h| h.w * intensity(h) * MEAN_COUNT).sum();
    let c = if denom > 0.0 {
        par.emigrants / denom
    } else {
        0.0
    };
    for h in hhs.iter_mut() {
        let p = (c * intensity(h)).min(0.8);
        h.n_emigrants = if bern(rng, p) {
            1 + pick(rng, &[0.65, 0.25, 0.10]) as i32
        } else {
            0
        };
    }
}

fn flag(x: bool) -> f64 {
    f64::from(u8::from(x))
}

/// WG-SS items (ages 5+).
fn assign_disability(people: &mut [Person], par: &Params, rng: &mut ChaCha8Rng) {
    let w_all: f64 = people.iter().map(|p| p.w).sum();
    let idx: Vec<usize> = (0..people.len()).filter(|&i| people[i].age >= 5).collect();
    let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
    let w_sum: f64 = w.iter().sum();
    let eta: Vec<f64> = idx
        .iter()
        .map(|&i| {
            let a = f64::from(people[i].age);
            0.045 * (a - 40.0) + 0.0008 * (a - 60.0).max(0.0).powi(2)
                - 0.3 * flag(people[i].foreign)
        })
        .collect();
    let dis = draw_calibrated(rng, &eta, &w, (par.disability * w_all / w_sum).min(0.9));
    let mut limited = vec![false; people.len()];
    let rest: Vec<usize> = idx
        .iter()
        .zip(&dis)
        .filter(|(_, d)| !**d)
        .map(|(i, _)| *i)
        .collect();
    let wr: Vec<f64> = rest.iter().map(|&i| people[i].w).collect();
    let wr_sum: f64 = wr.iter().sum();
    let eta_r: Vec<f64> = rest
        .iter()
        .map(|&i| 0.03 * f64::from(people[i].age - 40))
        .collect();
    let lim = draw_calibrated(rng, &eta_r, &wr, (par.limitation * w_all / wr_sum).min(0.9));
    for (&i, l) in rest.iter().zip(lim) {
        limited[i] = l;
    }
    for (&i, d) in idx.iter().zip(dis) {
        let p = &mut people[i];
        p.disabled = d;
        let dom_p: [f64; 6] = match p.age {
            ..=17 => [0.25, 0.10, 0.15, 0.25, 0.10, 0.15],
            18..=59 => [0.35, 0.10, 0.30, 0.12, 0.06, 0.07],
            _ => [0.30, 0.15, 0.40, 0.08, 0.05, 0.02],
        };
        let mut items = [1i32; 6];
        if d {
            let k = pick(rng, &dom_p);
            items[k] = if bern(rng, 0.3) { 4 } else { 3 };
            for (m, item) in items.iter_mut().enumerate() {
                if m != k && bern(rng, 0.1) {
                    *item = 2;
                }
            }
        } else if limited[i] {
            items[pick(rng, &dom_p)] = 2;
        }
        let skipped = bern(rng, 0.005);
        for (k, item) in items.iter().enumerate() {
            p.wg[k] = (!skipped && !bern(rng, 0.003)).then_some(*item);
        }
    }
}

/// School attendance (3+) and literacy (15+).
fn assign_school_literacy(people: &mut [Person], par: &Params, rng: &mut ChaCha8Rng) {
    // Motive of foreign residents aged 15+ first: students attend.
    for p in people.iter_mut().filter(|p| p.foreign && p.age >= 15) {
        let student_age = (18..=30).contains(&p.age);
        let probs = if student_age {
            [0.40, 0.45, 0.10, 0.05]
        } else {
            [0.62, 0.03, 0.24, 0.11]
        };
        p.motive = Some(["economic", "education", "family", "other"][pick(rng, &probs)]);
    }
    let cell = |age: i32| match age {
        3..=5 => Some(0),
        6..=14 => Some(1),
        15..=19 => Some(2),
        20..=24 => Some(3),
        25..=29 => Some(4),
        30.. => Some(5),
        _ => None,
    };
    for c in 0..6 {
        let idx: Vec<usize> = (0..people.len())
            .filter(|&i| cell(people[i].age) == Some(c))
            .collect();
        let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
        let eta: Vec<f64> = idx
            .iter()
            .map(|&i| {
                let p = &people[i];
                let slope = match c {
                    2 => -0.45 * f64::from(p.age - 17),
                    3 => -0.3 * f64::from(p.age - 22),
                    _ => 0.0,
                };
                let student = if p.motive == Some("education") {
                    4.0
                } else {
                    0.0
                };
                slope
                    + student
                    + if p.age < 18 {
                        par.gap_foreign_school * flag(p.foreign)
                    } else {
                        0.0
                    }
                    - 1.6 * flag(p.disabled)
                    - 0.5 * flag(!p.urban)
                    + 0.5 * p.psu_eff
            })
            .collect();
        let draws = draw_calibrated(rng, &eta, &w, par.attend[c]);
        for (&i, d) in idx.iter().zip(draws) {
            people[i].school = Some(i32::from(d));
        }
    }
    let idx: Vec<usize> = (0..people.len()).filter(|&i| people[i].age >= 15).collect();
    let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
    let eta: Vec<f64> = idx
        .iter()
        .map(|&i| {
            let p = &people[i];
            0.06 * f64::from(p.age - 45)
                + 0.8 * flag(p.female)
                + 1.0 * flag(!p.urban)
                + 1.0 * flag(p.disabled)
                - 0.5 * flag(p.returnee)
                + 0.5 * p.psu_eff
        })
        .collect();
    let illiterate = draw_calibrated(rng, &eta, &w, par.illiterate);
    for (&i, d) in idx.iter().zip(illiterate) {
        people[i].literate = Some(i32::from(!d));
    }
}

/// Labour force, unemployment, informality, hours and earnings (15+).
fn assign_work(people: &mut [Person], par: &Params, rng: &mut ChaCha8Rng) {
    // Activity rates by sex from the overall rate and the men's share of the labour force.
    let w15 = |female: bool| -> f64 {
        people
            .iter()
            .filter(|p| p.age >= 15 && p.female == female)
            .map(|p| p.w)
            .sum()
    };
    let (wm, wf) = (w15(false), w15(true));
    let total = wm + wf;
    let lf_total = par.activity * total;
    for female in [false, true] {
        let target = if female {
            lf_total * (1.0 - par.men_share_lf) / wf
        } else {
            lf_total * par.men_share_lf / wm
        };
        let idx: Vec<usize> = (0..people.len())
            .filter(|&i| people[i].age >= 15 && people[i].female == female)
            .collect();
        let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
        let eta: Vec<f64> = idx
            .iter()
            .map(|&i| {
                let p = &people[i];
                let age = match p.age {
                    15..=19 => -1.8,
                    20..=24 => -0.3,
                    25..=54 => 0.6,
                    55..=64 => -0.6,
                    _ => -2.2,
                };
                age - 1.2 * flag(p.disabled) - 1.8 * flag(p.school == Some(1))
                    + 0.8 * flag(p.motive == Some("economic"))
                    - 0.4 * flag(!p.urban && female)
            })
            .collect();
        let draws = draw_calibrated(rng, &eta, &w, target.clamp(0.01, 0.99));
        for (&i, d) in idx.iter().zip(draws) {
            people[i].in_lf = Some(i32::from(d));
        }
    }
    for female in [false, true] {
        let idx: Vec<usize> = (0..people.len())
            .filter(|&i| people[i].in_lf == Some(1) && people[i].female == female)
            .collect();
        let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
        let eta: Vec<f64> = idx
            .iter()
            .map(|&i| {
                let p = &people[i];
                let age = match p.age {
                    15..=24 => 0.9,
                    25..=34 => 0.4,
                    _ => -0.3,
                };
                age + 0.5 * flag(p.foreign)
                    + 0.3 * flag(p.sub_saharan)
                    + 0.2 * flag(p.returnee)
                    + 0.5 * flag(p.disabled)
                    + 0.5 * p.psu_eff
            })
            .collect();
        let target = if female {
            par.unemp_women
        } else {
            par.unemp_men
        };
        let draws = draw_calibrated(rng, &eta, &w, target);
        for (&i, d) in idx.iter().zip(draws) {
            people[i].unemployed = Some(i32::from(d));
            people[i].employed = !d;
        }
    }
    let idx: Vec<usize> = (0..people.len()).filter(|&i| people[i].employed).collect();
    let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
    let eta: Vec<f64> = idx
        .iter()
        .map(|&i| {
            let p = &people[i];
            let age = match p.age {
                15..=24 => 0.6,
                65.. => 0.9,
                _ => 0.0,
            };
            age + 1.2 * flag(p.foreign)
                + 0.8 * flag(p.sub_saharan)
                + 0.3 * flag(p.returnee)
                + 0.8 * flag(!p.urban)
                - 0.2 * flag(p.female)
                + p.psu_eff
        })
        .collect();
    let draws = draw_calibrated(rng, &eta, &w, par.informal);
    for (&i, d) in idx.iter().zip(draws) {
        people[i].informal = Some(i32::from(d));
    }
    let ln_median = par.earnings_median.ln();
    for p in people.iter_mut().filter(|p| p.employed) {
        let informal = p.informal == Some(1);
        let mean = if p.female { 38.0 } else { 45.0 } - if informal { 3.0 } else { 0.0 };
        let sd = if informal { 14.0 } else { 9.0 };
        let hours = (mean + sd * normal(rng)).round().clamp(1.0, 98.0);
        p.hours = Some(hours);
        let mu = ln_median - 0.5 * flag(informal) - 0.15 * flag(p.female)
            + 0.4 * (hours / 42.0).ln()
            - 0.2 * flag(!p.urban)
            - 0.2 * flag(p.sub_saharan)
            + 0.15 * flag(p.returnee)
            + 0.3 * p.psu_eff;
        let earnings = (mu + 0.6 * normal(rng)).exp().round().max(1.0);
        p.earnings = (!bern(rng, 0.10)).then_some(earnings);
    }
}

/// Health coverage (everyone).
fn assign_health(people: &mut [Person], par: &Params, rng: &mut ChaCha8Rng) {
    let w: Vec<f64> = people.iter().map(|p| p.w).collect();
    let eta: Vec<f64> = people
        .iter()
        .map(|p| {
            let job = if p.employed {
                if p.informal == Some(1) { -0.8 } else { 2.2 }
            } else {
                0.0
            };
            job + par.gap_foreign_insured * flag(p.foreign)
                - 0.6 * flag(p.sub_saharan)
                - 0.3 * flag(p.returnee)
                - 0.3 * flag(!p.urban)
                + 0.5 * flag(p.age >= 60)
                + p.psu_eff
        })
        .collect();
    let draws = draw_calibrated(rng, &eta, &w, par.insured);
    for (p, d) in people.iter_mut().zip(draws) {
        p.insured = i32::from(d);
    }
}

/// Intentions: to emigrate (non-migrants 15+) and to re-emigrate (return migrants 15+).
fn assign_intentions(people: &mut [Person], par: &Params, rng: &mut ChaCha8Rng) {
    let non_mig: Vec<usize> = (0..people.len())
        .filter(|&i| people[i].age >= 15 && people[i].status == "non_migrant")
        .collect();
    let w_all: f64 = non_mig.iter().map(|&i| people[i].w).sum();
    let w_young: f64 = non_mig
        .iter()
        .filter(|&&i| people[i].age <= 29)
        .map(|&i| people[i].w)
        .sum();
    let s_young = if w_all > 0.0 { w_young / w_all } else { 0.0 };
    let target_old = ((par.intend_all - par.intend_young * s_young) / (1.0 - s_young).max(1e-9))
        .clamp(0.01, 0.9);
    for young in [true, false] {
        let idx: Vec<usize> = non_mig
            .iter()
            .copied()
            .filter(|&i| (people[i].age <= 29) == young)
            .collect();
        let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
        let eta: Vec<f64> = idx
            .iter()
            .map(|&i| {
                let p = &people[i];
                0.6 * flag(!p.female) + 0.8 * flag(p.unemployed == Some(1))
                    - 0.04 * f64::from(p.age - if young { 22 } else { 45 })
            })
            .collect();
        let target = if young { par.intend_young } else { target_old };
        let draws = draw_calibrated(rng, &eta, &w, target);
        for (&i, d) in idx.iter().zip(draws) {
            people[i].intends_emigrate = Some(i32::from(d));
        }
    }
    let idx: Vec<usize> = (0..people.len())
        .filter(|&i| people[i].returnee && people[i].age >= 15)
        .collect();
    let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
    let eta: Vec<f64> = idx
        .iter()
        .map(|&i| {
            0.35 * flag(people[i].involuntary == Some(1)) - 0.03 * f64::from(people[i].age - 40)
        })
        .collect();
    let draws = draw_calibrated(rng, &eta, &w, par.reemigrate);
    for (&i, d) in idx.iter().zip(draws) {
        people[i].reemigrate = Some(i32::from(d));
    }
}

/// Recruitment costs and first earnings of migrant workers (SDG 10.7.1).
fn assign_recruitment(people: &mut [Person], par: &Params, year: i32, rng: &mut ChaCha8Rng) {
    const P_ZERO: f64 = 0.35;
    const SIGMA: f64 = 0.9;
    let workers: Vec<usize> = (0..people.len())
        .filter(|&i| {
            let p = &people[i];
            (p.returnee && p.worked_abroad)
                || (p.foreign && p.motive == Some("economic") && p.employed)
        })
        .collect();
    // Relative cost multipliers, normalised to a weighted mean of one over the universe.
    let mult = |p: &Person| {
        if p.sub_saharan {
            1.6
        } else if p.foreign {
            0.8
        } else if p.last_destination == Some("LBY") {
            0.7
        } else {
            1.0
        }
    };
    let (mut s, mut t) = (0.0, 0.0);
    for &i in &workers {
        s += people[i].w * mult(&people[i]);
        t += people[i].w;
    }
    let m_bar = if t > 0.0 { s / t } else { 1.0 };
    // Mean ratio = (1 - P_ZERO) * median * exp(SIGMA^2 / 2) * mult / m_bar.
    let median = par.cost_months / (1.0 - P_ZERO) / (SIGMA * SIGMA / 2.0).exp();
    for &i in &workers {
        let p = &mut people[i];
        let base = if p.foreign {
            par.earnings_median * if p.sub_saharan { 0.8 } else { 1.2 }
        } else {
            destination_earnings(p.last_destination.unwrap_or("OTH"))
        };
        let first = (base.ln() + 0.5 * normal(rng)).exp().round().max(50.0);
        let ratio = if bern(rng, P_ZERO) {
            0.0
        } else {
            median * mult(p) / m_bar * (SIGMA * normal(rng)).exp()
        };
        let cost = (ratio * first).round();
        p.cost = Some(cost);
        p.first_earnings = Some(first);
    }
    // Status in the job recruited for (SDG 10.7.1 counts wage or salary earners only), the
    // currency of the first earnings and the time since recruitment; drawn after the costs
    // so that those keep their values.
    for &i in &workers {
        let p = &mut people[i];
        p.recruit_employee = Some(i32::from(bern(rng, if p.foreign { 0.8 } else { 0.9 })));
        let country = if p.foreign {
            "TUN"
        } else {
            p.last_destination.unwrap_or("OTH")
        };
        p.earnings_currency = Some(earnings_currency(country).0);
        p.years_since_recruitment = Some(match (p.months_in_tunisia, p.months_abroad) {
            (Some(m), _) => f64::from(m) / 12.0,
            (None, Some(abroad)) => {
                f64::from(year - p.return_year.unwrap_or(year)) + f64::from(abroad) / 12.0
            }
            (None, None) => 0.0,
        });
    }
}

fn build(people: &[Person], hhs: &[Hh], round: Round) -> Result<DataFrame, SynthError> {
    let n = people.len();
    let mut n_emig = vec![0i32; n];
    for h in hhs {
        n_emig[h.first..h.first + h.len].fill(h.n_emigrants);
    }
    let i32s = |f: fn(&Person) -> i32| people.iter().map(f).collect::<Vec<i32>>();
    let opt = |f: fn(&Person) -> Option<i32>| people.iter().map(f).collect::<Vec<_>>();
    let year = f64::from(round.year());
    let years_abroad: Vec<Option<f64>> = people
        .iter()
        .map(|p| p.months_abroad.map(|m| f64::from(m) / 12.0))
        .collect();
    let years_since: Vec<Option<f64>> = people
        .iter()
        .map(|p| {
            p.return_year
                .map(|y| year - f64::from(y))
                .or(p.months_in_tunisia.map(|m| f64::from(m) / 12.0))
        })
        .collect();
    let wg_names = [
        "wg_seeing",
        "wg_hearing",
        "wg_mobility",
        "wg_cognition",
        "wg_selfcare",
        "wg_communication",
    ];
    let mut cols = vec![
        col_year(round.year(), n),
        col_i32("governorate", i32s(|p| p.gov as i32 + 1)),
        col_i32("region", i32s(|p| GOVS[p.gov].region)),
        col_i32("urban", i32s(|p| i32::from(p.urban))),
        col_i64("psu", people.iter().map(|p| p.psu).collect()),
        col_f64("weight", people.iter().map(|p| p.w).collect()),
        col_i64("hh_id", people.iter().map(|p| p.hh_id).collect()),
        col_i32("line", i32s(|p| p.line)),
        col_i32("relationship", i32s(|p| p.rel)),
        col_i32("sex", i32s(|p| if p.female { 2 } else { 1 })),
        col_i32("age", i32s(|p| p.age)),
        col_str("nationality", people.iter().map(|p| p.nationality)),
        col_str("country_birth", people.iter().map(|p| p.country_birth)),
        col_i32("citizenship", i32s(|p| if p.foreign { 2 } else { 1 })),
        col_str("migrant_status", people.iter().map(|p| p.status)),
        col_f64_opt("years_abroad", &years_abroad),
        col_f64_opt("years_since_arrival", &years_since),
        col_i32_opt("months_abroad", &opt(|p| p.months_abroad)),
        col_str_opt(
            "last_destination",
            people.iter().map(|p| p.last_destination),
        ),
        col_i32_opt("return_year", &opt(|p| p.return_year)),
        col_i32_opt("involuntary_return", &opt(|p| p.involuntary)),
        col_i32_opt("intends_reemigrate", &opt(|p| p.reemigrate)),
        col_i32_opt("months_in_tunisia", &opt(|p| p.months_in_tunisia)),
        col_str_opt("motive", people.iter().map(|p| p.motive)),
        col_i32_opt("intends_emigrate", &opt(|p| p.intends_emigrate)),
        col_i32("n_emigrants", n_emig),
    ];
    for (k, name) in wg_names.iter().enumerate() {
        let v: Vec<Option<i32>> = people.iter().map(|p| p.wg[k]).collect();
        cols.push(col_i32_opt(name, &v));
    }
    let f64s = |f: fn(&Person) -> Option<f64>| people.iter().map(f).collect::<Vec<_>>();
    cols.extend([
        col_i32("insured", i32s(|p| p.insured)),
        col_i32_opt("attends_school", &opt(|p| p.school)),
        col_i32_opt("literate", &opt(|p| p.literate)),
        col_i32_opt("in_labour_force", &opt(|p| p.in_lf)),
        col_i32_opt("unemployed", &opt(|p| p.unemployed)),
        col_i32_opt("informal", &opt(|p| p.informal)),
        col_f64_opt("hours", &f64s(|p| p.hours)),
        col_f64_opt("earnings", &f64s(|p| p.earnings)),
        col_f64_opt("recruitment_cost", &f64s(|p| p.cost)),
        col_f64_opt("first_month_earnings", &f64s(|p| p.first_earnings)),
        col_str_opt(
            "earnings_currency",
            people.iter().map(|p| p.earnings_currency),
        ),
        col_f64_opt(
            "tnd_per_currency_unit",
            &f64s(|p| {
                p.earnings_currency.map(|c| {
                    TUNISIA_EARNINGS_CURRENCIES
                        .iter()
                        .find(|(_, cur, _)| *cur == c)
                        .map_or(1.0, |x| x.2)
                })
            }),
        ),
        col_f64_opt(
            "first_month_earnings_lcu",
            &f64s(|p| match (p.first_earnings, p.earnings_currency) {
                (Some(e), Some(c)) => TUNISIA_EARNINGS_CURRENCIES
                    .iter()
                    .find(|(_, cur, _)| *cur == c)
                    .map(|x| e / x.2),
                _ => None,
            }),
        ),
        col_i32_opt("recruitment_employee", &opt(|p| p.recruit_employee)),
        col_f64_opt(
            "years_since_recruitment",
            &f64s(|p| p.years_since_recruitment),
        ),
        col_f64_opt(
            "recruitment_cost_months",
            &f64s(|p| match (p.cost, p.first_earnings) {
                (Some(c), Some(e)) => Some(c / e),
                _ => None,
            }),
        ),
    ]);
    frame(cols, n)
}
