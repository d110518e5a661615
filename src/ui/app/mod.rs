//! The app: the viewer's state (`App`, holding `ui::core`'s states and the view's elements)
//! and its state changes. Knows the view and `ui::core`, not the glue.

pub mod reading;
pub mod state;
