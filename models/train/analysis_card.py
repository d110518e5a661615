"""Choose the slice scoring, thresholds and verdict rule on the validation split and write
models/analysis.json (the analysis card that `hemoscope analyze` and `evaluate` follow).

    python3 models/train/analysis_card.py --data .train/data.npz --models models

Slice score per label: q = w * classifier_sigmoid + (1 - w) * segmenter_max, where
segmenter_max is the largest per-pixel softmax probability of that class on the segmenter's
output grid (for "any": the largest 1 - p(background)). w, the per-label thresholds (maximum
slice F1) and the minimum number of positive slices for a series verdict are chosen on the
validation split, so the metrics reported on that split are optimistic.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from preprocess import preprocess_slice  # noqa: E402
from train_all import LABELS, auc, best_threshold, f1_at, sha256, sigmoid, upsample_logits  # noqa: E402


def seg_scores(logits):
    e = np.exp(logits - logits.max(0))
    p = e / e.sum(0)
    return np.array([(1 - p[0]).max()] + [p[c].max() for c in range(1, 6)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".train/data.npz")
    ap.add_argument("--models", default="models")
    ap.add_argument("--weights", default="0,0.25,0.5,1")
    ap.add_argument("--smoke", action="store_true", help="a few slices only, to test the script")
    a = ap.parse_args()
    import onnxruntime as ort

    z = np.load(a.data)
    meta = json.loads(str(z["meta"]))
    cls = ort.InferenceSession(os.path.join(a.models, "classifier.onnx"), providers=["CPUExecutionProvider"])
    seg = ort.InferenceSession(os.path.join(a.models, "segmenter.onnx"), providers=["CPUExecutionProvider"])
    rx, ry, rser, rsplit = z["rsna_x"], z["rsna_y"], z["rsna_series"], z["rsna_split"]
    sx, sm, sy, ssplit = z["s2d_x"], z["s2d_m"], z["s2d_y"], z["s2d_split"]
    vr = np.where((rsplit == 1) & ~np.isnan(ry).any(1))[0]
    vs = np.where(ssplit == 1)[0]
    if a.smoke:
        vr = np.concatenate([vr[:4], vr[np.nan_to_num(ry[vr, 0]) == 1][:3]])
        vs = vs[:3]
    pc, ps, ys, series_of = [], [], [], []
    dice_any, inter, union = [], 0, 0
    for kind, idx in (("rsna", vr), ("s2d", vs)):
        for i in idx:
            img = rx[i] if kind == "rsna" else sx[i]
            x = preprocess_slice(img)
            pc.append(sigmoid(cls.run(None, {"input": x})[0][0]))
            lg = seg.run(None, {"input": x})[0][0]
            ps.append(seg_scores(lg))
            ys.append(ry[i] if kind == "rsna" else sy[i])
            series_of.append(int(rser[i]) if kind == "rsna" else -1)
            if kind == "s2d":
                pred = upsample_logits(lg, img.shape[0], img.shape[1]).argmax(0) > 0
                gt = sm[i] > 0
                inter += int((pred & gt).sum())
                union += int(pred.sum() + gt.sum())
                dice_any.append(2 * (pred & gt).sum() / max(1, pred.sum() + gt.sum()))
    pc, ps, ys, series_of = np.array(pc), np.array(ps), np.array(ys), np.array(series_of)

    best = None
    for w in [float(v) for v in a.weights.split(",")]:
        q = w * pc + (1 - w) * ps
        mean_auc = np.mean([auc(ys[:, c], q[:, c]) or 0 for c in range(6)])
        score = (auc(ys[:, 0], q[:, 0]), mean_auc)
        print(f"w={w}: any AUC {score[0]:.4f}, mean AUC {mean_auc:.4f}")
        if best is None or score > best[0]:
            best = (score, w)
    w = best[1]
    q = w * pc + (1 - w) * ps
    thr = {lab: round(best_threshold(ys[:, c], q[:, c]), 4) for c, lab in enumerate(LABELS)}
    per = {lab: {"auc": auc(ys[:, c], q[:, c]), "f1": f1_at(ys[:, c], q[:, c], thr[lab]),
                 "positives": int(ys[:, c].sum()), "n": int(len(ys))} for c, lab in enumerate(LABELS)}
    # series verdicts on the validation RSNA series; min_slices chosen on the same series
    rows_by_min = {}
    for min_slices in (1, 2, 3):
        rows = []
        for si in sorted(set(series_of[series_of >= 0].tolist())):
            sel = series_of == si
            truth = {lab: bool(ys[sel, c].max() > 0) for c, lab in enumerate(LABELS)}
            pred = {lab: bool((q[sel, c] >= thr[lab]).sum() >= min_slices) for c, lab in enumerate(LABELS)}
            pred = {lab: v and pred["any"] for lab, v in pred.items()}  # subtypes need "any"
            rows.append({"series_uid": meta["series"][si]["series_uid"], "truth": truth, "predicted": pred})
        rows_by_min[min_slices] = rows
    def n_ok(rows):
        return sum(r["truth"]["any"] == r["predicted"]["any"] for r in rows)
    min_slices = max(rows_by_min, key=lambda m: (n_ok(rows_by_min[m]), -m))
    rows = rows_by_min[min_slices]
    card = {
        "name": "hemoscope-analysis",
        "version": "0.1.0",
        "models": {
            "classifier": {"file": "classifier.onnx", "card": "classifier.json",
                           "sha256": sha256(os.path.join(a.models, "classifier.onnx"))},
            "segmenter": {"file": "segmenter.onnx", "card": "segmenter.json",
                          "sha256": sha256(os.path.join(a.models, "segmenter.onnx"))},
        },
        "labels": LABELS,
        "slice_score": {
            "formula": "q = classifier_weight * sigmoid(classifier logit) + (1 - classifier_weight) * segmenter_max",
            "segmenter_max": "max over the segmenter output grid of softmax(logits)[class]; for any: max of 1 - softmax[background]",
            "classifier_weight": w,
            "weights_tried": [float(v) for v in a.weights.split(",")],
            "chosen_by": "highest validation AUC for any, then mean AUC over labels",
        },
        "thresholds": thr,
        "series_verdict": {"rule": "a label is positive when at least min_slices slices have q >= threshold; a subtype only when any is positive",
                           "min_slices": min_slices},
        "mask": "argmax of the segmenter logits after bilinear (half-pixel) upsampling to the slice grid",
        "thresholds_chosen_on": "validation split (maximum slice F1 per label): metrics on it are optimistic",
        "validation_split": {
            "rsna_series": meta["val_series"],
            "slices2d_samples": [s["sample"] for s in meta["samples"] if s["split"] == "val"],
        },
        "metrics": {
            "slices": per,
            "series": {"n": len(rows), "any_correct": n_ok(rows),
                       "positive_flagged": sum(r["truth"]["any"] and r["predicted"]["any"] for r in rows),
                       "positive_total": sum(r["truth"]["any"] for r in rows),
                       "negative_flagged": sum((not r["truth"]["any"]) and r["predicted"]["any"] for r in rows),
                       "negative_total": sum(not r["truth"]["any"] for r in rows),
                       "rows": rows},
            "dice_any_mean_per_slice": float(np.mean(dice_any)),
            "dice_any_pooled": float(2 * inter / max(1, union)),
            "n_masked_slices": len(dice_any),
            "classifier_alone_slices": {lab: {"auc": auc(ys[:, c], pc[:, c])} for c, lab in enumerate(LABELS)},
            "segmenter_alone_slices": {lab: {"auc": auc(ys[:, c], ps[:, c])} for c, lab in enumerate(LABELS)},
        },
        "intended_use": "research and demonstration, not diagnosis",
    }
    with open(os.path.join(a.models, "analysis.json"), "w") as f:
        json.dump(card, f, indent=1)
    print(json.dumps(card["metrics"]["slices"], indent=0))
    print("series", {k: v for k, v in card["metrics"]["series"].items() if k != "rows"}, "min_slices", min_slices)
    print("dice", card["metrics"]["dice_any_mean_per_slice"], card["metrics"]["dice_any_pooled"])


if __name__ == "__main__":
    main()
