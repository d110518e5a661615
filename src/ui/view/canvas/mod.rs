//! The axial canvas: slice images from [`crate::render`] placed on screen.

mod view;

pub use view::{draw_fitted, AxialCanvas, ImageRect, Layers, Overlay};
