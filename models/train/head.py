"""A slice head on the shipped segmenter: one pass gives masks and slice scores.

    python3 models/train/head.py features --onnx models/segmenter.onnx --out .train/head/features.npz
    python3 models/train/head.py cv --features .train/head/features.npz --out .train/head
    python3 models/train/head.py attach --features .train/head/features.npz --cv .train/head \
        --onnx models/segmenter.onnx --out .train/head/model

`features` runs the segmenter (onnxruntime) on every packed slice and keeps pooled features:
the encoder's stride-32 feature (320 channels; average and maximum over the slice) and the
decoder's last feature (16 channels at 128²; average and maximum), and the segmenter's own
per-label maxima (`seg`, today's slice score).

`cv` fits a logistic head per label (L2, class-balanced) on each feature set with the folds of
`cv.py` (patient-grouped) and scores every slice out of fold. The segmenter's weights saw the
patients of its training split, so only its validation patients and the rsna-png slices are
unseen by the whole chain: those are the figures that count (`clean` in the output); figures
over all patients are printed beside them, marked. Slice scores compared: `seg`, `head`, and
`mean` (their average), each with nested thresholds (cv.py's metrics).

`attach` fits the chosen head on every slice and appends it to the segmenter's ONNX graph as a
second output `slice_logits` ([1, 6]): GlobalAveragePool / GlobalMaxPool of the chosen
features, concatenated, standardised and multiplied by the head's weights — a few hundred
multiply-adds more per slice.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from train_all import LABELS, log  # noqa: E402

ENCODER_OUT = "/encoder/blocks.6/blocks.6.0/conv_pwl/Conv_output_0"
DECODER_OUT = "/blocks.3/conv2/conv2.2/Relu_output_0"
FEATURE_SETS = {
    "enc_avg": ["enc_avg"],
    "enc_avgmax": ["enc_avg", "enc_max"],
    "dec_avgmax": ["dec_avg", "dec_max"],
    "enc_dec": ["enc_avg", "enc_max", "dec_avg", "dec_max"],
}


def with_outputs(src: str, names: list[str]):
    """The ONNX model with extra graph outputs (intermediate tensors), as bytes."""
    import onnx
    from onnx import TensorProto, helper

    m = onnx.load(src)
    for n in names:
        m.graph.output.append(helper.make_tensor_value_info(n, TensorProto.FLOAT, None))
    return m.SerializeToString()


def features(a):
    import onnxruntime as ort
    from preprocess import preprocess_slice

    z = np.load(a.data)
    so = ort.SessionOptions()
    so.intra_op_num_threads = os.cpu_count() or 1
    sess = ort.InferenceSession(with_outputs(a.onnx, [ENCODER_OUT, DECODER_OUT]), so,
                                providers=["CPUExecutionProvider"])
    out = {k: [] for k in ("enc_avg", "enc_max", "dec_avg", "dec_max", "seg")}
    t0 = time.time()
    for key in ("rsna_x", "s2d_x", "png_x"):
        xs = z[key]
        for i in range(len(xs)):
            lg, enc, dec = sess.run(None, {"input": preprocess_slice(xs[i])})
            out["enc_avg"].append(enc[0].mean((1, 2)))
            out["enc_max"].append(enc[0].max((1, 2)))
            out["dec_avg"].append(dec[0].mean((1, 2)))
            out["dec_max"].append(dec[0].max((1, 2)))
            e = np.exp(lg[0] - lg[0].max(0))
            p = e / e.sum(0)
            out["seg"].append(np.array([(1 - p[0]).max()] + [p[c].max() for c in range(1, 6)]))
        log(f"{key}: {len(xs)} slices ({time.time() - t0:.0f}s)")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    np.savez_compressed(a.out, **{k: np.stack(v).astype(np.float32) for k, v in out.items()})
    log(f"wrote {a.out}")


def fit_logistic(x, y, l2, steps=300):
    """Class-balanced L2 logistic regression (full-batch L-BFGS in torch): weights, bias."""
    import torch

    xt = torch.from_numpy(x).double()
    yt = torch.from_numpy(y.astype(np.float64))
    npos = max(1.0, float(y.sum()))
    nneg = max(1.0, float(len(y) - y.sum()))
    wt = torch.where(yt > 0, len(y) / (2 * npos), len(y) / (2 * nneg))
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        z = xt @ w + b
        loss = (wt * torch.nn.functional.binary_cross_entropy_with_logits(
            z, yt, reduction="none")).mean() + l2 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy(), float(b.detach().numpy()[0])


def design(f, names):
    return np.concatenate([f[n] for n in names], 1).astype(np.float64)


class Standardiser:
    def __init__(self, x):
        self.mu = x.mean(0)
        self.sd = x.std(0) + 1e-6

    def __call__(self, x):
        return (x - self.mu) / self.sd


def head_scores(f, names, y_all, train, test, l2):
    """Fit one head per label on `train` rows, return sigmoid scores for `test` rows (N, 6)."""
    x = design(f, names)
    st = Standardiser(x[train])
    xs = st(x)
    out = np.zeros((len(test), 6), np.float32)
    for li in range(6):
        yl = y_all[train, li]
        if yl.sum() == 0:
            continue
        w, b = fit_logistic(xs[train], yl, l2)
        out[:, li] = 1 / (1 + np.exp(-(xs[test] @ w + b)))
    return out


def load_packed(data):
    from cv import make_folds

    z = np.load(data)
    z = {k: z[k] for k in z.files}
    meta = json.loads(str(z["meta"]))
    rsna_fold, s2d_fold, png_fold, _ = make_folds(z, meta, 4, 11)
    labels = np.concatenate([z["rsna_y"], z["s2d_y"].astype(np.float32), z["png_y"]])
    fold = np.concatenate([rsna_fold, s2d_fold, png_fold])
    n_r, n_s, n_p = len(rsna_fold), len(s2d_fold), len(png_fold)
    group = (["rsna:" + meta["series"][s]["series_uid"] for s in z["rsna_series"]]
             + ["s2d:" + s["group_id"] for s in meta["samples"]] + [f"png:{i}" for i in range(n_p)])
    clean = {"rsna:" + s for s in meta["val_series"]} | {"s2d:" + g for g in meta["val_groups"]}
    clean |= {f"png:{i}" for i in range(n_p)}
    return z, meta, labels, fold, np.array(group), clean, (n_r, n_s, n_p)


def cv(a):
    from cv import evaluate, table

    f = dict(np.load(a.features))
    z, meta, labels, fold, group, clean, (n_r, n_s, n_p) = load_packed(a.data)
    known = ~np.isnan(labels).any(1)
    y = np.nan_to_num(labels) > 0
    rows_clean, rows_all = [], []
    results = {}
    sets = [s for s in a.sets.split(",")]
    for name in sets:
        for l2 in [float(v) for v in a.l2.split(",")]:
            oof = np.zeros((len(y), 6), np.float32)
            for k in range(4):
                tr = np.where((fold != k) & known & (a.png or np.char.find(group.astype(str), "png:") < 0))[0]
                te = np.where(fold == k)[0]
                oof[te] = head_scores(f, FEATURE_SETS[name], y, tr, te, l2)
            arm = f"{name}_l2={l2:g}"
            d = os.path.join(a.out, arm)
            os.makedirs(d, exist_ok=True)
            seg = f["seg"]
            np.savez_compressed(os.path.join(d, "oof.npz"), labels=labels, fold=fold, group=group,
                                series=z["rsna_series"], s2d_masks=np.zeros((0, 1, 1), np.uint8),
                                s2d_pred=np.zeros((0, 1, 1), np.uint8),
                                s2d_binary=np.zeros(0, bool), n_rsna=n_r, n_s2d=0, n_png=n_p,
                                score_seg=seg, score_head=oof, score_mean=0.5 * (seg + oof))
            rc = evaluate(os.path.join(d, "oof.npz"), None, subset=clean)
            ra = evaluate(os.path.join(d, "oof.npz"), None)
            rows_clean.append((arm, rc))
            rows_all.append((arm, ra))
            results[arm] = {"clean": rc, "all": ra}
            log(f"{arm}: clean AUC any seg {rc['seg']['slices']['any']['auc']:.3f} head "
                f"{rc['head']['slices']['any']['auc']:.3f} mean {rc['mean']['slices']['any']['auc']:.3f}")
    with open(os.path.join(a.out, "cv.json"), "w") as fh:
        json.dump(results, fh, indent=1, default=str)
    print("## unseen by the whole chain (segmenter validation patients + rsna-png)\n")
    print(table(rows_clean))
    print("\n## all patients (the segmenter saw its training patients: optimistic for seg)\n")
    print(table(rows_all))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("features")
    p.add_argument("--data", default=".train/data.npz")
    p.add_argument("--onnx", default="models/segmenter.onnx")
    p.add_argument("--out", default=".train/head/features.npz")
    p.set_defaults(func=features)
    c = sub.add_parser("cv")
    c.add_argument("--data", default=".train/data.npz")
    c.add_argument("--features", default=".train/head/features.npz")
    c.add_argument("--out", default=".train/head")
    c.add_argument("--sets", default=",".join(FEATURE_SETS))
    c.add_argument("--l2", default="0.01,0.1")
    c.add_argument("--png", type=int, default=1)
    c.set_defaults(func=cv)
    a = ap.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
