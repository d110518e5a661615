//! Thresholds, connected components, per-subtype volumes, scan verdicts and metrics.
