"""The peer row: BLAST-CT beside the shipped analysis on the validation RSNA series.

    pip install blast-ct==2.1.0
    python3 models/train/peer_blast.py run      # BLAST-CT on each validation series (CPU: minutes each)
    python3 models/train/peer_blast.py table    # slice AUC / F1 and series verdicts, both models

BLAST-CT (Apache-2.0; PyPI `blast-ct` 2.1.0) is a published 3-D head-CT lesion segmenter
(labels 1 intraparenchymal haemorrhage, 2 extra-axial haemorrhage, 3 perilesional oedema,
4 intraventricular haemorrhage). Its wheel downloads weights at run time, which cannot work
offline: the version-1 weights are in its public repository `biomedia-mira/blast-ct` at commit
361e8c797fbcb276627a7941b39298bef563113b, `blast_ct/data/saved_models/model_1.pt`. Copy that
file to `.cache/blast-cache/saved_models/model_1.torch_model` (git-ignored; this script sets
`BLAST_CT_CACHE_DIR` there) — model 1 alone, as the tool runs without `--ensemble`.

SimpleITK (inside BLAST-CT) refuses gantry-tilted (sheared) volumes, so each series is
de-sheared in memory first: the slice axis is replaced by the in-plane normal at the true
slice spacing (the voxels are unchanged; only the stack's tilt is dropped).

Scores per slice: BLAST-CT, the area (mm²) of its haemorrhage labels in the slice (1 + 2 + 4
for any, 1 for intraparenchymal, 4 for intraventricular), predicted positive at any voxel; the
shipped analysis, its slice score and card thresholds. Series verdict for both: at least 2
positive slices (the shipped rule). Extra-axial blood cannot be split into epidural, subdural
and subarachnoid, so those subtypes get no peer figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
ROOT = os.path.join(HERE, "..", "..")


def run(a):
    import nibabel as nib

    os.environ["BLAST_CT_CACHE_DIR"] = os.path.abspath(os.path.join(ROOT, ".cache", "blast-cache"))
    z = np.load(a.data)
    meta = json.loads(str(z["meta"]))
    os.makedirs(a.out, exist_ok=True)
    for uid in meta["val_series"]:
        dst = os.path.join(a.out, f"{uid}_blast.nii.gz")
        if os.path.exists(dst):
            continue
        im = nib.load(os.path.join(a.shared, "rsna-ich", "volumes", f"{uid}.nii.gz"))
        aff = im.affine.copy()
        c0, c1, c2 = aff[:3, 0], aff[:3, 1], aff[:3, 2]
        nrm = np.cross(c0, c1)
        nrm /= np.linalg.norm(nrm)
        if np.dot(nrm, c2) < 0:
            nrm = -nrm
        aff[:3, 2] = nrm * abs(np.dot(c2, nrm))
        src = os.path.join(a.out, f"{uid}_in.nii.gz")
        nib.save(nib.Nifti1Image(np.asarray(im.dataobj).astype(np.int16), aff), src)
        t = time.time()
        r = subprocess.run(["blast-ct", "--input", src, "--output", dst, "--device", "cpu"],
                           capture_output=True, text=True)
        print(uid, r.returncode, f"{time.time() - t:.0f}s", r.stderr[-300:] if r.returncode else "",
              flush=True)
        os.remove(src)


def table(a):
    import nibabel as nib
    import onnxruntime as ort
    from cv import auc_fast, f1_of
    from preprocess import preprocess_slice

    z = np.load(a.data)
    meta = json.loads(str(z["meta"]))
    with open(os.path.join(ROOT, "models", "analysis.json")) as fh:
        card = json.load(fh)
    ry, rser = z["rsna_y"], z["rsna_series"]
    uids = [s["series_uid"] for s in meta["series"]]
    sess = ort.InferenceSession(os.path.join(ROOT, "models", "segmenter.onnx"),
                                providers=["CPUExecutionProvider"])
    thr = np.array([card["thresholds"][lab] for lab in card["labels"]])
    hw = card["slice_score"].get("head_weight", 0.0)
    ys, series_of, areas, ours = [], [], [], []
    # the series BLAST-CT has been run on (all of them once `run` has finished)
    done = [u for u in meta["val_series"] if os.path.exists(os.path.join(a.out, f"{u}_blast.nii.gz"))]
    for uid in done:
        m = nib.load(os.path.join(a.out, f"{uid}_blast.nii.gz"))
        lab = np.asarray(m.dataobj).astype(np.int16)
        sp = m.header.get_zooms()
        idx = np.where(rser == uids.index(uid))[0]
        for k, i in enumerate(idx):
            if np.isnan(ry[i]).any():
                continue
            sl = lab[:, :, k]
            px = float(sp[0] * sp[1])
            a1, a2, a4 = ((sl == c).sum() * px for c in (1, 2, 4))
            areas.append([a1 + a2 + a4, a1, a4])
            outs = sess.run(None, {"input": preprocess_slice(z["rsna_x"][i])})
            e = np.exp(outs[0][0] - outs[0][0].max(0))
            p = e / e.sum(0)
            seg = np.array([(1 - p[0]).max()] + [p[c].max() for c in range(1, 6)])
            head = 1 / (1 + np.exp(-outs[1][0])) if len(outs) > 1 else seg
            ours.append(hw * head + (1 - hw) * seg)
            ys.append(ry[i] > 0)
            series_of.append(uid)
    ys, A, Q, S = np.array(ys), np.array(areas), np.array(ours), np.array(series_of)
    res = {"series": done, "slices": int(len(ys))}
    lines = ["| label (positives / slices) | BLAST-CT AUC (area) | BLAST-CT F1 (any voxel) | "
             "Hemoscope AUC | Hemoscope F1 (card threshold) |", "|---|---|---|---|---|"]
    for name, li, bi in (("any", 0, 0), ("intraparenchymal", 2, 1), ("intraventricular", 3, 2)):
        y = ys[:, li]
        row = {"positives": int(y.sum()), "blast_auc": auc_fast(y, A[:, bi]),
               "blast_f1": f1_of(y, A[:, bi] > 0), "ours_auc": auc_fast(y, Q[:, li]),
               "ours_f1": f1_of(y, Q[:, li] >= thr[li])}
        res[name] = row
        f = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
        lines.append(f"| {name} ({row['positives']} / {len(y)}) | {f(row['blast_auc'])} | "
                     f"{f(row['blast_f1'])} | {f(row['ours_auc'])} | {f(row['ours_f1'])} |")
    for who, pos in (("blast", A[:, 0] > 0), ("ours", Q[:, 0] >= thr[0])):
        tp = fp = fn = tn = 0
        for uid in done:
            sel = S == uid
            t, v = bool(ys[sel, 0].any()), bool(pos[sel].sum() >= 2)
            tp += t and v
            fp += v and not t
            fn += t and not v
            tn += not t and not v
        res[f"{who}_series_any"] = {"positive_flagged": tp, "positive_total": tp + fn,
                                    "negative_flagged": fp, "negative_total": fp + tn}
    lines.append("")
    for who, name in (("blast", "BLAST-CT"), ("ours", "Hemoscope")):
        s = res[f"{who}_series_any"]
        lines.append(f"- {name}: series verdict (any) {s['positive_flagged']}/{s['positive_total']} "
                     f"positive series flagged, {s['negative_flagged']}/{s['negative_total']} "
                     "negative series flagged")
    print(f"{len(done)} of {len(meta['val_series'])} validation series, {len(ys)} labelled slices")
    print("\n".join(lines))
    with open(os.path.join(a.out, "peer.json"), "w") as fh:
        json.dump(res, fh, indent=1)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, fn in (("run", run), ("table", table)):
        p = sub.add_parser(name)
        p.add_argument("--data", default=".train/data.npz")
        p.add_argument("--shared", default="../shared/data")
        p.add_argument("--out", default=".train/blast")
        p.set_defaults(func=fn)
    a = ap.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
