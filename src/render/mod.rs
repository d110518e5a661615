//! Window/level look-up tables and slice rendering into RGBA buffers.
//!
//! The UI makes an [`AxialView`] once per volume, a [`Lut`] per window change, and calls
//! [`render_axial_rgba_lut`] (or [`render_axial_rgba`]) per frame.

mod axial;
pub mod overlay;
mod slice;
pub mod strip;
mod window;

pub use axial::{AxialView, EdgeLetters, SlicePlane};
pub use overlay::{axial_labels, blend, OverlayStyle, OKABE_ITO};
pub use slice::{render_axial_rgba, render_axial_rgba_lut};
pub use strip::probability_strip;
pub use window::{Lut, Preset, WindowLevel, PRESETS};
