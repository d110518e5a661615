//! Datasets: a manifest listing cases (image, optional ground truth) and the comparison of an
//! analysis with the ground truth (Dice per subtype, slice agreement, per-case correctness).
//!
//! Shared by the page's gallery and `hemoscope evaluate <manifest.json>`, so both give the same
//! figures for the same case.

pub mod comparison;
pub mod demo;
pub mod manifest;
pub mod url;

pub use comparison::{compare, Comparison, Truth};
pub use manifest::{Case, ImageRef, Manifest};
