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

Cost on a 2-core CPU (torch 2.11, 2 threads): BLAST-CT tiles a 512² × 36 RSNA series
(0.49 × 0.49 × 5 mm, resampled to 1 mm) into 9 × 9 × 7 = 567 overlapping 110³ patches; the
first validation series took 3282 s (5.8 s per patch in its batches of 32; 7.8–8.0 s per patch
alone), so the 9 validation series take about 8 hours (the head and the table fill the field of
view; cropping to the skull would leave most patches): it wants a GPU.

Scores per slice: BLAST-CT, the area (mm²) of its haemorrhage labels in the slice (1 + 2 + 4
for any, 1 for intraparenchymal, 4 for intraventricular, 2 for extra-axial), predicted
positive at any voxel, and a series verdict at 2 or more positive slices (the shipped rule);
Hemoscope, the shipped analysis exactly as `hemoscope analyze` makes it (slice context,
thresholds, verdicts), run on the original volume (`--cli`: a build with
`--features inference`). Extra-axial blood cannot be split into epidural, subdural and
subarachnoid, so BLAST-CT is compared there with their union (Hemoscope: the highest of the
three probabilities, any of their predictions or verdicts). No Dice: the masked slices are
2-D and BLAST-CT is a 3-D model; the RSNA series have slice labels only.
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


# The rows of the peer table: a name, the RSNA label columns it covers (any of them), the
# BLAST-CT labels it covers (1 intraparenchymal, 2 extra-axial, 4 intraventricular), and the
# shipped analysis's labels whose probabilities / predictions it takes (the maximum / any).
ROWS = (
    ("any", (0,), (1, 2, 4), ("any",)),
    ("intraparenchymal", (2,), (1,), ("intraparenchymal",)),
    ("intraventricular", (3,), (4,), ("intraventricular",)),
    ("extra-axial (epidural, subarachnoid or subdural)", (1, 4, 5), (2,),
     ("epidural", "subarachnoid", "subdural")),
)


def ours(a, uid):
    """The shipped analysis of one series, as the CLI makes it: per-slice probabilities and
    predictions of every label (slice context, thresholds and verdict rule included)."""
    vol = os.path.join(a.shared, "rsna-ich", "volumes", f"{uid}.nii.gz")
    r = subprocess.run([a.cli, "analyze", vol, "--json", "-"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{a.cli} analyze failed on {uid}: {r.stderr[-500:]}")
    res = json.loads(r.stdout)
    return res["slices"], res["verdict"]


def bootstrap_auc(y, s, groups, boot=1000, seed=0):
    """95 % interval of the slice AUC over resampled series (draws with one class left out)."""
    from cv import auc_fast, boots_groups, ci

    draws = boots_groups(groups, np.random.RandomState(seed), boot)
    return ci([v for idx in draws if (v := auc_fast(y[idx], s[idx])) is not None])


def table(a):
    import nibabel as nib
    from cv import auc_fast, f1_of

    z = np.load(a.data)
    meta = json.loads(str(z["meta"]))
    ry, rser = z["rsna_y"], z["rsna_series"]
    uids = [s["series_uid"] for s in meta["series"]]
    done = [u for u in meta["val_series"] if os.path.exists(os.path.join(a.out, f"{u}_blast.nii.gz"))]
    ys, groups, areas, probs, preds, verdicts = [], [], [], [], [], {}
    for uid in done:
        lab = np.asarray(nib.load(os.path.join(a.out, f"{uid}_blast.nii.gz")).dataobj).astype(np.int16)
        sp = nib.load(os.path.join(a.shared, "rsna-ich", "volumes", f"{uid}.nii.gz")).header.get_zooms()
        px = float(sp[0] * sp[1])
        slices, verdict = ours(a, uid)
        verdicts[uid] = verdict
        idx = np.where(rser == uids.index(uid))[0]
        if len(idx) != lab.shape[2] or len(slices) != lab.shape[2]:
            raise SystemExit(f"{uid}: {len(idx)} labelled rows, {lab.shape[2]} BLAST-CT slices, "
                             f"{len(slices)} analysed slices")
        for k, i in enumerate(idx):
            if np.isnan(ry[i]).any():
                continue
            sl = lab[:, :, k]
            areas.append({c: float((sl == c).sum()) * px for c in (1, 2, 4)})
            probs.append(slices[k]["probabilities"])
            preds.append(slices[k]["predicted"])
            ys.append(ry[i] > 0)
            groups.append(uid)
    ys, G = np.array(ys), np.array(groups)
    f = lambda v: "–" if v is None else f"{v:.3f}"  # noqa: E731
    interval = lambda v: "" if v is None else f" [{v[0]:.2f}–{v[1]:.2f}]"  # noqa: E731
    res = {"series": done, "slices": int(len(ys)), "rows": {}}
    lines = ["| label (positive slices / slices; positive series / series) | BLAST-CT slice AUC "
             "(area) | BLAST-CT slice F1 (any voxel) | BLAST-CT series right (false verdicts) | "
             "Hemoscope slice AUC | Hemoscope slice F1 | Hemoscope series right (false verdicts) |",
             "|---|---|---|---|---|---|---|"]
    for name, cols, blast, mine in ROWS:
        y = ys[:, list(cols)].any(axis=1)
        b = np.array([sum(ar[c] for c in blast) for ar in areas])
        q = np.array([max(p[m] for m in mine) for p in probs])
        v = np.array([any(p[m] for m in mine) for p in preds])
        row = {"positive_slices": int(y.sum()), "blast_auc": auc_fast(y, b),
               "blast_auc_95": bootstrap_auc(y, b, G), "blast_f1": f1_of(y, b > 0),
               "ours_auc": auc_fast(y, q), "ours_auc_95": bootstrap_auc(y, q, G),
               "ours_f1": f1_of(y, v)}
        # series verdicts: BLAST-CT at 2 or more positive slices (the shipped rule), ours as shipped
        for who, said_of in (("blast", lambda uid: int((b[G == uid] > 0).sum()) >= 2),
                             ("ours", lambda uid: any(verdicts[uid][m] for m in mine))):
            right = false = 0
            for uid in done:
                truth, said = bool(y[G == uid].any()), said_of(uid)
                right += truth == said
                false += said and not truth
            row[f"{who}_series_right"], row[f"{who}_series_false"] = right, false
        row["positive_series"] = int(sum(bool(y[G == u].any()) for u in done))
        res["rows"][name] = row
        lines.append(
            f"| {name} ({row['positive_slices']} / {len(y)}; {row['positive_series']} / {len(done)}) "
            f"| {f(row['blast_auc'])}{interval(row['blast_auc_95'])} | {f(row['blast_f1'])} "
            f"| {row['blast_series_right']}/{len(done)} ({row['blast_series_false']}) "
            f"| {f(row['ours_auc'])}{interval(row['ours_auc_95'])} | {f(row['ours_f1'])} "
            f"| {row['ours_series_right']}/{len(done)} ({row['ours_series_false']}) |")
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
        p.add_argument("--cli", default=os.path.join(ROOT, "target", "release", "hemoscope"),
                       help="hemoscope built with --features inference (the shipped analysis)")
        p.set_defaults(func=fn)
    a = ap.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
