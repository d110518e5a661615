"""The one preprocessing definition shared by training and the Rust runtime.

A slice is a 2-D array of HU values in display orientation: row j downwards (anterior at the
top), column i to the right (patient left on the image right). For a NIfTI volume `vol` with
axes (i, j, k) that is `vol[:, :, k].T`.

Steps (mirrored exactly by `src/model/preprocess.rs`):
1. clip HU to [clip_min, clip_max] = [0, 255] (some training sources stored clip(HU, 0, 255));
2. resize the clipped HU to (size, size) with bilinear interpolation, half-pixel centres
   (src = (dst + 0.5) * in / out - 0.5, clamped below at 0; the upper neighbour index is clamped
   at in - 1), no antialiasing (PyTorch `interpolate(mode="bilinear", align_corners=False)`);
3. one channel per window (centre c, width w): (clip(x, c - w/2, c + w/2) - (c - w/2)) / w,
   giving values in [0, 1]; tensor layout NCHW, batch 1, float32.
"""

from __future__ import annotations

import os

import numpy as np

#: Model input side: 256, unless HEMOSCOPE_INPUT_SIZE names another (a segmenter trained or
#: fine-tuned at a smaller size: `finetune.py`, then `train_all.py --role finalize` and `head.py`
#: with the same variable set).
INPUT_SIDE = int(os.environ.get("HEMOSCOPE_INPUT_SIZE", "256"))

#: Preprocessing as written into the model cards.
PREPROCESSING = {
    "input_size": [INPUT_SIDE, INPUT_SIDE],
    "layout": "NCHW float32, batch 1",
    "orientation": "display: row j downwards (anterior up), column i rightwards; slice = vol[:, :, k].T",
    "clip_hu": [0.0, 255.0],
    "resize": "bilinear, half-pixel centres (align_corners=false), no antialias, applied to clipped HU",
    "windows": [
        {"name": "brain", "center": 40.0, "width": 80.0},
        {"name": "subdural", "center": 75.0, "width": 215.0},
        {"name": "wide", "center": 128.0, "width": 256.0},
    ],
    "window_formula": "(clip(x, c - w/2, c + w/2) - (c - w/2)) / w",
}


def _axis_weights(n_in: int, n_out: int):
    """Source indices and weights for one axis of the half-pixel bilinear resize."""
    scale = n_in / n_out
    dst = np.arange(n_out, dtype=np.float64)
    src = (dst + 0.5) * scale - 0.5
    src = np.maximum(src, 0.0).astype(np.float32)
    i0 = np.floor(src).astype(np.int64)
    i0 = np.minimum(i0, n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    lam = (src - i0.astype(np.float32)).astype(np.float32)
    return i0, i1, lam


def resize_bilinear(img: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Half-pixel bilinear resize of a 2-D float32 array (rows first, then columns)."""
    img = np.asarray(img, dtype=np.float32)
    h, w = img.shape
    r0, r1, rl = _axis_weights(h, out_h)
    c0, c1, cl = _axis_weights(w, out_w)
    top = img[r0]  # (out_h, w)
    bot = img[r1]
    rl = rl[:, None]
    rows = top * (np.float32(1.0) - rl) + bot * rl  # interpolate along rows first
    left = rows[:, c0]
    right = rows[:, c1]
    out = left * (np.float32(1.0) - cl[None, :]) + right * cl[None, :]
    return out.astype(np.float32)


def window(x: np.ndarray, center: float, width: float) -> np.ndarray:
    lo = np.float32(center - width / 2.0)
    hi = np.float32(center + width / 2.0)
    return ((np.clip(x, lo, hi) - lo) / np.float32(width)).astype(np.float32)


def preprocess_slice(hu: np.ndarray, pre: dict = PREPROCESSING) -> np.ndarray:
    """HU slice (rows, cols) in display orientation → (1, C, H, W) float32 tensor."""
    lo, hi = pre["clip_hu"]
    x = np.clip(np.asarray(hu, dtype=np.float32), np.float32(lo), np.float32(hi))
    out_h, out_w = pre["input_size"]
    x = resize_bilinear(x, out_h, out_w)
    chans = [window(x, w["center"], w["width"]) for w in pre["windows"]]
    return np.stack(chans, 0)[None].astype(np.float32)


def synthetic_slice(rows: int, cols: int) -> np.ndarray:
    """Deterministic head-like HU slice from integer arithmetic (mirrored in Rust tests).

    Background -1024, an elliptic skull ring of 1000 HU, brain 35 HU with a 70 HU blob,
    plus a deterministic integer texture in [-20, 20].
    """
    out = np.empty((rows, cols), dtype=np.int16)
    for j in range(rows):
        for i in range(cols):
            # ellipse in integer arithmetic: scaled coordinates relative to the centre
            dy = 2 * j - rows
            dx = 2 * i - cols
            # r2 in units of (rows*cols)^2/... keep integer: (dx/cols)^2 + (dy/rows)^2 < 0.8^2
            r2 = dx * dx * rows * rows + dy * dy * cols * cols
            full = rows * rows * cols * cols
            tex = (j * 131 + i * 71 + (j * i) % 97) % 41 - 20
            if 100 * r2 >= 64 * full:
                v = -1024
            elif 100 * r2 >= 49 * full:
                v = 1000 + tex
            else:
                bx = 2 * i - (cols * 13) // 10
                by = 2 * j - (rows * 8) // 10
                if 100 * (bx * bx * rows * rows + by * by * cols * cols) < 4 * full:
                    v = 70 + tex // 4
                else:
                    v = 35 + tex
            out[j, i] = v
    return out
