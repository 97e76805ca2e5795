//! **SYNTHETIC** ENOE/census-style person-level survey of Mexico.

use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::workload::{AGE_PYRAMID, draw_age};
use super::{
    Round, SynthError, allocate, bern, col_f64, col_f64_opt, col_i32, col_i32_opt, col_i64,
    col_str, col_str_opt, col_year, draw_calibrated, frame, logistic, normal, pick, poststratify,
};

/// Default sample size of [`mexico`]: about 400 thousand persons, the size of an ENOE
/// quarter (423,302 records in the 2025 Q1 SDEMT file: an unsourced count, illustrative
/// only).
pub const MEXICO_DEFAULT_PERSONS: usize = 400_000;

/// Mean household size used to turn persons into households (3.6 persons per occupied
/// dwelling: INEGI, Censo de Población y Vivienda 2020, as reported at
/// <https://imagenpoblana.com/21/01/28/los-resultados-del-censo-2020>).
const PERSONS_PER_HOUSEHOLD: f64 = 3.6;

/// Households per PSU (*assumption*; an ENOE PSU contributes a handful of dwellings).
const HOUSEHOLDS_PER_PSU: usize = 5;

/// A state: name, approximate 2020 population in thousands, and fixed characteristics.
struct State {
    name: &'static str,
    /// Census 2020 population, thousands (approximate, *UNVERIFIED*: unsourced; the total is
    /// rescaled to the national total of INEGI, Censo de Población y Vivienda 2020).
    pop_k: f64,
    /// Development index in [-1, 1] (*assumption*): lowers informality, illiteracy and
    /// rurality, raises insurance, attendance and earnings.
    dev: f64,
    /// Relative intensity of return migration from the United States (*assumption*: high
    /// in the traditional emigration states of the centre-west and the north).
    ret: f64,
    /// Relative concentration of foreign-born households (*assumption*: border states,
    /// Mexico City, Quintana Roo, Chiapas).
    frg: f64,
}

const fn st(name: &'static str, pop_k: f64, dev: f64, ret: f64, frg: f64) -> State {
    State {
        name,
        pop_k,
        dev,
        ret,
        frg,
    }
}

/// The 32 states in INEGI order (`ent` = index + 1).
const STATES: [State; 32] = [
    st("Aguascalientes", 1425.0, 0.5, 1.3, 0.6),
    st("Baja California", 3769.0, 0.6, 1.5, 3.5),
    st("Baja California Sur", 798.0, 0.6, 0.8, 2.0),
    st("Campeche", 928.0, -0.1, 0.3, 0.8),
    st("Coahuila", 3147.0, 0.6, 0.8, 0.9),
    st("Colima", 731.0, 0.3, 1.5, 0.9),
    st("Chiapas", 5544.0, -1.0, 0.6, 1.8),
    st("Chihuahua", 3741.0, 0.4, 1.4, 2.8),
    st("Ciudad de México", 9209.0, 0.9, 0.4, 1.6),
    st("Durango", 1833.0, 0.1, 1.6, 0.6),
    st("Guanajuato", 6167.0, 0.1, 2.0, 0.6),
    st("Guerrero", 3541.0, -0.9, 1.3, 0.3),
    st("Hidalgo", 3082.0, -0.3, 1.3, 0.4),
    st("Jalisco", 8348.0, 0.5, 1.7, 1.4),
    st("México", 16992.0, 0.2, 0.5, 0.6),
    st("Michoacán", 4749.0, -0.4, 2.2, 0.6),
    st("Morelos", 1971.0, 0.0, 1.3, 0.8),
    st("Nayarit", 1235.0, 0.0, 1.8, 1.0),
    st("Nuevo León", 5784.0, 0.9, 0.7, 1.6),
    st("Oaxaca", 4132.0, -1.0, 1.0, 0.4),
    st("Puebla", 6583.0, -0.4, 0.9, 0.5),
    st("Querétaro", 2368.0, 0.5, 1.0, 1.0),
    st("Quintana Roo", 1858.0, 0.3, 0.3, 2.2),
    st("San Luis Potosí", 2822.0, -0.2, 1.4, 0.6),
    st("Sinaloa", 3027.0, 0.2, 0.9, 0.7),
    st("Sonora", 2945.0, 0.5, 1.0, 2.0),
    st("Tabasco", 2402.0, -0.3, 0.3, 0.5),
    st("Tamaulipas", 3528.0, 0.3, 1.1, 1.9),
    st("Tlaxcala", 1343.0, -0.2, 0.5, 0.3),
    st("Veracruz", 8062.0, -0.5, 0.6, 0.4),
    st("Yucatán", 2321.0, 0.0, 0.2, 0.8),
    st("Zacatecas", 1622.0, -0.2, 2.2, 0.5),
];

/// Names of the 32 states, in the order of the `ent` codes 1..=32.
pub fn mexico_state_names() -> [&'static str; 32] {
    std::array::from_fn(|i| STATES[i].name)
}

/// Round-specific calibration targets (see [`mexico`] for sources).
struct Params {
    total_pop: f64,
    foreign_share: f64,
    us_share_of_foreign: f64,
    other_mix: &'static [(&'static str, f64)],
    recent_return: f64,
    recent_foreign: f64,
    recent_ven: f64,
    internal5: f64,
    disability: f64,
    limitation: f64,
    affiliated: f64,
    attend: [f64; 6],
    illiterate: Illiterate,
    lf_men: f64,
    lf_women: f64,
    unemp_youth: f64,
    unemp_adult: f64,
    informal: f64,
    earnings_median: f64,
    gap_foreign_insured: f64,
    gap_foreign_school: f64,
    gap_foreign_informal: f64,
}

enum Illiterate {
    /// A count of illiterate persons aged 15+, turned into a share with the sample's
    /// weighted population aged 15+.
    Count(f64),
    /// A share of persons aged 15+.
    Share(f64),
}

/// Other (non-US) countries of birth, 2020: GTM 56,810 and VEN 52,948 of the 414,986
/// foreign-born not born in the USA (INEGI, Censo de Población y Vivienda 2020, as reported
/// at <https://lanetaneta.com/en-mexico-hay-126-millones-014-mil-024-de-habitantes-censo-de-poblacion-y-vivienda-2020/>);
/// the split of the rest is an *assumption*.
const OTHER_MIX_2020: [(&str, f64); 14] = [
    ("GTM", 0.137),
    ("VEN", 0.128),
    ("HND", 0.09),
    ("COL", 0.09),
    ("CUB", 0.06),
    ("ESP", 0.06),
    ("ARG", 0.05),
    ("SLV", 0.05),
    ("CAN", 0.04),
    ("CHN", 0.03),
    ("FRA", 0.03),
    ("PER", 0.03),
    ("DEU", 0.02),
    ("OTH", 0.185),
];

/// Other countries of birth, 2015 (*assumption*: before the Venezuelan exodus).
const OTHER_MIX_2015: [(&str, f64); 14] = [
    ("GTM", 0.16),
    ("VEN", 0.04),
    ("HND", 0.08),
    ("COL", 0.09),
    ("CUB", 0.06),
    ("ESP", 0.07),
    ("ARG", 0.06),
    ("SLV", 0.05),
    ("CAN", 0.04),
    ("CHN", 0.03),
    ("FRA", 0.03),
    ("PER", 0.03),
    ("DEU", 0.02),
    ("OTH", 0.22),
];

fn params(round: Round) -> Params {
    match round {
        Round::Y2020 => Params {
            total_pop: 126_014_024.0,
            foreign_share: 1_212_252.0 / 126_014_024.0,
            us_share_of_foreign: 797_266.0 / 1_212_252.0,
            other_mix: &OTHER_MIX_2020,
            recent_return: 0.12,
            recent_foreign: 0.35,
            recent_ven: 0.85,
            internal5: 0.035,
            disability: 0.049,
            limitation: 0.111,
            affiliated: 0.735,
            attend: [0.70, 0.970, 0.650, 0.26, 0.07, 0.012],
            illiterate: Illiterate::Count(5_942_009.0),
            lf_men: 0.807,
            lf_women: 0.523,
            unemp_youth: 0.090,
            unemp_adult: 0.036,
            informal: 0.555,
            earnings_median: 6500.0,
            gap_foreign_insured: -0.7,
            gap_foreign_school: -0.7,
            gap_foreign_informal: 0.5,
        },
        Round::Y2015 => Params {
            total_pop: 119_938_473.0,
            foreign_share: 0.0090,
            us_share_of_foreign: 0.70,
            other_mix: &OTHER_MIX_2015,
            recent_return: 0.20,
            recent_foreign: 0.30,
            recent_ven: 0.50,
            internal5: 0.037,
            disability: 0.047,
            limitation: 0.105,
            affiliated: 0.822,
            attend: [0.66, 0.965, 0.627, 0.24, 0.06, 0.010],
            illiterate: Illiterate::Share(0.070),
            lf_men: 0.800,
            lf_women: 0.480,
            unemp_youth: 0.082,
            unemp_adult: 0.032,
            informal: 0.575,
            earnings_median: 5200.0,
            gap_foreign_insured: -1.0,
            gap_foreign_school: -1.0,
            gap_foreign_informal: 0.8,
        },
    }
}

/// Household type (drives migration attributes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum HhType {
    /// No migration history.
    Native,
    /// A household with return migration from the United States (US-born children).
    Return,
    /// A household headed by a foreign-born person.
    Foreign,
}

struct Hh {
    first: usize,
    len: usize,
    state: usize,
    has_spouse: bool,
    children18: usize,
    others: usize,
    others5: usize,
}

#[derive(Clone, Default)]
struct Person {
    ent: i32,
    t_loc: i32,
    upm: i64,
    w: f64,
    folio: i64,
    n_ren: i32,
    par: i32,
    female: bool,
    age: i32,
    dev: f64,
    psu_eff: f64,
    pais_nac: &'static str,
    nacionalidad: i32,
    res_5a: Option<i32>,
    pais_res_5a: Option<&'static str>,
    wg: [Option<i32>; 6],
    afiliacion: Option<&'static str>,
    insured: Option<i32>,
    school: Option<i32>,
    literate: Option<i32>,
    in_lf: Option<i32>,
    unemployed: Option<i32>,
    informal: Option<i32>,
    hours: Option<f64>,
    earnings: Option<f64>,
    // Derived helpers.
    us_born: bool,
    other_foreign: bool,
    returnee: bool,
    noncitizen: bool,
    disabled: bool,
    employed: bool,
}

impl Person {
    fn rural(&self) -> f64 {
        f64::from(u8::from(self.t_loc == 4))
    }
}

/// A **SYNTHETIC** ENOE/census-style survey of Mexico, round 2020, of about `persons`
/// persons. Same as [`mexico_round`]`(persons, Round::Y2020, seed)`.
///
/// # Errors
/// As [`mexico_round`].
pub fn mexico(persons: usize, seed: u64) -> Result<DataFrame, SynthError> {
    mexico_round(persons, Round::Y2020, seed)
}

/// A **SYNTHETIC** person-level survey of Mexico in the style of INEGI's ENOE labour force
/// survey, with the census questions on migration, disability and health affiliation:
/// about `persons` persons (whole households, so the height differs from `persons` by a
/// fraction of a per cent), deterministic from `seed` and `round` (each round draws its
/// own sample from a separate random stream).
///
/// # Design
///
/// The 32 states are the strata (`ent`). The sample is allocated to states in proportion
/// to the square root of their population (a compromise allocation, so weights differ
/// strongly between states, as in ENOE), in households of random size (mean 3.6, INEGI
/// Census 2020), five households per PSU (`upm`). Household weights vary ±10 % within a
/// state by PSU and are post-stratified to the state's population (the national total
/// being the INEGI Census 2020 total), then rounded to whole persons, as ENOE's expansion
/// factor `fac`. All members of a household share its `fac`.
///
/// # Columns
///
/// Questionnaire-like fields keep INEGI's names and codes; analysis-ready flags are in
/// English. Missing values only where stated.
///
/// | column | dtype | meaning |
/// |---|---|---|
/// | `year` | i32 | round (2015 or 2020) |
/// | `ent` | i32 | state 1..=32 (stratum; names from [`mexico_state_names`]) |
/// | `t_loc` | i32 | locality size: 1 = 100,000+, 2 = 15,000–99,999, 3 = 2,500–14,999, 4 = under 2,500 (rural); constant within a PSU |
/// | `upm` | i64 | PSU, globally unique and nested in `ent` (`ent * 1_000_000 + j`) |
/// | `fac` | f64 | expansion factor (whole persons, ≥ 1) |
/// | `folio` | i64 | household id (`upm * 100 + h`) |
/// | `n_ren` | i32 | person number in the household (1 = head) |
/// | `par` | i32 | relationship to head: 1 head, 2 spouse, 3 child, 4 other |
/// | `sex` | i32 | 1 man, 2 woman |
/// | `eda` | i32 | age 0..=95 |
/// | `pais_nac` | str | country of birth, ISO 3166 alpha-3; `"MEX"` for the native-born; `"OTH"` = other countries |
/// | `nacionalidad` | i32 | 1 Mexican, 3 not Mexican |
/// | `res_5a` | i32 | residence five years ago: 1 same state, 2 other state, 3 abroad; **null under age 5** |
/// | `pais_res_5a` | str | country of residence five years ago; **null unless `res_5a = 3`** |
/// | `dis_ver`, `dis_oir`, `dis_caminar`, `dis_recordar`, `dis_banarse`, `dis_hablar` | i32 | Washington Group short set (seeing, hearing, walking, remembering, self-care, communicating): 1 no difficulty, 2 some, 3 a lot, 4 cannot; **null under age 5, for the 0.4 % who skipped the block and 0.25 % item non-response** |
/// | `afiliacion` | str | health-service affiliation: `"imss"`, `"issste"` (federal and state), `"pemex_defensa_marina"`, `"seguro_popular"` (Seguro Popular / INSABI), `"privado"`, `"none"`; **null = not specified (0.8 %)** |
/// | `insured` | i32 | 1 if affiliated to any service, 0 if `"none"`; **null where `afiliacion` is null** |
/// | `attends_school` | i32 | 0/1 (census `ASISTEN`, asked of ages 3+); **null under 3** |
/// | `literate` | i32 | 0/1 can read and write (census `ALFABET`, 15+); **null under 15** |
/// | `in_labour_force` | i32 | 0/1 economically active (ENOE universe 15+); **null under 15** |
/// | `unemployed` | i32 | 0/1; **null unless `in_labour_force = 1`** |
/// | `informal` | i32 | 0/1 informal employment (ENOE `emp_ppal`); **null unless employed** |
/// | `hours` | f64 | weekly hours worked (whole hours 1..=98); **null unless employed** |
/// | `earnings` | f64 | monthly earnings from work, MXN (whole pesos, ENOE `ingocup`); **null unless employed, and for 10 % item non-response among the employed** |
/// | `synthetic` | bool | always `true` |
///
/// Migratory status is derived, as from the census: foreign-born = `pais_nac != 'MEX'`;
/// recent return migrant = born in Mexico and `res_5a = 3`. The US-born are mostly the
/// children of return migrants and most of them are Mexican nationals (by descent).
///
/// # Calibration (expected weighted values; each parameter and its source)
///
/// Round 2020 (full citations under *Sources* below):
/// - population 126,014,024 = sum of `fac` (INEGI Census 2020); state shares *UNVERIFIED*
///   approximations of the Census 2020 state totals;
/// - foreign-born 1,212,252 = 0.962 % of the population (INEGI Census 2020), of whom
///   USA-born 797,266 = 65.8 %; among the rest GTM 56,810 and VEN 52,948 (INEGI Census
///   2020); the rest of the mix is an *assumption*;
/// - US-born who arrived in the last five years 12 % (El Colef, "only about 12 %"); the
///   same share of return households returned in the last five years (*assumption*), which
///   puts natives with `res_5a = 3` at roughly 0.2 %; foreign households arrived in the
///   last five years 35 %, Venezuelan 85 % (*assumption*); other state five years ago
///   3.5 % (*assumption*);
/// - disability (a lot of difficulty or cannot, any WG-SS domain) 4.9 % and some
///   limitation 11.1 % of the population (INEGI Census 2020, "11.1 % / 4.9 %");
/// - health affiliation 73.5 % of the population (INEGI Census 2020, "73.5 % affiliated";
///   the remaining 26.5 % is the unaffiliated plus the 0.8 % not specified); the split
///   among the affiliated approximates the census's IMSS 51 %, ISSSTE 8.8 % (federal 7.7 %
///   and state 1.1 %), Pemex/Defensa/Marina 1.3 %;
/// - school non-attendance ages 6–14 3.0 % and 15–19 35.0 % (*assumption*: a modest
///   improvement on INEGI's Intercensal 2015 figures); ages 3–5 70 %, 20–24 26 %,
///   25–29 7 %, 30+ 1.2 % attending (*assumption*);
/// - illiterate persons 15+: 5,942,009 (INEGI Census 2020, as reported; the share is
///   computed from the sample's weighted population 15+, about 6.4 %);
/// - labour-force participation 15+: men 80.7 %, women 52.3 % (INEGI Census 2020: 75.8 %
///   and 49.0 % of persons 12+, divided by the 12+ population share aged 15+ ≈ 0.935,
///   taking the 12–14 as inactive);
/// - unemployment 15–24 9.0 %, 25+ 3.6 % (*assumption*, COVID year; INEGI gives 8.2 %
///   for 15–24 in 2016 Q1);
/// - informality 55.5 % of the employed (*UNVERIFIED*, unsourced: ENOE TIL1 order of
///   magnitude); median monthly earnings 6,500 MXN (*assumption*).
///
/// Round 2015: population 119,938,473 (*UNVERIFIED*, Intercensal 2015); foreign-born 0.90 %
/// (*assumption*, between the ≈961 thousand of the 2010 census and 2020), 70 % US-born
/// (*assumption*); recent return 20 % (*assumption*: the post-2010 return wave);
/// disability 4.7 %, limitation 10.5 % (*assumption*); affiliation 82.2 % (INEGI,
/// Intercensal 2015); non-attendance 6–14 3.5 % and 15–19 37.3 % (INEGI, Intercensal
/// 2015); illiteracy 7.0 % (*assumption*); participation men 80.0 %, women 48.0 %
/// (*assumption*); unemployment 15–24 8.2 % (INEGI, 2016 Q1) and 25+ 3.2 %
/// (*assumption*); informality 57.5 % (*UNVERIFIED*); median earnings 5,200 MXN
/// (*assumption*).
///
/// Migrant gaps (no published migrant/native splits were found for Mexico: all
/// *assumptions*): the non-US foreign-born are less often insured (log-odds −1.0 in 2015,
/// −0.7 in 2020), their children attend school less (−1.0 → −0.7) and they work more often
/// informally (+0.8 → +0.5), so gaps narrow between rounds; return migrants are less
/// insured and more informal; non-citizens are less insured. Disability lowers
/// attendance and participation and raises illiteracy. Intercepts are solved within each
/// calibration cell so that the expected weighted share equals its target whatever these
/// effects are.
///
/// # Sources
///
/// - INEGI, Censo de Población y Vivienda 2020 (reference date March 2020). Population,
///   sex, foreign-born and countries of birth, median age, limitation and disability,
///   economic participation: as reported at
///   <https://lanetaneta.com/en-mexico-hay-126-millones-014-mil-024-de-habitantes-censo-de-poblacion-y-vivienda-2020/>.
///   Foreign-born in 2010: <https://cadenapolitica.com/2021/02/01/el-censo-2020-mas-alla-de-los-discursos>.
///   Illiterate population and split of the affiliated:
///   <https://cadenapolitica.com/2021/02/08/lo-blanco-y-lo-negro-censo-2020-inegi-parte-2>.
///   Health affiliation 2020 (and 82.2 % in the Intercensal 2015):
///   <https://palabrasclaras.mx/nacional/retrocede-cobertura-en-salud>. Persons per
///   dwelling: <https://imagenpoblana.com/21/01/28/los-resultados-del-censo-2020>.
/// - El Colegio de la Frontera Norte (El Colef), opinion article on the Census 2020
///   foreign-born population: <https://www.colef.mx/opinion/86737/>.
/// - INEGI, "Estadísticas a propósito del Día Mundial de la Población" (school
///   non-attendance, Intercensal 2015; youth unemployment, 2016 Q1):
///   <https://d.documentop.com/download/estadisticas-a-proposito-del-dia-mundial-de-la-poblacion-inegi_59fdbd131723ddacba77c8e5.html>.
///
/// # Errors
/// [`SynthError::TooSmall`] if `persons < 1_000`; [`SynthError::TooLarge`] above 50 million.
pub fn mexico_round(persons: usize, round: Round, seed: u64) -> Result<DataFrame, SynthError> {
    if persons < 1_000 {
        return Err(SynthError::TooSmall {
            what: "persons",
            min: 1_000,
            got: persons,
        });
    }
    if persons > 50_000_000 {
        return Err(SynthError::TooLarge {
            what: "persons",
            max: 50_000_000,
            got: persons,
        });
    }
    let par = params(round);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(round.year() as u64);

    let (mut people, hhs) = skeleton(persons, &par, &mut rng);
    assign_migration(&mut people, &hhs, &par, &mut rng);
    assign_disability(&mut people, &par, &mut rng);
    assign_school_literacy(&mut people, &par, &mut rng);
    assign_work(&mut people, &par, &mut rng);
    assign_health(&mut people, &par, &mut rng);
    build(&people, round)
}

/// Design, households and persons (age, sex, relationship), with calibrated weights.
fn skeleton(persons: usize, par: &Params, rng: &mut ChaCha8Rng) -> (Vec<Person>, Vec<Hh>) {
    let pop_sum: f64 = STATES.iter().map(|s| s.pop_k).sum();
    let state_pop: Vec<f64> = STATES
        .iter()
        .map(|s| s.pop_k / pop_sum * par.total_pop)
        .collect();
    let sqrt_share: Vec<f64> = STATES.iter().map(|s| s.pop_k.sqrt()).collect();
    let min_hh = 2 * HOUSEHOLDS_PER_PSU;
    let households_total =
        ((persons as f64 / PERSONS_PER_HOUSEHOLD).round() as usize).max(min_hh * STATES.len());
    let hh_by_state = allocate(households_total, &sqrt_share, min_hh);

    let size_probs = [0.11, 0.19, 0.21, 0.22, 0.14, 0.07, 0.03, 0.015, 0.01, 0.005];
    let adult_pyramid: Vec<f64> = AGE_PYRAMID
        .iter()
        .enumerate()
        .map(|(g, p)| if g >= 4 { *p } else { 0.0 })
        .collect();

    let mut people: Vec<Person> = Vec::with_capacity(persons + persons / 20);
    let mut hhs: Vec<Hh> = Vec::with_capacity(households_total);
    let mut strata: Vec<usize> = Vec::with_capacity(persons + persons / 20);
    for (s, state) in STATES.iter().enumerate() {
        let n_hh = hh_by_state[s];
        let n_psu = (n_hh / HOUSEHOLDS_PER_PSU).max(2);
        let rural_p = (0.22 - 0.15 * state.dev).clamp(0.03, 0.5);
        for j in 0..n_psu {
            let upm = (s as i64 + 1) * 1_000_000 + j as i64 + 1;
            let t_loc = match pick(rng, &[1.0 - rural_p - 0.28, 0.14, 0.14, rural_p]) {
                k @ 0..=3 => k as i32 + 1,
                _ => 1,
            };
            let psu_eff = 0.35 * normal(rng);
            let psu_w = 1.0 + 0.1 * (2.0 * rng.random::<f64>() - 1.0);
            let n_here = n_hh / n_psu + usize::from(j < n_hh % n_psu);
            for h in 0..n_here {
                let size = pick(rng, &size_probs) + 1;
                let first = people.len();
                let folio = upm * 100 + h as i64 + 1;
                let base = Person {
                    ent: s as i32 + 1,
                    t_loc,
                    upm,
                    w: psu_w,
                    folio,
                    dev: state.dev,
                    psu_eff,
                    pais_nac: "MEX",
                    nacionalidad: 1,
                    ..Person::default()
                };
                // Head.
                let head_age = draw_age(rng, &adult_pyramid).max(18);
                let head_female = bern(rng, 0.33);
                let mut hh = Hh {
                    first,
                    len: size,
                    state: s,
                    has_spouse: false,
                    children18: 0,
                    others: 0,
                    others5: 0,
                };
                people.push(Person {
                    n_ren: 1,
                    par: 1,
                    female: head_female,
                    age: head_age,
                    ..base.clone()
                });
                for k in 2..=size {
                    let (par_code, female, age) = if k == 2 && bern(rng, 0.75) {
                        hh.has_spouse = true;
                        let gap = if head_female { 2.0 } else { -2.0 };
                        let age = (f64::from(head_age) + gap + 4.0 * normal(rng)).round();
                        (2, !head_female, (age as i32).clamp(16, 95))
                    } else if head_age >= 25 && bern(rng, 0.85) {
                        let max_age = (head_age - 17).min(35);
                        (3, bern(rng, 0.49), rng.random_range(0..=max_age))
                    } else {
                        (4, bern(rng, 0.55), draw_age(rng, &AGE_PYRAMID))
                    };
                    if par_code == 3 && age < 18 {
                        hh.children18 += 1;
                    }
                    if par_code != 2 {
                        hh.others += 1;
                        hh.others5 += usize::from(age >= 5);
                    }
                    people.push(Person {
                        n_ren: k as i32,
                        par: par_code,
                        female,
                        age,
                        ..base.clone()
                    });
                }
                strata.extend(std::iter::repeat_n(s, size));
                hhs.push(hh);
            }
        }
    }
    let mut w: Vec<f64> = people.iter().map(|p| p.w).collect();
    poststratify(&mut w, &strata, &state_pop);
    for (p, wi) in people.iter_mut().zip(w) {
        p.w = wi.round().max(1.0);
    }
    (people, hhs)
}

/// Country of birth, nationality and residence five years ago.
fn assign_migration(people: &mut [Person], hhs: &[Hh], par: &Params, rng: &mut ChaCha8Rng) {
    // Household-type probabilities: P(Return) = h_r * ret_s, P(Foreign) = h_f * frg_s, with
    // h_r and h_f solved so that the expected weighted counts of US-born and other
    // foreign-born persons equal their targets.
    const US_CHILD: f64 = 0.55; // children < 18 of return households born in the USA
    const US_HEAD: f64 = 0.15; // foreign households headed by a US-born (retirees)
    const SPOUSE_FOREIGN: f64 = 0.6;
    const OTHER_FOREIGN: f64 = 0.5;
    const US_RECENT: f64 = 0.25; // US-born-headed households that arrived recently
    let w_total: f64 = people.iter().map(|p| p.w).sum();
    let t_us = par.foreign_share * par.us_share_of_foreign * w_total;
    let t_other = par.foreign_share * (1.0 - par.us_share_of_foreign) * w_total;
    let mix_total: f64 = par.other_mix.iter().map(|(_, p)| p).sum();
    let recent_other: f64 = par
        .other_mix
        .iter()
        .map(|(c, p)| {
            p / mix_total
                * if *c == "VEN" {
                    par.recent_ven
                } else {
                    par.recent_foreign
                }
        })
        .sum();
    // Expected foreign-born members of a foreign household, given the recency of arrival.
    let e_f = |hh: &Hh, recent: f64| {
        let young = (hh.others - hh.others5) as f64;
        1.0 + SPOUSE_FOREIGN * f64::from(u8::from(hh.has_spouse))
            + recent * (hh.others5 as f64 + 0.3 * young)
            + (1.0 - recent) * OTHER_FOREIGN * hh.others as f64
    };
    let (mut a_r, mut a_fu, mut a_fo) = (0.0, 0.0, 0.0);
    for hh in hhs {
        let w = people[hh.first].w;
        let st = &STATES[hh.state];
        a_r += w * st.ret * US_CHILD * hh.children18 as f64;
        a_fu += w * st.frg * US_HEAD * e_f(hh, US_RECENT);
        a_fo += w * st.frg * (1.0 - US_HEAD) * e_f(hh, recent_other);
    }
    let h_f = t_other / a_fo.max(f64::MIN_POSITIVE);
    let h_r = ((t_us - h_f * a_fu) / a_r.max(f64::MIN_POSITIVE)).max(0.0);

    let mix: Vec<f64> = par.other_mix.iter().map(|(_, p)| *p).collect();
    for hh in hhs {
        let state = &STATES[hh.state];
        let p_f = (h_f * state.frg).min(0.3);
        let p_r = (h_r * state.ret).min(0.6);
        let u = rng.random::<f64>();
        let kind = if u < p_f {
            HhType::Foreign
        } else if u < p_f + p_r {
            HhType::Return
        } else {
            HhType::Native
        };
        let members = &mut people[hh.first..hh.first + hh.len];
        match kind {
            HhType::Native => {
                for p in members.iter_mut() {
                    if p.age >= 5 {
                        let moved = bern(rng, par.internal5);
                        p.res_5a = Some(if moved { 2 } else { 1 });
                    }
                }
            }
            HhType::Return => {
                let recent = bern(rng, par.recent_return);
                for p in members.iter_mut() {
                    if p.par == 3 && p.age < 18 && bern(rng, US_CHILD) {
                        p.pais_nac = "USA";
                        p.us_born = true;
                        p.nacionalidad = if bern(rng, 0.85) { 1 } else { 3 };
                    }
                    if p.age >= 5 {
                        // Adults and US-born children came back together; Mexican-born
                        // children aged 5+ of a recent return were abroad with them.
                        let abroad = recent && (p.par <= 2 || p.us_born || p.par == 3);
                        if abroad {
                            p.res_5a = Some(3);
                            p.pais_res_5a = Some("USA");
                            p.returnee = !p.us_born;
                        } else {
                            p.res_5a = Some(1);
                        }
                    }
                }
            }
            HhType::Foreign => {
                let country = if bern(rng, US_HEAD) {
                    "USA"
                } else {
                    par.other_mix[pick(rng, &mix)].0
                };
                let p_recent = match country {
                    "VEN" => par.recent_ven,
                    "USA" => US_RECENT,
                    _ => par.recent_foreign,
                };
                let recent = bern(rng, p_recent);
                for p in members.iter_mut() {
                    let foreign_born = match p.par {
                        1 => true,
                        2 => bern(rng, SPOUSE_FOREIGN),
                        _ => {
                            if recent {
                                // Arrived together: everyone 5+ was born abroad.
                                p.age >= 5 || bern(rng, 0.3)
                            } else {
                                bern(rng, OTHER_FOREIGN)
                            }
                        }
                    };
                    if foreign_born {
                        p.pais_nac = country;
                        if country == "USA" {
                            p.us_born = true;
                            p.nacionalidad = if bern(rng, 0.1) { 1 } else { 3 };
                        } else {
                            p.other_foreign = true;
                            let lp = -1.6 + 0.04 * f64::from(p.age - 30)
                                - if recent { 1.5 } else { 0.0 };
                            p.nacionalidad = if bern(rng, logistic(lp)) { 1 } else { 3 };
                        }
                    }
                    if p.age >= 5 {
                        if recent {
                            p.res_5a = Some(3);
                            p.pais_res_5a = Some(country);
                            p.returnee = !foreign_born;
                        } else {
                            p.res_5a = Some(if bern(rng, par.internal5) { 2 } else { 1 });
                        }
                    }
                }
            }
        }
        for p in members.iter_mut() {
            p.noncitizen = p.nacionalidad == 3;
        }
    }
}

/// WG-SS items (ages 5+), calibrated to the disability and limitation shares.
fn assign_disability(people: &mut [Person], par: &Params, rng: &mut ChaCha8Rng) {
    let w_all: f64 = people.iter().map(|p| p.w).sum();
    let idx5: Vec<usize> = (0..people.len()).filter(|&i| people[i].age >= 5).collect();
    let w5: Vec<f64> = idx5.iter().map(|&i| people[i].w).collect();
    let w5_sum: f64 = w5.iter().sum();
    let eta: Vec<f64> = idx5
        .iter()
        .map(|&i| {
            let p = &people[i];
            let a = f64::from(p.age);
            0.045 * (a - 40.0) + 0.0008 * (a - 60.0).max(0.0).powi(2)
                - 0.25 * f64::from(u8::from(p.other_foreign))
                + 0.15 * p.rural()
        })
        .collect();
    let dis = draw_calibrated(rng, &eta, &w5, (par.disability * w_all / w5_sum).min(0.9));
    for (&i, d) in idx5.iter().zip(&dis) {
        people[i].disabled = *d;
    }
    // Some limitation (level 2 only) among the others aged 5+.
    let rest: Vec<usize> = idx5
        .iter()
        .copied()
        .filter(|&i| !people[i].disabled)
        .collect();
    let wr: Vec<f64> = rest.iter().map(|&i| people[i].w).collect();
    let wr_sum: f64 = wr.iter().sum();
    let eta: Vec<f64> = rest
        .iter()
        .map(|&i| 0.03 * (f64::from(people[i].age) - 40.0))
        .collect();
    let lim = draw_calibrated(rng, &eta, &wr, (par.limitation * w_all / wr_sum).min(0.9));
    let mut limited = vec![false; people.len()];
    for (&i, l) in rest.iter().zip(&lim) {
        limited[i] = *l;
    }
    for &i in &idx5 {
        let p = &mut people[i];
        let dom_p: [f64; 6] = match p.age {
            ..=17 => [0.25, 0.10, 0.15, 0.25, 0.10, 0.15],
            18..=59 => [0.35, 0.10, 0.30, 0.12, 0.06, 0.07],
            _ => [0.30, 0.15, 0.40, 0.08, 0.05, 0.02],
        };
        let mut items = [1i32; 6];
        if p.disabled {
            let d = pick(rng, &dom_p);
            items[d] = if bern(rng, 0.28) { 4 } else { 3 };
            for (k, item) in items.iter_mut().enumerate() {
                if k != d && bern(rng, 0.12) {
                    *item = if bern(rng, 0.5) { 2 } else { 3 };
                }
            }
        } else if limited[i] {
            let d = pick(rng, &dom_p);
            items[d] = 2;
            if bern(rng, 0.25) {
                items[pick(rng, &dom_p)] = 2;
            }
        }
        let skipped = bern(rng, 0.004);
        for (k, item) in items.iter().enumerate() {
            p.wg[k] = if skipped || bern(rng, 0.0025) {
                None
            } else {
                Some(*item)
            };
        }
    }
}

/// School attendance (3+) and literacy (15+).
fn assign_school_literacy(people: &mut [Person], par: &Params, rng: &mut ChaCha8Rng) {
    // Attendance cells: 3-5, 6-14, 15-19, 20-24, 25-29, 30+.
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
                slope + par.gap_foreign_school * f64::from(u8::from(p.other_foreign))
                    - 0.4 * f64::from(u8::from(p.us_born))
                    - 1.6 * f64::from(u8::from(p.disabled))
                    - 0.45 * p.rural()
                    + 0.35 * p.dev
                    + 0.5 * p.psu_eff
            })
            .collect();
        let draws = draw_calibrated(rng, &eta, &w, par.attend[c]);
        for (&i, d) in idx.iter().zip(draws) {
            people[i].school = Some(i32::from(d));
        }
    }
    // Literacy, 15+.
    let idx: Vec<usize> = (0..people.len()).filter(|&i| people[i].age >= 15).collect();
    let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
    let w_sum: f64 = w.iter().sum();
    let target = match par.illiterate {
        Illiterate::Count(n) => n / w_sum,
        Illiterate::Share(s) => s,
    };
    let eta: Vec<f64> = idx
        .iter()
        .map(|&i| {
            let p = &people[i];
            0.05 * f64::from(p.age - 45) + 0.3 * f64::from(u8::from(p.female)) + 1.0 * p.rural()
                - 0.9 * p.dev
                + 1.2 * f64::from(u8::from(p.disabled))
                - 0.5 * f64::from(u8::from(p.other_foreign))
                + 0.5 * p.psu_eff
        })
        .collect();
    let illiterate = draw_calibrated(rng, &eta, &w, target.min(0.9));
    for (&i, d) in idx.iter().zip(illiterate) {
        people[i].literate = Some(i32::from(!d));
    }
}

/// Labour force, unemployment, informality, hours and earnings (15+).
fn assign_work(people: &mut [Person], par: &Params, rng: &mut ChaCha8Rng) {
    let b = |x: bool| f64::from(u8::from(x));
    // Participation by sex.
    for female in [false, true] {
        let idx: Vec<usize> = (0..people.len())
            .filter(|&i| people[i].age >= 15 && people[i].female == female)
            .collect();
        let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
        let eta: Vec<f64> = idx
            .iter()
            .map(|&i| {
                let p = &people[i];
                let age = match p.age {
                    15..=19 => -1.6,
                    20..=24 => -0.3,
                    25..=54 => 0.5,
                    55..=64 => -0.3,
                    _ => -1.6,
                };
                age - 1.2 * b(p.disabled) - 1.0 * b(p.school == Some(1))
                    + if female {
                        -0.3 * p.rural()
                    } else {
                        0.3 * b(p.other_foreign)
                    }
                    + 0.2 * b(p.returnee)
            })
            .collect();
        let target = if female { par.lf_women } else { par.lf_men };
        let draws = draw_calibrated(rng, &eta, &w, target);
        for (&i, d) in idx.iter().zip(draws) {
            people[i].in_lf = Some(i32::from(d));
        }
    }
    // Unemployment by age cell.
    for youth in [true, false] {
        let idx: Vec<usize> = (0..people.len())
            .filter(|&i| people[i].in_lf == Some(1) && (people[i].age <= 24) == youth)
            .collect();
        let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
        let eta: Vec<f64> = idx
            .iter()
            .map(|&i| {
                let p = &people[i];
                0.4 * b(p.other_foreign)
                    + 0.3 * b(p.returnee)
                    + 0.2 * b(p.us_born)
                    + 0.5 * b(p.disabled)
                    - 0.2 * p.dev
                    + 0.3 * b(p.female)
                    + 0.5 * p.psu_eff
            })
            .collect();
        let target = if youth {
            par.unemp_youth
        } else {
            par.unemp_adult
        };
        let draws = draw_calibrated(rng, &eta, &w, target);
        for (&i, d) in idx.iter().zip(draws) {
            people[i].unemployed = Some(i32::from(d));
            people[i].employed = !d;
        }
    }
    // Informality among the employed.
    let idx: Vec<usize> = (0..people.len()).filter(|&i| people[i].employed).collect();
    let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
    let eta: Vec<f64> = idx
        .iter()
        .map(|&i| {
            let p = &people[i];
            let age = match p.age {
                15..=24 => 0.6,
                65.. => 1.0,
                _ => 0.0,
            };
            age + par.gap_foreign_informal * b(p.other_foreign)
                + 0.2 * b(p.us_born)
                + 0.5 * b(p.returnee)
                + 0.3 * b(p.noncitizen)
                + 1.0 * p.rural()
                - 0.9 * p.dev
                + 0.15 * b(p.female)
                + 0.4 * b(p.disabled)
                + p.psu_eff
        })
        .collect();
    let draws = draw_calibrated(rng, &eta, &w, par.informal);
    for (&i, d) in idx.iter().zip(draws) {
        people[i].informal = Some(i32::from(d));
    }
    // Hours and earnings.
    let ln_median = par.earnings_median.ln();
    for p in people.iter_mut().filter(|p| p.employed) {
        let informal = p.informal == Some(1);
        let mean = if p.female { 38.0 } else { 45.0 } - if informal { 4.0 } else { 0.0 };
        let sd = if informal { 15.0 } else { 10.0 };
        let hours = (mean + sd * normal(rng)).round().clamp(1.0, 98.0);
        p.hours = Some(hours);
        let age = match p.age {
            15..=24 => -0.3,
            25..=54 => 0.05,
            _ => -0.1,
        };
        let mu = ln_median + 0.35 * p.dev - 0.6 * b(informal) - 0.15 * b(p.female)
            + 0.4 * (hours / 42.0).ln()
            - 0.25 * p.rural()
            + age
            + 0.25 * b(p.us_born)
            + 0.3 * p.psu_eff;
        let earnings = (mu + 0.65 * normal(rng)).exp().round();
        let nonresponse = bern(rng, if informal { 0.12 } else { 0.08 });
        p.earnings = (!nonresponse).then_some(earnings);
    }
    // The in_lf flag of persons under 15 stays None (ENOE universe 15+).
}

/// Health-service affiliation (everyone).
fn assign_health(people: &mut [Person], par: &Params, rng: &mut ChaCha8Rng) {
    let b = |x: bool| f64::from(u8::from(x));
    const NOT_SPECIFIED: f64 = 0.008;
    let answered: Vec<bool> = people.iter().map(|_| !bern(rng, NOT_SPECIFIED)).collect();
    let idx: Vec<usize> = (0..people.len()).filter(|&i| answered[i]).collect();
    let w: Vec<f64> = idx.iter().map(|&i| people[i].w).collect();
    let eta: Vec<f64> = idx
        .iter()
        .map(|&i| {
            let p = &people[i];
            let job = if p.employed {
                if p.informal == Some(1) { -0.7 } else { 2.6 }
            } else {
                0.0
            };
            let age = match p.age {
                ..=14 => 0.2,
                65.. => 0.7,
                _ => 0.0,
            };
            job + age + par.gap_foreign_insured * b(p.other_foreign)
                - 0.5 * b(p.noncitizen)
                - 0.5 * b(p.us_born)
                - 0.6 * b(p.returnee)
                + 0.4 * p.dev
                - 0.2 * p.rural()
                + p.psu_eff
        })
        .collect();
    let target = (par.affiliated / (1.0 - NOT_SPECIFIED)).min(0.999);
    let draws = draw_calibrated(rng, &eta, &w, target);
    for (&i, insured) in idx.iter().zip(draws) {
        let p = &mut people[i];
        p.insured = Some(i32::from(insured));
        p.afiliacion = Some(if !insured {
            "none"
        } else if p.employed && p.informal == Some(0) {
            ["imss", "issste", "pemex_defensa_marina"][pick(rng, &[0.85, 0.12, 0.03])]
        } else {
            [
                "imss",
                "issste",
                "pemex_defensa_marina",
                "seguro_popular",
                "privado",
            ][pick(rng, &[0.45, 0.07, 0.01, 0.44, 0.03])]
        });
    }
}

fn build(people: &[Person], round: Round) -> Result<DataFrame, SynthError> {
    let n = people.len();
    let i32s = |f: fn(&Person) -> i32| people.iter().map(f).collect::<Vec<i32>>();
    let opt_i32 = |f: fn(&Person) -> Option<i32>| people.iter().map(f).collect::<Vec<_>>();
    let wg_names = [
        "dis_ver",
        "dis_oir",
        "dis_caminar",
        "dis_recordar",
        "dis_banarse",
        "dis_hablar",
    ];
    let mut cols = vec![
        col_year(round.year(), n),
        col_i32("ent", i32s(|p| p.ent)),
        col_i32("t_loc", i32s(|p| p.t_loc)),
        col_i64("upm", people.iter().map(|p| p.upm).collect()),
        col_f64("fac", people.iter().map(|p| p.w).collect()),
        col_i64("folio", people.iter().map(|p| p.folio).collect()),
        col_i32("n_ren", i32s(|p| p.n_ren)),
        col_i32("par", i32s(|p| p.par)),
        col_i32("sex", i32s(|p| if p.female { 2 } else { 1 })),
        col_i32("eda", i32s(|p| p.age)),
        col_str("pais_nac", people.iter().map(|p| p.pais_nac)),
        col_i32("nacionalidad", i32s(|p| p.nacionalidad)),
        col_i32_opt("res_5a", &opt_i32(|p| p.res_5a)),
        col_str_opt("pais_res_5a", people.iter().map(|p| p.pais_res_5a)),
    ];
    for (k, name) in wg_names.iter().enumerate() {
        let v: Vec<Option<i32>> = people.iter().map(|p| p.wg[k]).collect();
        cols.push(col_i32_opt(name, &v));
    }
    cols.extend([
        col_str_opt("afiliacion", people.iter().map(|p| p.afiliacion)),
        col_i32_opt("insured", &opt_i32(|p| p.insured)),
        col_i32_opt("attends_school", &opt_i32(|p| p.school)),
        col_i32_opt("literate", &opt_i32(|p| p.literate)),
        col_i32_opt("in_labour_force", &opt_i32(|p| p.in_lf)),
        col_i32_opt("unemployed", &opt_i32(|p| p.unemployed)),
        col_i32_opt("informal", &opt_i32(|p| p.informal)),
        col_f64_opt("hours", &people.iter().map(|p| p.hours).collect::<Vec<_>>()),
        col_f64_opt(
            "earnings",
            &people.iter().map(|p| p.earnings).collect::<Vec<_>>(),
        ),
    ]);
    frame(cols, n)
}
