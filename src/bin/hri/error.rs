//! The program's error: every library error stays typed up to `main`, which prints it and
//! exits with a status that says which kind of failure it was ([`CliError::exit_code`]).

use hri::catalogue::CatalogueError;
use hri::export::ExportError;
use hri::pilot::PilotError;
use hri::pipeline::PipelineError;
use hri::project::ProjectError;
use hri::structural::RegisterError;

/// What went wrong in a run of the program.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The arguments do not fit together (clap checks their syntax before this).
    #[error("{0}")]
    Usage(String),
    /// A catalogue, with the file it came from.
    #[error("catalogue {path}: {source}")]
    Catalogue {
        /// The catalogue file.
        path: String,
        /// The catalogue's error.
        #[source]
        source: CatalogueError,
    },
    /// A catalogue that loads but breaks validation rules, with every problem listed.
    #[error("catalogue {path} has {count} problem(s):\n{report}")]
    InvalidCatalogue {
        /// The catalogue file.
        path: String,
        /// How many problems.
        count: usize,
        /// The validation report, one problem a line.
        report: String,
    },
    /// A country register, with the file it came from.
    #[error("register {path}: {source}")]
    Register {
        /// The register file.
        path: String,
        /// The register's error.
        #[source]
        source: RegisterError,
    },
    /// Any other library error, typed by layer (boxed: it is large, and errors are rare).
    #[error(transparent)]
    Hri(Box<hri::Error>),
    /// Standard output could not be written.
    #[error("cannot write to standard output: {0}")]
    Output(#[source] std::io::Error),
}

impl CliError {
    /// The exit status for this failure (documented in `hri --help`):
    /// 2 usage, 3 data or design, 4 catalogue or register, 5 computation, 6 writing.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Catalogue { .. }
            | CliError::InvalidCatalogue { .. }
            | CliError::Register { .. } => 4,
            CliError::Output(_) => 6,
            CliError::Hri(e) => match e.as_ref() {
                hri::Error::Survey(
                    hri_survey::Error::InvalidRequest(_) | hri_survey::Error::NotMergeable { .. },
                ) => 2,
                hri::Error::Survey(_) | hri::Error::Io { .. } => 3,
                hri::Error::Catalogue(_) | hri::Error::Register(_) => 4,
                hri::Error::Export(_) => 6,
                hri::Error::Pipeline(PipelineError::NotStreamable { .. }) => 2,
                hri::Error::Pipeline(PipelineError::Estimation(_))
                | hri::Error::Pipeline(PipelineError::Polars(_)) => 3,
                hri::Error::Pilot(PilotError::Export(_)) => 6,
                hri::Error::Source(_) => 3,
                hri::Error::Project(p) => match p {
                    ProjectError::Catalogue { .. } | ProjectError::Register { .. } => 4,
                    ProjectError::Export(_) | ProjectError::Io { .. } => 6,
                    ProjectError::Parse { .. }
                    | ProjectError::Invalid { .. }
                    | ProjectError::NotStreamable { .. } => 2,
                    ProjectError::Derive { .. } => 5,
                    ProjectError::Pipeline { source, .. }
                        if matches!(**source, PipelineError::InvalidCatalogue(_)) =>
                    {
                        4
                    }
                    _ => 3,
                },
                _ => 5,
            },
        }
    }
}

/// Library errors become [`CliError::Hri`], whichever layer raised them.
macro_rules! from_library_error {
    ($($error:ty),*) => {$(
        impl From<$error> for CliError {
            fn from(e: $error) -> Self {
                CliError::Hri(Box::new(e.into()))
            }
        }
    )*};
}

from_library_error!(
    hri::Error,
    hri_survey::Error,
    PipelineError,
    ExportError,
    PilotError,
    ProjectError
);

/// Result alias of the program's functions.
pub type Result<T> = std::result::Result<T, CliError>;
