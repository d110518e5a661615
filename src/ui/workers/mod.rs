//! The workers' side: the decode worker (files → volume, exports) and the analysis worker
//! (models in tract), with the typed messages both sides exchange.

pub mod analysis_protocol;
pub mod decode;
pub mod decode_protocol;
pub mod export;
#[cfg(feature = "inference")]
pub mod analysis;
