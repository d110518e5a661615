//! The ui's decisions as plain Rust, without the browser (compiled and tested natively):
//! each part takes a message (a user action, a worker's reply) and returns the effects the
//! web glue performs. No web-sys here.

pub mod analysis_info;
pub mod case;
pub mod cases;
pub mod gallery;
pub mod keys;
pub mod layout;
pub mod loading;
pub mod measure;
pub mod model_cache;
pub mod pool;
pub mod reading;
pub mod series;
pub mod session;
pub mod settings;
pub mod viewer;
