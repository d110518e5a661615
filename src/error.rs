//! One error type for the library. Messages are written for the person using the app:
//! they say what was wrong and, where it helps, what to do. Patient data never appears in them.

use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, Error)]
pub enum Error {
    /// The bytes are not in a format we recognise at all.
    #[error("unrecognised file format: {0}")]
    UnknownFormat(String),
    /// The file is in a known format but is malformed or inconsistent.
    #[error("invalid {format} file: {reason}")]
    Invalid {
        format: &'static str,
        reason: String,
    },
    /// The file is valid but uses something we do not support.
    #[error("unsupported {format} feature: {reason}")]
    Unsupported {
        format: &'static str,
        reason: String,
    },
    /// Decoding would need more memory than the budget allows.
    #[error("volume too large: needs {needed_mb} MB, the limit is {limit_mb} MB")]
    TooLarge { needed_mb: u64, limit_mb: u64 },
    /// A model or model card could not be loaded or run.
    #[error("model error: {0}")]
    Model(String),
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn invalid(format: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            format,
            reason: reason.into(),
        }
    }
    pub fn unsupported(format: &'static str, reason: impl Into<String>) -> Self {
        Error::Unsupported {
            format,
            reason: reason.into(),
        }
    }
}
