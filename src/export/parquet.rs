//! Parquet writing with provenance metadata.

use std::path::Path;

use polars::prelude::{KeyValueMetadata, ParquetWriter};

use super::{ExportError, output_frame, write_bytes};
use crate::results::Results;

/// Writes the `indicators` table of `results` to `path` as Parquet (polars' writer, the
/// table's own column types), with these keys in the file's key-value metadata:
///
/// | key | value |
/// |---|---|
/// | `hri.table` | `indicators` |
/// | `hri.catalogue`, `hri.catalogue_version` | the catalogue's name and version |
/// | `hri.ref_area`, `hri.time_period` | country and round |
/// | `hri.ci`, `hri.level` | interval method and confidence level |
/// | `hri.quality_policy` | name of the quality policy |
/// | `hri.synthetic` | [`SYNTHETIC_NOTICE`](crate::framework::SYNTHETIC_NOTICE), only with `synthetic` |
///
/// With `synthetic`, the table also gets a last column `synthetic` = `true`.
///
/// # Errors
/// [`ExportError::Polars`] if polars cannot encode the table; [`ExportError::Write`] if the
/// file cannot be written.
pub fn write_parquet(
    results: &Results,
    path: impl AsRef<Path>,
    synthetic: bool,
) -> Result<(), ExportError> {
    let path = path.as_ref();
    let mut df = output_frame(results, synthetic, path)?;
    let meta = results.meta();
    let mut kv = vec![
        ("hri.table".to_string(), "indicators".to_string()),
        ("hri.catalogue".to_string(), meta.catalogue.clone()),
        (
            "hri.catalogue_version".to_string(),
            meta.catalogue_version.clone(),
        ),
        ("hri.ref_area".to_string(), meta.ref_area.clone()),
        ("hri.time_period".to_string(), meta.time_period.clone()),
        (
            "hri.ci".to_string(),
            format!("{:?}", meta.ci).to_lowercase(),
        ),
        ("hri.level".to_string(), format!("{}", meta.level)),
        (
            "hri.quality_policy".to_string(),
            meta.quality_policy.clone(),
        ),
    ];
    if synthetic {
        kv.push((
            "hri.synthetic".to_string(),
            crate::framework::SYNTHETIC_NOTICE.to_string(),
        ));
    }
    // Encode in memory, then write: a failed encoding leaves no partial file behind.
    let mut buffer: Vec<u8> = Vec::new();
    ParquetWriter::new(&mut buffer)
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(kv)))
        .finish(&mut df)
        .map_err(|source| ExportError::Polars {
            path: path.to_path_buf(),
            source,
        })?;
    write_bytes(path, &buffer)
}
