//! Model cards, preprocessing (HU windows → tensors) and inference plans.
//!
//! The card (`card`) says how a model was trained and how to feed it; `preprocess` is the one
//! Rust implementation of the card's preprocessing (mirrored by `models/train/preprocess.py`);
//! `plan` (feature `inference`) loads an ONNX file with tract and runs one slice.

pub mod card;
#[cfg(feature = "inference")]
pub mod integrity;
#[cfg(feature = "inference")]
pub mod plan;
pub mod preprocess;
pub mod shipped;
pub mod test_vector;
#[cfg(feature = "inference")]
pub mod validate;

pub use card::{AnalysisCard, ModelCard, ModelRole, Preprocessing};
