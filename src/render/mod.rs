//! Window/level look-up tables and slice rendering into RGBA buffers.
//!
//! The UI makes an [`AxialView`] once per volume, a [`Lut`] per window change, and calls
//! [`render_axial_rgba_lut`] (or [`render_axial_rgba`]) per frame.

mod axial;
pub mod measure;
pub mod overlay;
pub mod reformat;
mod slice;
pub mod strip;
pub mod thumbnail;
pub mod viewport;
mod window;

pub use axial::{AxialView, EdgeLetters, SlicePlane};
pub use measure::{distance_mm, ellipse_stats, RoiStats};
pub use overlay::{axial_labels, blend, truth_style, OverlayStyle, OKABE_ITO};
pub use reformat::{hu_to_rgba, Plane, Reformat, VoxelMap, OUTSIDE};
pub use slice::{render_axial_rgba, render_axial_rgba_lut};
pub use strip::probability_strip;
pub use viewport::{image_point_at_css, ImageRect, MAX_ZOOM, MIN_ZOOM};
pub use window::{Lut, Preset, WindowLevel, PRESETS};
