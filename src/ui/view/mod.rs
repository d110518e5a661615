//! The view: the page's elements and what they show, drawn from plain data (the library's
//! images, `ui::core`'s states). Knows neither the app nor the glue.

pub mod canvas;
pub mod comparison;
pub mod dom;
pub mod gallery;
pub mod panels;
pub mod reading;
