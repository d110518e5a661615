"""Readers for the training data layouts.

1. The project's shared layout (`rsna-ich/` volumes with per-slice labels, `slices2d/` masked
   2-D slices); see that folder's README.md.
2. A Hemorica-style tree, for users who hold that dataset (see `read_hemorica_tree`).

Every reader yields slices in display orientation (`vol[:, :, k].T`: anterior up) as int16 HU.
"""

from __future__ import annotations

import csv
import glob
import os
from dataclasses import dataclass, field

import numpy as np

LABELS = ["any", "epidural", "intraparenchymal", "intraventricular", "subarachnoid", "subdural"]
SUBTYPES = LABELS[1:]


@dataclass
class Series:
    """One CT series with per-slice labels (no masks)."""

    series_uid: str
    patient_id: str
    slices: np.ndarray  # (N, rows, cols) int16 HU, display orientation
    labels: np.ndarray  # (N, 6) float32, NaN where unknown
    position_mm: np.ndarray  # (N,)
    voxel_ml: float = 0.0


@dataclass
class Masked:
    """One 2-D slice with a label mask (codes 0..5, or 6 = haemorrhage of unknown subtype)."""

    sample: str
    group_id: str
    image: np.ndarray  # (rows, cols) int16 HU, display orientation
    mask: np.ndarray  # (rows, cols) uint8
    labels: np.ndarray  # (6,) float32
    mask_kind: str  # "subtype" or "binary"
    hu_range: str
    extra: dict = field(default_factory=dict)


def _read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _nib():
    import nibabel as nib  # imported lazily: only the readers need it

    return nib


def read_rsna(root: str) -> list[Series]:
    """`<root>/rsna-ich`: volumes/<uid>.nii.gz + slices.csv."""
    nib = _nib()
    rows = _read_csv(os.path.join(root, "rsna-ich", "slices.csv"))
    by_series: dict[str, list[dict]] = {}
    for r in rows:
        by_series.setdefault(r["series_uid"], []).append(r)
    out = []
    for uid in sorted(by_series):
        rs = sorted(by_series[uid], key=lambda r: int(r["slice"]))
        img = nib.load(os.path.join(root, "rsna-ich", "volumes", uid + ".nii.gz"))
        vol = np.asarray(img.dataobj).astype(np.int16)
        zooms = img.header.get_zooms()
        slices = np.stack([vol[:, :, int(r["slice"])].T for r in rs], 0)
        labels = np.array(
            [[float(r[k]) if r[k] != "" else np.nan for k in LABELS] for r in rs], dtype=np.float32
        )
        pos = np.array([float(r["position_mm"]) for r in rs], dtype=np.float64)
        out.append(
            Series(uid, rs[0]["patient_id"], slices, labels, pos,
                   float(abs(np.linalg.det(img.affine[:3, :3]))) / 1000.0 if zooms else 0.0)
        )
    return out


def read_slices2d(root: str) -> list[Masked]:
    """`<root>/slices2d`: images/ + masks/ + samples.csv + provenance.csv."""
    nib = _nib()
    base = os.path.join(root, "slices2d")
    prov = {r["sample"]: r for r in _read_csv(os.path.join(base, "provenance.csv"))}
    out = []
    for r in _read_csv(os.path.join(base, "samples.csv")):
        s = r["sample"]
        img = np.asarray(nib.load(os.path.join(base, "images", s + ".nii.gz")).dataobj)[:, :, 0].T
        msk = np.asarray(nib.load(os.path.join(base, "masks", s + ".nii.gz")).dataobj)[:, :, 0].T
        labels = np.array([float(r[k]) for k in LABELS], dtype=np.float32)
        out.append(
            Masked(s, prov[s]["group_id"], img.astype(np.int16), msk.astype(np.uint8), labels,
                   r["mask_kind"], r["hu_range"], {"pixel_spacing_mm": r["pixel_spacing_mm"]})
        )
    return out


def read_hemorica_tree(root: str) -> tuple[list[Series], list[Masked]]:
    """Read a Hemorica-style tree (volumes with voxel masks).

    Expected layout (one folder per scan; the patient id is the folder name):

        <root>/<patient>/image.nii.gz   3-D HU volume, axes (i, j, k) like the RSNA volumes
        <root>/<patient>/mask.nii.gz    uint8 voxel labels, same grid:
                                        0 background, 1 EDH, 2 IPH, 3 IVH, 4 SAH, 5 SDH

    Slice labels are derived from the mask (a label is present on a slice when any voxel of it
    is). Every slice becomes a `Series` row, and every slice with blood also a `Masked` sample
    (mask_kind "subtype") with group_id = patient, so splits stay patient-held-out.
    """
    nib = _nib()
    series, masked = [], []
    for case in sorted(glob.glob(os.path.join(root, "*", "image.nii.gz"))):
        pid = os.path.basename(os.path.dirname(case))
        img = nib.load(case)
        vol = np.asarray(img.dataobj).astype(np.int16)
        msk = np.asarray(nib.load(case.replace("image.nii.gz", "mask.nii.gz")).dataobj).astype(np.uint8)
        sl, lab = [], []
        for k in range(vol.shape[2]):
            s, m = vol[:, :, k].T, msk[:, :, k].T
            codes = set(np.unique(m).tolist())
            lv = np.array([float(bool(codes - {0}))] + [float(c in codes) for c in range(1, 6)],
                          dtype=np.float32)
            sl.append(s)
            lab.append(lv)
            if lv[0] > 0:
                masked.append(Masked(f"{pid}_{k}", pid, s, m, lv, "subtype", "full"))
        series.append(Series(pid, pid, np.stack(sl), np.stack(lab),
                             np.arange(vol.shape[2], dtype=np.float64),
                             float(abs(np.linalg.det(img.affine[:3, :3]))) / 1000.0))
    return series, masked
