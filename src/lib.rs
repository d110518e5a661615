//! Hemoscope: head-CT decoding, geometry, rendering and hemorrhage analysis.
//!
//! Layers (see ARCHITECTURE.md): `io` (bytes → [`Volume`]) → `volume` (voxels and geometry)
//! → `model` / `analysis` (inference and measurements) → `render` (RGBA buffers).
//! The browser shell (`ui`: its decisions in `ui::core`, native; the rest wasm only) and the CLI
//! binary are thin layers over these.

// Library code returns errors; a panic would freeze the page. Tests may unwrap.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod analysis;
pub mod dataset;
pub mod error;
pub mod io;
pub mod model;
pub mod phantom;
pub mod render;
pub mod volume;

pub mod ui;

pub use error::{Error, Result};
pub use volume::{Geometry, Volume};
