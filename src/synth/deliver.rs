//! A generated pilot round written as a statistics office delivers it: the questionnaire's
//! raw codes (sex 1/2, age in years, country of birth and citizenship codes, the
//! Washington Group short-set answers 1–4, the labour-force items), never the derived
//! groups, in a labelled Stata `.dta` or SPSS `.sav` file (value labels on the coded
//! variables) or in a CSV text file as national offices export it.
//!
//! | round | Mexico (ENOE style) | Tunisia (HIMS style) |
//! |---|---|---|
//! | 2015 | `enoe_2015.csv`: `;` separator, decimal comma, Latin-1, with the state's name in `nom_ent` | `hims_2015.csv`: `,` separator, decimal point, UTF-8 |
//! | 2020 | `enoe_2020.dta`: Stata 118 with value labels | `hims_2020.sav`: SPSS with value labels |
//!
//! Every file is **SYNTHETIC**: its column `synthetic` holds `1` on every row (labelled
//! "SYNTHETIC data" in the labelled files). In the Tunisia files the survey's migrant
//! status is the code `migrant_status` (1 non-migrant, 2 return migrant, 3 foreign
//! resident, 4 Tunisian born abroad, as [`TUNISIA_MIGRANT_STATUS_CODES`]); the pilot's project file turns it back
//! into the catalogue's groups.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

use super::{Round, SYNTHETIC_COLUMN, SynthError, mexico_state_names, tunisia_governorate_names};

/// How a round file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// A Stata `.dta` file (version 118) with value labels.
    Stata,
    /// An SPSS `.sav` file with value labels.
    Spss,
    /// CSV text.
    Csv {
        /// The field separator.
        separator: u8,
        /// Numbers written with a decimal comma (`12,5`).
        decimal_comma: bool,
        /// Text encoded as ISO-8859-1 (Latin-1) instead of UTF-8.
        latin1: bool,
    },
}

/// A pilot country's delivery: which file each round is written to and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundFile {
    /// The round.
    pub round: Round,
    /// The file name.
    pub name: &'static str,
    /// How it is written.
    pub delivery: Delivery,
}

/// The round files of the Mexico pilot: 2015 as an INEGI-style CSV (`;`, decimal comma,
/// Latin-1), 2020 as a labelled Stata file.
pub const MEXICO_ROUND_FILES: [RoundFile; 2] = [
    RoundFile {
        round: Round::Y2015,
        name: "enoe_2015.csv",
        delivery: Delivery::Csv {
            separator: b';',
            decimal_comma: true,
            latin1: true,
        },
    },
    RoundFile {
        round: Round::Y2020,
        name: "enoe_2020.dta",
        delivery: Delivery::Stata,
    },
];

/// The round files of the Tunisia pilot: 2015 as a UTF-8 CSV, 2020 as a labelled SPSS file.
pub const TUNISIA_ROUND_FILES: [RoundFile; 2] = [
    RoundFile {
        round: Round::Y2015,
        name: "hims_2015.csv",
        delivery: Delivery::Csv {
            separator: b',',
            decimal_comma: false,
            latin1: false,
        },
    },
    RoundFile {
        round: Round::Y2020,
        name: "hims_2020.sav",
        delivery: Delivery::Spss,
    },
];

/// The codes of Tunisia's `migrant_status` in the delivered files, with the generator's
/// group each stands for.
pub const TUNISIA_MIGRANT_STATUS_CODES: [(i32, &str); 4] = [
    (1, "non_migrant"),
    (2, "return_migrant"),
    (3, "foreign_resident"),
    (4, "born_abroad_tunisian"),
];

/// Value labels of a delivered file: column → code → label.
pub type ValueLabels = BTreeMap<String, BTreeMap<i32, String>>;

fn labels_of(pairs: &[(i32, &str)]) -> BTreeMap<i32, String> {
    pairs.iter().map(|(c, l)| (*c, (*l).to_string())).collect()
}

fn yes_no() -> BTreeMap<i32, String> {
    labels_of(&[(0, "No"), (1, "Sí")])
}

/// The value labels of the Mexico files (INEGI's wording, in Spanish).
pub fn mexico_value_labels() -> ValueLabels {
    let mut m = ValueLabels::new();
    m.insert(
        "ent".into(),
        mexico_state_names()
            .iter()
            .enumerate()
            .map(|(i, n)| (i as i32 + 1, (*n).to_string()))
            .collect(),
    );
    m.insert(
        "t_loc".into(),
        labels_of(&[
            (1, "100 000 y más habitantes"),
            (2, "15 000 a 99 999 habitantes"),
            (3, "2 500 a 14 999 habitantes"),
            (4, "Menos de 2 500 habitantes"),
        ]),
    );
    m.insert(
        "par".into(),
        labels_of(&[(1, "Jefe(a)"), (2, "Cónyuge"), (3, "Hijo(a)"), (4, "Otro")]),
    );
    m.insert("sex".into(), labels_of(&[(1, "Hombre"), (2, "Mujer")]));
    m.insert("eda".into(), labels_of(&[(99, "No especificado")]));
    m.insert(
        "nacionalidad".into(),
        labels_of(&[(1, "Mexicana"), (3, "No mexicana")]),
    );
    m.insert(
        "res_5a".into(),
        labels_of(&[
            (1, "En la misma entidad"),
            (2, "En otra entidad"),
            (3, "En otro país"),
        ]),
    );
    let wg = labels_of(&[
        (1, "No tiene dificultad"),
        (2, "Lo hace con poca dificultad"),
        (3, "Lo hace con mucha dificultad"),
        (4, "No puede hacerlo"),
    ]);
    for c in [
        "dis_ver",
        "dis_oir",
        "dis_caminar",
        "dis_recordar",
        "dis_banarse",
        "dis_hablar",
    ] {
        m.insert(c.into(), wg.clone());
    }
    for c in [
        "insured",
        "attends_school",
        "literate",
        "in_labour_force",
        "unemployed",
        "informal",
    ] {
        m.insert(c.into(), yes_no());
    }
    m.insert(
        SYNTHETIC_COLUMN.into(),
        labels_of(&[(1, "SYNTHETIC data: not real survey responses")]),
    );
    m
}

/// The value labels of the Tunisia files (INS's wording, in French).
pub fn tunisia_value_labels() -> ValueLabels {
    let mut m = ValueLabels::new();
    m.insert(
        "governorate".into(),
        tunisia_governorate_names()
            .iter()
            .enumerate()
            .map(|(i, n)| (i as i32 + 1, (*n).to_string()))
            .collect(),
    );
    m.insert(
        "region".into(),
        labels_of(&[
            (1, "Grand Tunis"),
            (2, "Nord-Est"),
            (3, "Nord-Ouest"),
            (4, "Centre-Est"),
            (5, "Centre-Ouest"),
            (6, "Sud-Est"),
            (7, "Sud-Ouest"),
        ]),
    );
    m.insert(
        "urban".into(),
        labels_of(&[(0, "Non communal"), (1, "Communal")]),
    );
    m.insert(
        "relationship".into(),
        labels_of(&[(1, "Chef"), (2, "Conjoint(e)"), (3, "Enfant"), (4, "Autre")]),
    );
    m.insert("sex".into(), labels_of(&[(1, "Masculin"), (2, "Féminin")]));
    m.insert(
        "citizenship".into(),
        labels_of(&[(1, "Tunisienne"), (2, "Étrangère")]),
    );
    m.insert(
        "migrant_status".into(),
        labels_of(&[
            (1, "Non-migrant"),
            (2, "Migrant de retour"),
            (3, "Résident étranger"),
            (4, "Tunisien né à l'étranger"),
        ]),
    );
    let wg = labels_of(&[
        (1, "Aucune difficulté"),
        (2, "Quelques difficultés"),
        (3, "Beaucoup de difficultés"),
        (4, "Ne peut pas du tout"),
    ]);
    for c in [
        "wg_seeing",
        "wg_hearing",
        "wg_mobility",
        "wg_cognition",
        "wg_selfcare",
        "wg_communication",
    ] {
        m.insert(c.into(), wg.clone());
    }
    let oui_non = labels_of(&[(0, "Non"), (1, "Oui")]);
    for c in [
        "involuntary_return",
        "intends_reemigrate",
        "intends_emigrate",
        "insured",
        "attends_school",
        "literate",
        "in_labour_force",
        "unemployed",
        "informal",
    ] {
        m.insert(c.into(), oui_non.clone());
    }
    m.insert(
        SYNTHETIC_COLUMN.into(),
        labels_of(&[(1, "Données SYNTHÉTIQUES : pas de vraies réponses")]),
    );
    m
}

/// A generated Mexico round as delivered: the generator's coded columns, the `synthetic`
/// marker as the code 1, and (with `state_names`) the state's name in `nom_ent` after `ent`.
pub fn mexico_delivery_frame(df: &DataFrame, state_names: bool) -> Result<DataFrame, SynthError> {
    let mut out = marker_as_code(df)?;
    if state_names {
        let names = mexico_state_names();
        let ent = out.column("ent")?.cast(&DataType::Int32)?;
        let text: Vec<Option<&str>> = ent
            .i32()?
            .iter()
            .map(|e| e.and_then(|e| names.get(usize::try_from(e - 1).ok()?).copied()))
            .collect();
        let at = out.get_column_index("ent").map_or(0, |i| i + 1);
        out.insert_column(at, Column::new("nom_ent".into(), text))?;
    }
    Ok(out)
}

/// A generated Tunisia round as delivered: `migrant_status` as its code
/// ([`TUNISIA_MIGRANT_STATUS_CODES`]) and the `synthetic` marker as the code 1.
///
/// # Errors
/// [`SynthError::Uncoded`] when the generator gives a status that has no code.
pub fn tunisia_delivery_frame(df: &DataFrame) -> Result<DataFrame, SynthError> {
    let mut out = marker_as_code(df)?;
    let status = out.column("migrant_status")?.cast(&DataType::String)?;
    let mut codes = Vec::with_capacity(status.len());
    for (row, v) in status.str()?.iter().enumerate() {
        codes.push(match v {
            None => None,
            Some(v) => Some(
                TUNISIA_MIGRANT_STATUS_CODES
                    .iter()
                    .find(|(_, l)| *l == v)
                    .map(|(c, _)| *c)
                    .ok_or_else(|| SynthError::Uncoded {
                        column: "migrant_status".into(),
                        row,
                        value: v.to_string(),
                    })?,
            ),
        });
    }
    out.with_column(Column::new("migrant_status".into(), codes))?;
    Ok(out)
}

/// The Boolean marker column as the integer code 1 (labelled files and CSV have no Booleans).
fn marker_as_code(df: &DataFrame) -> Result<DataFrame, SynthError> {
    let mut out = df.clone();
    if let Ok(c) = df.column(SYNTHETIC_COLUMN) {
        out.with_column(c.cast(&DataType::Int32)?)?;
    }
    Ok(out)
}

/// Writes a delivered frame to `path` as `delivery` says, with `labels` in labelled files.
///
/// # Errors
/// [`SynthError::Io`] when the file cannot be written, [`SynthError::Write`] when the
/// writer refuses the frame, [`SynthError::Uncoded`] for text that Latin-1 cannot hold.
pub fn write_delivery(
    df: &DataFrame,
    labels: &ValueLabels,
    delivery: Delivery,
    path: &Path,
) -> Result<(), SynthError> {
    let failed = |message: String| SynthError::Write {
        path: path.to_path_buf(),
        message,
    };
    let present = |c: &String| df.column(c).is_ok();
    match delivery {
        Delivery::Stata => {
            use polars_readstat_rs::stata::writer::StataWriter;
            let labels: std::collections::HashMap<String, BTreeMap<i32, String>> = labels
                .iter()
                .filter(|(c, _)| present(c))
                .map(|(c, m)| (c.clone(), m.clone()))
                .collect();
            StataWriter::new(path)
                .with_value_labels(labels)
                .write_df(df)
                .map_err(|e| failed(e.to_string()))
        }
        Delivery::Spss => {
            use polars_readstat_rs::spss::writer::{SpssValueLabelKey, SpssWriter};
            let labels = labels
                .iter()
                .filter(|(c, _)| present(c))
                .map(|(c, m)| {
                    (
                        c.clone(),
                        m.iter()
                            .map(|(k, v)| (SpssValueLabelKey::from(f64::from(*k)), v.clone()))
                            .collect(),
                    )
                })
                .collect();
            SpssWriter::new(path)
                .with_value_labels(labels)
                .write_df(df)
                .map_err(|e| failed(e.to_string()))
        }
        Delivery::Csv {
            separator,
            decimal_comma,
            latin1,
        } => {
            let mut buf = Vec::new();
            let mut d = df.clone();
            CsvWriter::new(&mut buf)
                .include_header(true)
                .with_separator(separator)
                .with_decimal_comma(decimal_comma)
                .finish(&mut d)
                .map_err(|e| failed(e.to_string()))?;
            let bytes = if latin1 { to_latin1(&buf, path)? } else { buf };
            std::fs::write(path, bytes).map_err(|source| SynthError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    }
}

/// UTF-8 text as ISO-8859-1 bytes.
fn to_latin1(utf8: &[u8], path: &Path) -> Result<Vec<u8>, SynthError> {
    let text = std::str::from_utf8(utf8).map_err(|e| SynthError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut out = Vec::with_capacity(text.len());
    for (row, line) in text.split_inclusive('\n').enumerate() {
        for ch in line.chars() {
            let b = u8::try_from(u32::from(ch)).map_err(|_| SynthError::Uncoded {
                column: path.display().to_string(),
                row,
                value: ch.to_string(),
            })?;
            out.push(b);
        }
    }
    Ok(out)
}
