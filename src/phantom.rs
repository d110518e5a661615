//! A deterministic synthetic head CT used as the demo case and in tests.
