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

`attach` fits the chosen head on the segmenter's training patients and the rsna-png slices
(never on its validation patients) and appends it to the segmenter's ONNX graph as a second
output `slice_logits` ([1, 6]): GlobalAveragePool / GlobalMaxPool of the chosen features,
concatenated, standardised and multiplied by the head's weights — a few hundred multiply-adds
more per slice; the segmenter's own logits are unchanged (checked). `card` then chooses the
head's weight in the slice score and the thresholds on the validation split and updates
`models/analysis.json`:

    cp .train/head/model/segmenter.* models/ && python3 models/train/head.py card
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
            lg, enc, dec = sess.run(["logits", ENCODER_OUT, DECODER_OUT],
                                    {"input": preprocess_slice(xs[i])})
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
    from cv import load, make_folds, samples

    z, meta, _ = load(data, png=True)
    folds = make_folds(z, meta, 4, 11)
    labels, fold, group = samples(z, meta, folds)
    n_r, n_s, n_p = (len(f) for f in folds[:3])
    clean = {"rsna:" + s for s in meta["val_series"]} | {"s2d:" + g for g in meta["val_groups"]}
    clean |= {f"png:{i}" for i in range(n_p)}
    return z, meta, labels, fold, group, clean, (n_r, n_s, n_p)


def cv(a):
    from cv import evaluate, table

    f = dict(np.load(a.features))
    z, meta, labels, fold, group, clean, (n_r, n_s, n_p) = load_packed(a.data)
    known = ~np.isnan(labels).any(1)
    is_png = np.char.startswith(group.astype(str), "png:")
    y = np.nan_to_num(labels) > 0
    rows_clean, rows_all = [], []
    results = {}
    sets = [s for s in a.sets.split(",")]
    for name in sets:
        for l2 in [float(v) for v in a.l2.split(",")]:
            oof = np.zeros((len(y), 6), np.float32)
            for k in range(4):
                tr = np.where((fold != k) & known & (bool(a.png) | ~is_png))[0]
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


def attach(a):
    """Fit the head on the segmenter's training patients (+ rsna-png) and add it to the graph."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    from preprocess import PREPROCESSING, preprocess_slice
    from train_all import sha256, test_vector_input

    f = dict(np.load(a.features))
    z, meta, labels, fold, group, clean, _ = load_packed(a.data)
    known = ~np.isnan(labels).any(1)
    y = np.nan_to_num(labels) > 0
    val = {"rsna:" + s for s in meta["val_series"]} | {"s2d:" + g for g in meta["val_groups"]}
    train = np.where(~np.isin(group, list(val)) & known)[0]
    names = FEATURE_SETS[a.set]
    x = design(f, names)
    st = Standardiser(x[train])
    xs = st(x)
    w_all = np.zeros((x.shape[1], 6))
    b_all = np.zeros(6)
    for li in range(6):
        w, b = fit_logistic(xs[train], y[train, li], a.l2)
        w_all[:, li], b_all[li] = w, b
    # fold the standardisation into the weights: ((x - mu) / sd) @ w + b
    w_fold = (w_all / st.sd[:, None]).astype(np.float32)
    b_fold = (b_all - (st.mu / st.sd) @ w_all).astype(np.float32)

    m = onnx.load(a.onnx)
    g = m.graph
    # a segmenter that already has a head (the shipped one) gets the new head in its place
    for field, keep in ((g.node, lambda n: not n.name.startswith("/slice_head/")),
                        (g.initializer, lambda t: not t.name.startswith("slice_head.")),
                        (g.output, lambda o: o.name != "slice_logits")):
        kept = [x for x in field if keep(x)]
        del field[:]
        field.extend(kept)
    src = {"enc": ENCODER_OUT, "dec": DECODER_OUT}
    pooled = []
    for n in names:  # e.g. dec_avg, dec_max
        part, kind = n.split("_")
        op = "GlobalAveragePool" if kind == "avg" else "GlobalMaxPool"
        out = f"/slice_head/{n}"
        g.node.append(helper.make_node(op, [src[part]], [out], name=out))
        pooled.append(out)
    g.node.append(helper.make_node("Concat", pooled, ["/slice_head/pooled"], axis=1,
                                   name="/slice_head/Concat"))
    g.node.append(helper.make_node("Flatten", ["/slice_head/pooled"], ["/slice_head/features"],
                                   axis=1, name="/slice_head/Flatten"))
    g.initializer.extend([numpy_helper.from_array(w_fold, "slice_head.weight"),
                          numpy_helper.from_array(b_fold, "slice_head.bias")])
    g.node.append(helper.make_node("Gemm", ["/slice_head/features", "slice_head.weight",
                                            "slice_head.bias"], ["slice_logits"],
                                   name="/slice_head/Gemm"))
    g.output.append(helper.make_tensor_value_info("slice_logits", TensorProto.FLOAT, [1, 6]))
    onnx.checker.check_model(m)
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "segmenter.onnx")
    onnx.save(m, path)

    # the new graph gives the old logits unchanged, and the head as fitted
    s_old = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
    s_new = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    d_seg = d_head = 0.0
    for i in (0, 100, 400):
        xin = preprocess_slice(z["rsna_x"][i])
        lg_old = s_old.run(["logits"], {"input": xin})[0]
        lg, hd = s_new.run(["logits", "slice_logits"], {"input": xin})
        d_seg = max(d_seg, float(np.abs(lg - lg_old).max()))
        d_head = max(d_head, float(np.abs(hd[0] - (xs[i] @ w_all + b_all)).max()))
    log(f"check: logits unchanged (max diff {d_seg}), head as fitted (max diff {d_head:.2e})")
    if d_seg > 0 or d_head > 1e-3:
        raise SystemExit("the attached head does not reproduce the fit")

    size = PREPROCESSING["input_size"][0]
    xin = test_vector_input(20261127, 3 * size * size).reshape(1, 3, size, size)
    _, hd = s_new.run(None, {"input": xin})
    with open(a.card) as fh:
        card = json.load(fh)
    card["version"] = a.version
    card["sha256"] = sha256(path)
    card["size_bytes"] = os.path.getsize(path)
    card["onnx"]["slice_output"] = {"name": "slice_logits", "shape": [1, 6],
                                    "activation": "sigmoid per label (not in the graph)"}
    card["test_vector"]["slice_output_values"] = [float(v) for v in hd.reshape(-1)]
    card["architecture"]["slice_head"] = {
        "what": "logistic regression per label on the decoder's last feature (16 channels at "
                f"{size // 2}²), global average and global maximum pooled (32 features); standardisation "
                "folded into the weights; output slice_logits (sigmoid per label)",
        "fitted_on": "the segmenter's training patients (13 RSNA series, 49 masked 2-D slices) "
                     "and the 200 labelled rsna-png slices; none of the validation patients",
        "l2": a.l2, "class_balanced": True,
        "command": "python3 models/train/head.py features && python3 models/train/head.py attach",
        "chosen_by": "patient-grouped 4-fold cross-validation of 4 feature sets × 2 L2 weights "
                     "(models/train/head.py cv), judged on the patients the segmenter never saw",
    }
    with open(os.path.join(a.out, "segmenter.json"), "w") as fh:
        json.dump(card, fh, indent=1)
    log(f"wrote {path} ({os.path.getsize(path)} bytes) and segmenter.json")


def neighbour_mean(q, pos, sigma):
    """Mirror of `src/analysis/context.rs`: each slice's scores as the Gaussian-weighted mean
    (standard deviation `sigma` mm, cut at 3 sigma) of the scores of its series' slices."""
    if sigma <= 0:
        return q
    d = np.abs(pos[:, None] - pos[None, :])
    w = np.where(d <= 3 * sigma, np.exp(-0.5 * (d / sigma) ** 2), 0.0)
    return (w @ q) / w.sum(1, keepdims=True)


def series_spacing(dataset, uid):
    """Slice spacing (mm) of a shared RSNA series, from its NIfTI header."""
    import nibabel as nib

    img = nib.load(os.path.join(dataset, "rsna-ich", "volumes", f"{uid}.nii.gz"))
    return float(np.linalg.norm(img.affine[:3, 2]))


def analysis_card(a):
    """Update models/analysis.json for the segmenter with its head, on the validation split.

    The head weight h (slice score q = h · sigmoid(head) + (1 − h) · segmenter_max) and the
    slice context's width sigma (each slice's q averaged with its neighbours', Gaussian in mm;
    see `neighbour_mean`) are chosen among `--weights` × `--sigmas` by validation AUC for any,
    then mean AUC (the rule the classifier weight was chosen by); thresholds by maximum slice F1
    on the same split, as before; the rest of the card is kept. `hemoscope evaluate` gives the
    leave-one-patient-out figures next to them.
    """
    import onnxruntime as ort
    from preprocess import preprocess_slice
    from train_all import auc, best_threshold, f1_at, sha256

    with open(a.analysis) as fh:
        card = json.load(fh)
    z = np.load(a.data)
    meta = json.loads(str(z["meta"]))
    sess = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
    rx, ry, rser, rsplit = z["rsna_x"], z["rsna_y"], z["rsna_series"], z["rsna_split"]
    sx, sy, ssplit = z["s2d_x"], z["s2d_y"], z["s2d_split"]
    # every slice of the validation series is scored (unlabelled ones are still neighbours)
    vr = np.where(rsplit == 1)[0]
    vs = np.where(ssplit == 1)[0]
    seg, head, ys, series_of, pos = [], [], [], [], []
    spacing = {}
    for kind, idx in (("rsna", vr), ("s2d", vs)):
        for i in idx:
            lg, hd = sess.run(None, {"input": preprocess_slice(rx[i] if kind == "rsna" else sx[i])})
            e = np.exp(lg[0] - lg[0].max(0))
            p = e / e.sum(0)
            seg.append([(1 - p[0]).max()] + [p[c].max() for c in range(1, 6)])
            head.append(1 / (1 + np.exp(-hd[0])))
            ys.append(ry[i] if kind == "rsna" else sy[i])
            if kind == "rsna":
                si = int(rser[i])
                if si not in spacing:
                    spacing[si] = series_spacing(a.dataset, meta["series"][si]["series_uid"])
                series_of.append(si)
                pos.append(spacing[si] * (i - np.where(rser == si)[0][0]))
            else:
                series_of.append(-1)
                pos.append(0.0)
    seg, head, ys, series_of, pos = map(np.array, (seg, head, ys, series_of, pos))
    labelled = ~np.isnan(ys).any(1)
    # The context applies only to labels whose effect the validation series can show (some of
    # their slices hold the label); the others keep each slice's own score.
    in_series = (series_of >= 0) & labelled
    ctx = [c for c in range(len(LABELS)) if np.nan_to_num(ys[in_series, c]).sum() > 0]
    log("slice context for", [LABELS[c] for c in ctx])

    def scores(h, sigma):
        q = h * head + (1 - h) * seg
        out = q.copy()
        for si in set(series_of[series_of >= 0].tolist()):
            sel = series_of == si
            out[np.ix_(sel, ctx)] = neighbour_mean(q[sel], pos[sel], sigma)[:, ctx]
        return out[labelled]

    ys, series_of = ys[labelled], series_of[labelled]
    assessed = [c for c, lab in enumerate(LABELS) if lab not in card.get("not_assessed", {})]
    tried = {}
    for h in [float(v) for v in a.weights.split(",")]:
        for sigma in [float(v) for v in a.sigmas.split(",")]:
            q = scores(h, sigma)
            tried[(h, sigma)] = (round(auc(ys[:, 0], q[:, 0]), 4),
                                 round(float(np.mean([auc(ys[:, c], q[:, c]) for c in assessed])), 4))
            log(f"h={h} sigma={sigma} mm: any AUC {tried[(h, sigma)][0]}, "
                f"mean AUC {tried[(h, sigma)][1]}")
    h, sigma = max(tried, key=lambda k: tried[k])
    q = scores(h, sigma)
    thr = {lab: round(best_threshold(ys[:, c], q[:, c]), 4) for c, lab in enumerate(LABELS)}
    per = {lab: {"auc": auc(ys[:, c], q[:, c]), "f1": f1_at(ys[:, c], q[:, c], thr[lab]),
                 "positives": int(ys[:, c].sum()), "n": int(len(ys))} for c, lab in enumerate(LABELS)}
    min_slices = card["series_verdict"]["min_slices"]
    rows = []
    for si in sorted(set(series_of[series_of >= 0].tolist())):
        sel = series_of == si
        truth = {lab: bool(ys[sel, c].max() > 0) for c, lab in enumerate(LABELS)}
        pred = {lab: bool((q[sel, c] >= thr[lab]).sum() >= min_slices) for c, lab in enumerate(LABELS)}
        pred = {lab: v and pred["any"] for lab, v in pred.items()}
        rows.append({"series_uid": meta["series"][si]["series_uid"], "truth": truth, "predicted": pred})
    m = card["metrics"]
    m["slices"] = per
    m["series"] = {"n": len(rows),
                   "any_correct": sum(r["truth"]["any"] == r["predicted"]["any"] for r in rows),
                   "positive_flagged": sum(r["truth"]["any"] and r["predicted"]["any"] for r in rows),
                   "positive_total": sum(r["truth"]["any"] for r in rows),
                   "negative_flagged": sum((not r["truth"]["any"]) and r["predicted"]["any"] for r in rows),
                   "negative_total": sum(not r["truth"]["any"] for r in rows),
                   "false_subtype_verdicts": sum(
                       r["predicted"][lab] and not r["truth"][lab] for r in rows
                       for c, lab in enumerate(LABELS) if c > 0 and c in assessed),
                   "rows": rows}
    seg_l, head_l = seg[labelled], head[labelled]
    m["segmenter_alone_slices"] = {lab: {"auc": auc(ys[:, c], seg_l[:, c])} for c, lab in enumerate(LABELS)}
    m["head_alone_slices"] = {lab: {"auc": auc(ys[:, c], head_l[:, c])} for c, lab in enumerate(LABELS)}
    m.pop("out_of_group", None)  # recomputed by `hemoscope evaluate` for the new scores
    card["models"]["segmenter"]["sha256"] = sha256(a.onnx)
    card["slice_score"] = {
        "formula": "q = head_weight * sigmoid(segmenter slice head) + (1 - head_weight) * "
                   "segmenter_max (the classifier is not run while classifier_weight is 0), then "
                   "for the neighbour_labels each slice's q is the mean of its series' q weighted by "
                   "exp(-d^2 / (2 neighbour_sigma_mm^2)), d the distance in mm (cut at 3 sigma)",
        "segmenter_max": "max over the segmenter output grid of softmax(logits)[class]; for any: "
                         "max of 1 - softmax[background]",
        "classifier_weight": 0.0,
        "head_weight": h,
        "neighbour_sigma_mm": sigma,
        "neighbour_labels": [LABELS[c] for c in ctx],
        "neighbour_labels_chosen_by": "the labels some validation series' slices hold (the others' "
                                      "context could not be measured on a series)",
        "tried": [{"head_weight": k[0], "neighbour_sigma_mm": k[1], "any_auc": v[0], "mean_auc": v[1]}
                  for k, v in tried.items()],
        "chosen_by": "highest validation AUC for any, then mean AUC over the assessed labels",
    }
    card["thresholds"] = thr
    card["version"] = a.version
    with open(a.analysis, "w") as fh:
        json.dump(card, fh, indent=1)
    log(f"wrote {a.analysis}: head_weight {h}, neighbour_sigma_mm {sigma}, thresholds {thr}")
    log("slices", json.dumps({k: (round(v["auc"], 3) if v["auc"] else None, round(v["f1"], 3))
                              for k, v in per.items()}))


def merge_evaluate(a):
    """Copy the figures only `hemoscope evaluate --json` computes (95 % intervals over patients,
    leave-one-patient-out thresholds, Dice) into models/analysis.json."""
    with open(a.analysis) as fh:
        card = json.load(fh)
    with open(a.evaluate) as fh:
        ev = json.load(fh)
    m = card["metrics"]
    for lab, v in ev["slices"].items():
        if "auc_ci95" in v and lab in m["slices"]:
            m["slices"][lab]["auc_ci95"] = [round(x, 4) for x in v["auc_ci95"]]
    for k in ("dice_any_mean_per_slice", "dice_any_pooled", "dice_pooled_per_subtype",
              "n_masked_slices", "bootstrap", "out_of_group"):
        m[k] = ev[k]
    m["dice_any_mean_per_slice_ci95"] = [round(x, 4) for x in ev["dice_any_mean_per_slice_ci95"]]
    with open(a.analysis, "w") as fh:
        json.dump(card, fh, indent=1)
    log(f"wrote {a.analysis}: intervals, leave-one-patient-out figures and Dice from {a.evaluate}")


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
    t = sub.add_parser("attach")
    t.add_argument("--data", default=".train/data.npz")
    t.add_argument("--features", default=".train/head/features.npz")
    t.add_argument("--onnx", default="models/segmenter.onnx")
    t.add_argument("--card", default="models/segmenter.json")
    t.add_argument("--set", default="dec_avgmax")
    t.add_argument("--l2", type=float, default=0.1)
    t.add_argument("--out", default=".train/head/model")
    t.add_argument("--version", default="0.2.0", help="the segmenter card's version")
    t.set_defaults(func=attach)
    k = sub.add_parser("card")
    k.add_argument("--data", default=".train/data.npz")
    k.add_argument("--onnx", default="models/segmenter.onnx")
    k.add_argument("--analysis", default="models/analysis.json")
    k.add_argument("--dataset", default="../shared/data", help="for the RSNA series' spacing")
    k.add_argument("--weights", default="0,0.5,1")
    k.add_argument("--sigmas", default="0,2,3,4,6", help="slice context widths (mm) to try")
    k.add_argument("--version", default="0.3.0")
    k.set_defaults(func=analysis_card)
    e = sub.add_parser("merge-evaluate")
    e.add_argument("--analysis", default="models/analysis.json")
    e.add_argument("--evaluate", required=True, help="`hemoscope evaluate ../shared/data --json` output")
    e.set_defaults(func=merge_evaluate)
    a = ap.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
