//! Model cards, preprocessing (HU windows → tensors) and inference plans.
