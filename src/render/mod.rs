//! Window/level look-up tables, slice rendering and overlay blending into RGBA buffers.
