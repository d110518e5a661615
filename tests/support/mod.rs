//! Shared generators for the robustness tests.
#![allow(dead_code)]

pub mod corpus;
