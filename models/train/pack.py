"""Pack the shared training data into one compact archive for training.

    python3 models/train/pack.py --data ../shared/data --out .train/data.npz

Slices are stored as uint8 = clip(HU, 0, 255), exactly the first preprocessing step, so
nothing the models see is lost. The patient-held-out split is fixed here (see `split`).
The archive holds restricted data: keep it out of the repository (.train/ is ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from datasets import read_rsna, read_slices2d  # noqa: E402

# Validation series (whole patients): three positive, six negative. The positives are chosen so
# training keeps the series with subdural and intraventricular blood.
VAL_SERIES = [
    "ID_3d2ee1643b", "ID_84296c3845", "ID_3780d48b28",
    "ID_02033fb12e", "ID_16c2475028", "ID_49d382f5b1", "ID_805824f65e", "ID_a61d046d72",
    "ID_fe146f85e6",
]
SPLIT_SEED = 7
VAL_GROUP_FRACTION = 0.28


def split_groups(groups: list[str], seed: int = SPLIT_SEED) -> set[str]:
    """Validation groups for the 2-D slices: a seeded sample of provenance groups."""
    uniq = sorted(set(groups))
    rng = np.random.RandomState(seed)
    n = int(round(len(uniq) * VAL_GROUP_FRACTION))
    return set(rng.choice(uniq, n, replace=False).tolist())


def read_rsna_png(root: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The labelled brain-window PNGs of `rsna-png/` as uint8 HU at 512² (empty when absent).

    Grey value v ~ HU v / 255 * 80 (window W80/L40, everything outside clipped), so the stored
    clip(HU, 0, 255) is v * 80 / 255: bone and blood above 80 HU saturate, air is 0. Labels:
    any and intraparenchymal from the CSV, the other subtypes 0 (the folder holds either no
    haemorrhage or intraparenchymal haemorrhage alone). Unlabelled (`testset`) rows are skipped.
    """
    import csv

    from PIL import Image

    csv_path = os.path.join(root, "rsna-png", "labels.csv")
    xs, ys, ids = [], [], []
    if not os.path.exists(csv_path):
        return np.zeros((0, 512, 512), np.uint8), np.zeros((0, 6), np.float32), ids
    with open(csv_path) as f:
        for row in csv.DictReader(f):
            if row["any"] == "":
                continue
            img = Image.open(os.path.join(root, "rsna-png", row["file"])).convert("L")
            hu = np.asarray(img.resize((512, 512), Image.BILINEAR), np.float32) * (80.0 / 255.0)
            xs.append(np.clip(np.round(hu), 0, 255).astype(np.uint8))
            iph = float(row["intraparenchymal"])
            ys.append(np.array([float(row["any"]), 0, iph, 0, 0, 0], np.float32))
            ids.append(row["image_id"])
    return np.stack(xs), np.stack(ys), ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", default=".train/data.npz")
    a = ap.parse_args()

    series = read_rsna(a.data)
    masked = read_slices2d(a.data)
    val_groups = split_groups([m.group_id for m in masked])

    rx, ry, rs, rsplit = [], [], [], []
    meta_series = []
    for si, s in enumerate(series):
        val = s.series_uid in VAL_SERIES
        for k in range(s.slices.shape[0]):
            rx.append(np.clip(s.slices[k], 0, 255).astype(np.uint8))
            ry.append(s.labels[k])
            rs.append(si)
            rsplit.append(1 if val else 0)
        meta_series.append({"series_uid": s.series_uid, "patient_id": s.patient_id,
                            "split": "val" if val else "train", "n": int(s.slices.shape[0])})
    sx, sm, sy, sb, ssplit, meta_samples = [], [], [], [], [], []
    for m in masked:
        val = m.group_id in val_groups
        sx.append(np.clip(m.image, 0, 255).astype(np.uint8))
        sm.append(m.mask)
        sy.append(m.labels)
        sb.append(m.mask_kind == "binary")
        ssplit.append(1 if val else 0)
        meta_samples.append({"sample": m.sample, "group_id": m.group_id,
                             "split": "val" if val else "train", "mask_kind": m.mask_kind})
    px, py, pid = read_rsna_png(a.data)
    meta = {"series": meta_series, "samples": meta_samples,
            "val_series": VAL_SERIES, "val_groups": sorted(val_groups), "png_ids": pid}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    np.savez_compressed(
        a.out,
        rsna_x=np.stack(rx), rsna_y=np.stack(ry), rsna_series=np.array(rs, np.int32),
        rsna_split=np.array(rsplit, np.int8),
        s2d_x=np.stack(sx), s2d_m=np.stack(sm), s2d_y=np.stack(sy),
        s2d_binary=np.array(sb, bool), s2d_split=np.array(ssplit, np.int8),
        png_x=px, png_y=py,
        meta=np.array(json.dumps(meta)),
    )
    sy = np.stack(sy)
    ssplit = np.array(ssplit)
    for name, sel in (("train", ssplit == 0), ("val", ssplit == 1)):
        print(f"slices2d {name}: n={sel.sum()} per label {sy[sel].sum(0).astype(int).tolist()}")
    ry = np.nan_to_num(np.stack(ry))
    rsplit = np.array(rsplit)
    for name, sel in (("train", rsplit == 0), ("val", rsplit == 1)):
        print(f"rsna {name}: n={sel.sum()} per label {ry[sel].sum(0).astype(int).tolist()}")
    print(f"rsna-png: n={len(pid)} per label {py.sum(0).astype(int).tolist() if len(pid) else []}")
    print("wrote", a.out, os.path.getsize(a.out) / 1e6, "MB")


if __name__ == "__main__":
    main()
