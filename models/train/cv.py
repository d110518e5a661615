"""Patient-grouped k-fold cross-validation of the one-pass model (segmenter + slice head).

    python3 models/train/pack.py --data ../shared/data --out .train/data.npz
    python3 models/train/cv.py run --data .train/data.npz --out .train/cv/imagenet \
        --init imagenet --folds 4 --fold-seconds 390
    python3 models/train/cv.py run ... --init scratch --out .train/cv/scratch
    python3 models/train/cv.py compare .train/cv/imagenet .train/cv/scratch

Every sample is predicted by the fold model that never saw its patient (out of fold):
- RSNA series: one patient each; folds stratified so each holds haemorrhage series;
- 2-D masked slices: by provenance group (`group_id`);
- rsna-png slices: one group per slice (their patients are not known).

Scores per slice, each reported: `seg` = the segmenter's maximum class probability (the shipped
rule), `head` = the classification head's sigmoid, `mean` = their average. Thresholds are chosen
nested: the threshold applied to fold f is the maximum-F1 threshold on the out-of-fold
predictions of the other folds, so no reported F1 or verdict saw its own threshold being chosen.
95 % intervals: bootstrap over patients (groups), 1000 resamples.

`--init imagenet` initialises the encoder from ImageNet MobileNetV2 weights (see
`pretrained.py` for where the file comes from; it stays outside the repository).
The same command runs on CPU (about 1 s per step of 18 slices at 256² on two cores) and on a GPU.
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
from train_all import (  # noqa: E402
    LABELS, SEG_OUT, Ema, augment, best_threshold, down_mask, log, lr_at, optimise, paste,
    resize, seg_loss, windows,
)

SCORES = ("seg", "head", "mean")
MIN_SLICES = 2  # series verdict: a label is positive when at least this many slices are


# ----------------------------------------------------------------------------------------------
# folds


def make_folds(z, meta, k: int, seed: int):
    """Fold id per RSNA slice, 2-D slice and png slice; groups are never split."""
    rng = np.random.RandomState(seed)
    ry = np.nan_to_num(z["rsna_y"])
    rser = z["rsna_series"]
    n_series = len(meta["series"])
    pos = [s for s in range(n_series) if ry[rser == s, 0].max() > 0]
    neg = [s for s in range(n_series) if s not in pos]
    series_fold = np.zeros(n_series, np.int32)
    start = 0
    for lst in (pos, neg):  # stratified: deal positives, then negatives, round robin
        order = rng.permutation(lst)
        for j, s in enumerate(order):
            series_fold[s] = (start + j) % k
        start = (start + len(order)) % k
    groups = sorted({s["group_id"] for s in meta["samples"]})
    gperm = rng.permutation(len(groups))
    gfold = {groups[g]: j % k for j, g in enumerate(gperm)}
    s2d_fold = np.array([gfold[s["group_id"]] for s in meta["samples"]], np.int32)
    n_png = len(z["png_y"]) if "png_y" in z else 0
    png_fold = rng.permutation(np.arange(n_png) % k).astype(np.int32)
    return series_fold[rser], s2d_fold, png_fold, series_fold


def load(path, png, cpu=False):
    """The packed data (arrays in memory, rsna-png dropped unless `png`) and the device."""
    import torch

    dev = "cuda" if torch.cuda.is_available() and not cpu else "cpu"
    if dev == "cpu":
        torch.set_num_threads(max(1, os.cpu_count() or 1))
    npz = np.load(path)
    z = {k: npz[k] for k in npz.files}
    meta = json.loads(str(z["meta"]))
    if not png or "png_y" not in z:
        z["png_x"] = z.get("png_x", np.zeros((0, 512, 512), np.uint8))[:0]
        z["png_y"] = z.get("png_y", np.zeros((0, 6), np.float32))[:0]
    return z, meta, dev


def samples(z, meta, folds):
    """Every sample in one order (RSNA slices, 2-D slices, png slices): labels, fold, group."""
    rsna_fold, s2d_fold, png_fold = folds[:3]
    labels = np.concatenate([z["rsna_y"], z["s2d_y"].astype(np.float32), z["png_y"]])
    fold = np.concatenate([rsna_fold, s2d_fold, png_fold])
    group = np.array(["rsna:" + meta["series"][s]["series_uid"] for s in z["rsna_series"]]
                     + ["s2d:" + s["group_id"] for s in meta["samples"]]
                     + [f"png:{i}" for i in range(len(png_fold))])
    return labels, fold, group


# ----------------------------------------------------------------------------------------------
# training of one fold


class FoldData:
    def __init__(self, z, dev, torch, rsna_fold, s2d_fold, png_fold, fold, use_png):
        self.torch = torch  # train_all.paste reads it
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(dev)  # noqa: E731
        ry = z["rsna_y"]
        known = ~np.isnan(ry).any(1)
        tr = (rsna_fold != fold) & known
        self.neg_idx = np.where(tr & (ry[:, 0] == 0))[0]
        self.pos_idx = np.where(tr & (np.nan_to_num(ry[:, 0]) == 1))[0]
        self.rsna_x = t(z["rsna_x"])
        self.rsna_y = t(np.nan_to_num(ry).astype(np.float32))
        self.s2d_idx = np.where(s2d_fold != fold)[0]
        self.s2d_x = t(z["s2d_x"])
        self.s2d_m = t(z["s2d_m"])
        self.s2d_y = t(z["s2d_y"].astype(np.float32))
        self.s2d_bin = t(z["s2d_binary"])
        self.png_idx = np.where(png_fold != fold)[0] if use_png else np.zeros(0, np.int64)
        if len(self.png_idx):
            self.png_x = t(z["png_x"])
            self.png_y = t(z["png_y"].astype(np.float32))


def make_model(init: str, torch):
    from nets import SegCls

    m = SegCls()
    if init == "imagenet":
        from pretrained import load_mobilenetv2

        path = os.environ.get("HEMOSCOPE_MOBILENETV2_TFLITE",
                              os.path.join(HERE, "..", "..", ".cache", "coral",
                                           "mobilenet_v2_1.0_224_quant.tflite"))
        n = load_mobilenetv2(m.encoder, path)
        log(f"encoder initialised from {os.path.basename(path)} ({n} convolutions)")
    return m


def train_fold(a, z, folds, fold, torch, F, dev):
    rsna_fold, s2d_fold, png_fold, _ = folds
    rng = np.random.RandomState(a.seed + 100 * (fold + 1))
    torch.manual_seed(a.seed + 100 * (fold + 1))
    d = FoldData(z, dev, torch, rsna_fold, s2d_fold, png_fold, fold, a.png)
    model = make_model(a.init, torch).to(dev).to(memory_format=torch.channels_last)
    enc = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    rest = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    enc_lr = a.lr * (a.encoder_lr_factor if a.init == "imagenet" else 1.0)
    opt = torch.optim.AdamW([{"params": enc, "base": enc_lr}, {"params": rest, "base": a.lr}],
                            lr=a.lr, weight_decay=0.03)
    ema = Ema(model, a.ema)
    amp = dev == "cuda"
    cls_w = torch.tensor([1.0, 3.0, 2.0, 2.0, 2.5, 2.0], device=dev)
    pos_w = torch.tensor([1.0, 3.0, 1.5, 2.0, 2.0, 2.0], device=dev)
    sc = a.batch_scale
    n_s2d, n_paste, n_neg, n_pos = (max(1, int(round(k * sc))) for k in (4, 4, 5, 3))
    n_png = max(1, int(round(3 * sc))) if len(d.png_idx) else 0
    log(f"fold {fold}: train neg {len(d.neg_idx)} pos {len(d.pos_idx)} s2d {len(d.s2d_idx)} "
        f"png {len(d.png_idx)}; batch {n_s2d + n_paste + n_neg + n_pos + n_png}")
    t0, step = time.time(), 0
    while True:
        # a step budget (same work on any machine) when given, else the wall-clock budget
        frac = step / a.max_steps if a.max_steps else (time.time() - t0) / a.fold_seconds
        if frac >= 1.0:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(frac, g["base"])
        model.train()
        i = rng.choice(d.s2d_idx, n_s2d)
        xp, mp, yp, bp = paste(d, rng, n_paste)
        ni = rng.choice(d.neg_idx, n_neg)
        pi = rng.choice(d.pos_idx, n_pos)
        xs = [d.s2d_x[i], xp, d.rsna_x[ni], d.rsna_x[pi]]
        ys = [d.s2d_y[i], yp, d.rsna_y[ni], d.rsna_y[pi]]
        if n_png:
            gi = rng.choice(d.png_idx, n_png)
            xs.append(d.png_x[gi])
            ys.append(d.png_y[gi])
        n_seg = n_s2d + n_paste + n_neg
        x512 = torch.cat(xs).float().unsqueeze(1)
        y = torch.cat(ys)
        m512 = torch.cat([d.s2d_m[i], mp, torch.zeros_like(d.rsna_x[ni])])
        binary = torch.cat([d.s2d_bin[i], bp, torch.zeros(n_neg, dtype=torch.bool, device=dev)])
        x = resize(F, x512)
        m = down_mask(torch, F, m512, SEG_OUT)
        # augment everything together; the mask rows beyond n_seg are placeholders
        m_all = torch.cat([m, torch.zeros((x.shape[0] - n_seg,) + m.shape[1:], dtype=m.dtype,
                                          device=dev)])
        x, m_all = augment(torch, F, x, m_all, rng)
        x = windows(torch, x, rng).contiguous(memory_format=torch.channels_last)
        with torch.autocast(dev, dtype=torch.bfloat16, enabled=amp):
            seg, cls = model(x)
        loss_seg = seg_loss(torch, F, seg[:n_seg].float(), m_all[:n_seg], binary, cls_w)
        loss_cls = F.binary_cross_entropy_with_logits(cls.float(), y, pos_weight=pos_w)
        loss = loss_seg + a.cls_weight * loss_cls
        optimise(torch, model, opt, ema, loss)
        step += 1
        if step % 50 == 0:
            log(f"fold {fold} step {step} t={time.time() - t0:.0f}s seg={loss_seg.item():.3f} "
                f"cls={loss_cls.item():.3f}")
    log(f"fold {fold}: {step} steps in {time.time() - t0:.0f}s")
    return ema.m.eval(), step


# ----------------------------------------------------------------------------------------------
# out-of-fold prediction


def predict(model, x512_u8, torch, F, dev, bs=8):
    """(N,512,512) uint8 → seg-max scores (N,6), head sigmoid (N,6), logits at 128² (N,6,h,w)."""
    seg_max, head, logits = [], [], []
    with torch.no_grad():
        for s in range(0, len(x512_u8), bs):
            x = torch.from_numpy(np.ascontiguousarray(x512_u8[s:s + bs])).to(dev).float()
            x = windows(torch, resize(F, x.unsqueeze(1)))
            seg, cls = model(x.contiguous(memory_format=torch.channels_last))
            p = seg.float().softmax(1)
            mx = p.amax(dim=(2, 3))
            fg = (1 - p[:, 0]).amax(dim=(1, 2))
            seg_max.append(torch.cat([fg[:, None], mx[:, 1:]], 1).cpu().numpy())
            head.append(torch.sigmoid(cls.float()).cpu().numpy())
            logits.append(seg.float().cpu().numpy())
    return np.concatenate(seg_max), np.concatenate(head), np.concatenate(logits)


def run(a):
    import torch
    import torch.nn.functional as F

    z, meta, dev = load(a.data, a.png, a.cpu)
    folds = make_folds(z, meta, a.folds, a.split_seed)
    rsna_fold, s2d_fold, png_fold, series_fold = folds
    os.makedirs(a.out, exist_ok=True)
    n_r, n_s, n_p = len(rsna_fold), len(s2d_fold), len(png_fold)
    oof = {k: np.full((n_r + n_s + n_p, 6), np.nan, np.float32) for k in SCORES}
    pred_masks = np.zeros(z["s2d_m"].shape, np.uint8)
    steps = []
    t_all = time.time()
    for fold in range(a.folds):
        if a.only_fold is not None and fold != a.only_fold:
            continue
        model, n_steps = train_fold(a, z, folds, fold, torch, F, dev)
        steps.append(n_steps)
        ri = np.where(rsna_fold == fold)[0]
        si = np.where(s2d_fold == fold)[0]
        pi = np.where(png_fold == fold)[0]
        for base, idx, xs in ((0, ri, z["rsna_x"]), (n_r, si, z["s2d_x"]), (n_r + n_s, pi, z["png_x"])):
            if len(idx) == 0:
                continue
            sm, hd, lg = predict(model, xs[idx], torch, F, dev)
            oof["seg"][base + idx] = sm
            oof["head"][base + idx] = hd
            oof["mean"][base + idx] = 0.5 * (sm + hd)
            if base == n_r:
                up = F.interpolate(torch.from_numpy(lg), size=xs.shape[1:], mode="bilinear",
                                   align_corners=False)
                pred_masks[idx] = up.argmax(1).numpy().astype(np.uint8)
        log(f"fold {fold} predicted ({len(ri)} rsna, {len(si)} 2-D, {len(pi)} png)")
    labels, fold_of, group = samples(z, meta, folds)
    np.savez_compressed(os.path.join(a.out, "oof.npz"), labels=labels, fold=fold_of,
                        group=group, series=z["rsna_series"],
                        s2d_masks=z["s2d_m"], s2d_pred=pred_masks, s2d_binary=z["s2d_binary"],
                        n_rsna=n_r, n_s2d=n_s, n_png=n_p, **{f"score_{k}": v for k, v in oof.items()})
    config = {k: v for k, v in vars(a).items() if k != "func"}
    config.update({"device": dev, "steps_per_fold": steps, "seconds": round(time.time() - t_all),
                   "series_fold": series_fold.tolist()})
    res = evaluate(os.path.join(a.out, "oof.npz"), meta)
    res["config"] = config
    with open(os.path.join(a.out, "metrics.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(table([(os.path.basename(os.path.normpath(a.out)), res)]))


# ----------------------------------------------------------------------------------------------
# metrics


def auc_fast(y, s):
    """Mann–Whitney AUC with tie-averaged ranks; None without both classes."""
    y = np.asarray(y, bool)
    npos, nneg = int(y.sum()), int((~y).sum())
    if npos == 0 or nneg == 0:
        return None
    s = np.asarray(s, np.float64)
    uniq, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    avg = ends - (counts - 1) / 2.0
    ranks = avg[inv]
    return float((ranks[y].sum() - npos * (npos + 1) / 2) / (npos * nneg))


def nested_predictions(y, s, fold):
    """Binary predictions where fold f uses the max-F1 threshold of the other folds."""
    pred = np.zeros(len(y), bool)
    thr = {}
    for f in np.unique(fold):
        tr = fold != f
        t = best_threshold(y[tr], s[tr])
        thr[int(f)] = t
        pred[fold == f] = s[fold == f] >= t
    return pred, thr


def f1_of(y, pred):
    tp = int((pred & y).sum())
    fp = int((pred & ~y).sum())
    fn = int((~pred & y).sum())
    return (2 * tp / (2 * tp + fp + fn)) if (2 * tp + fp + fn) else None


def series_verdicts(y, pred, series, n_rsna, keep):
    """Per RSNA series: truth and verdict per label (subtypes only when `any` is positive)."""
    rows = []
    for s in np.unique(series):
        sel = np.where(series == s)[0]
        sel = sel[sel < n_rsna]
        sel = sel[keep[sel]]
        if len(sel) == 0:
            continue
        truth = y[sel].max(0) > 0
        verdict = pred[sel].sum(0) >= MIN_SLICES
        verdict[1:] &= verdict[0]
        rows.append((int(s), truth, verdict))
    return rows


def evaluate(path, meta, boot=1000, seed=0, subset=None):
    """Metrics of one arm's out-of-fold predictions; `subset`: only these groups' samples."""
    z = np.load(path)
    y_all = z["labels"]
    fold = z["fold"]
    group = z["group"]
    n_r = int(z["n_rsna"])
    known = ~np.isnan(y_all).any(1)
    if subset is not None:
        known &= np.isin(group, list(subset))
    out = {"n_slices": int(known.sum()), "n_groups": int(len(np.unique(group[known])))}
    rng = np.random.RandomState(seed)
    ug, ginv = np.unique(group, return_inverse=True)
    members = [np.where((ginv == g) & known)[0] for g in range(len(ug))]
    boots = [np.concatenate([members[g] for g in rng.randint(0, len(ug), len(ug))])
             for _ in range(boot)]
    for sc in [k for k in SCORES if f"score_{k}" in z.files]:
        s_all = z[f"score_{sc}"]
        per = {}
        preds = np.zeros_like(y_all, dtype=bool)
        for li, lab in enumerate(LABELS):
            y = y_all[known, li] > 0
            s = s_all[known, li]
            pred, thr = nested_predictions(y, s, fold[known])
            preds[known, li] = pred
            a_ = auc_fast(y, s)
            f_ = f1_of(y, pred)
            row = {"auc": a_, "f1": f_, "positives": int(y.sum()), "n": int(len(y)),
                   "thresholds_per_fold": thr,
                   "threshold_all_oof": best_threshold(y, s)}
            if lab == "any" or li == 2:
                aucs, f1s = [], []
                for b in boots:
                    yb = y_all[b, li] > 0
                    aucs.append(auc_fast(yb, s_all[b, li]))
                    f1s.append(f1_of(yb, preds[b, li]))
                row["auc_ci95"] = ci([v for v in aucs if v is not None])
                row["f1_ci95"] = ci([v for v in f1s if v is not None])
            per[lab] = row
        rows = series_verdicts(y_all, np.where(known[:, None], preds, False), z["series"], n_r,
                               known)
        truth = np.array([r[1] for r in rows])
        verd = np.array([r[2] for r in rows])
        series = {
            "n": len(rows),
            "any_correct": int((truth[:, 0] == verd[:, 0]).sum()),
            "positive_flagged": int((truth[:, 0] & verd[:, 0]).sum()),
            "positive_total": int(truth[:, 0].sum()),
            "negative_flagged": int((~truth[:, 0] & verd[:, 0]).sum()),
            "negative_total": int((~truth[:, 0]).sum()),
            "false_subtype_verdicts": int((verd[:, 1:] & ~truth[:, 1:]).sum()),
            "series_with_false_subtype": int((verd[:, 1:] & ~truth[:, 1:]).any(1).sum()),
            "missed_subtype_verdicts": int((~verd[:, 1:] & truth[:, 1:]).sum()),
            "all_labels_correct": int((truth == verd).all(1).sum()),
        }
        out[sc] = {"slices": per, "series": series}
    n_s = int(z["n_s2d"])
    s2d_keep = known[n_r:n_r + n_s]
    out["dice"] = (dice(z, s2d_keep, boots_groups(z["group"][n_r:n_r + n_s][s2d_keep], rng, boot))
                   if s2d_keep.any() else None)
    return out


def boots_groups(g, rng, boot):
    ug, inv = np.unique(g, return_inverse=True)
    members = [np.where(inv == k)[0] for k in range(len(ug))]
    return [np.concatenate([members[k] for k in rng.randint(0, len(ug), len(ug))])
            for _ in range(boot)]


def dice(z, keep, boots):
    gt, pr, binary = z["s2d_masks"][keep], z["s2d_pred"][keep], z["s2d_binary"][keep]
    per_slice = []
    inter = union = 0
    sub = {c: [] for c in range(1, 6)}
    for i in range(len(gt)):
        g, p = gt[i] > 0, pr[i] > 0
        it, un = int((g & p).sum()), int(g.sum() + p.sum())
        inter += it
        union += un
        per_slice.append(2 * it / un if un else 1.0)
        if not binary[i]:
            for c in range(1, 6):
                gc = gt[i] == c
                if gc.any():
                    pc = pr[i] == c
                    sub[c].append(2 * (gc & pc).sum() / (gc.sum() + pc.sum()))
    per_slice = np.array(per_slice)
    return {
        "any_mean": float(per_slice.mean()),
        "any_mean_ci95": ci([float(per_slice[b].mean()) for b in boots]),
        "any_pooled": float(2 * inter / max(1, union)),
        "n_slices": int(len(gt)),
        "per_subtype_mean": {LABELS[c]: (float(np.mean(v)) if v else None) for c, v in sub.items()},
        "per_subtype_n": {LABELS[c]: len(v) for c, v in sub.items()},
    }


def ci(vals):
    if not vals:
        return None
    return [float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))]


def fmt(v, ci_=None):
    if v is None:
        return "–"
    s = f"{v:.3f}"
    if ci_:
        s += f" [{ci_[0]:.2f}–{ci_[1]:.2f}]"
    return s


def table(arms):
    """Markdown table: one row per arm and score."""
    lines = ["| arm | score | AUC any [95% CI] | F1 any [95% CI] | AUC IPH | AUC IVH | AUC SAH | "
             "AUC SDH | series any right | neg. flagged | false subtype verdicts | Dice any [95% CI] |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in arms:
        for sc in [k for k in SCORES if k in r]:
            p, s = r[sc]["slices"], r[sc]["series"]
            lines.append(
                f"| {name} | {sc} | {fmt(p['any']['auc'], p['any'].get('auc_ci95'))} | "
                f"{fmt(p['any']['f1'], p['any'].get('f1_ci95'))} | "
                f"{fmt(p['intraparenchymal']['auc'])} | {fmt(p['intraventricular']['auc'])} | "
                f"{fmt(p['subarachnoid']['auc'])} | {fmt(p['subdural']['auc'])} | "
                f"{s['any_correct']}/{s['n']} | {s['negative_flagged']}/{s['negative_total']} | "
                f"{s['false_subtype_verdicts']} (in {s['series_with_false_subtype']} series) | "
                f"{fmt(r['dice']['any_mean'], r['dice']['any_mean_ci95']) if r['dice'] else '–'} |")
    return "\n".join(lines)


def compare(a):
    """One table over arms; `--subset val`: only the shipped models' validation patients (and
    the rsna-png slices, which no shipped model saw), recomputed from each arm's predictions."""
    arms = []
    subset = None
    if a.subset == "val":
        z = np.load(a.data)
        meta = json.loads(str(z["meta"]))
        subset = {"rsna:" + s for s in meta["val_series"]}
        subset |= {"s2d:" + g for g in meta["val_groups"]}
        subset |= {f"png:{i}" for i in range(len(z["png_y"]))}
    for d in a.dirs:
        name = os.path.basename(os.path.normpath(d))
        if subset is None:
            with open(os.path.join(d, "metrics.json")) as f:
                arms.append((name, json.load(f)))
        else:
            arms.append((name, evaluate(os.path.join(d, "oof.npz"), None, subset=subset)))
    print(table(arms))


def shipped(a):
    """Predictions of a shipped segmenter ONNX on every sample, in the same layout as a run.

    Only its validation patients (and rsna-png) are unseen by it: compare with `--subset val`.
    """
    import onnxruntime as ort
    import torch
    import torch.nn.functional as F
    from preprocess import preprocess_slice

    z, meta, _ = load(a.data, png=True)
    folds = make_folds(z, meta, a.folds, a.split_seed)
    rsna_fold, s2d_fold, png_fold, _ = folds
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(a.onnx, so, providers=["CPUExecutionProvider"])
    n_r, n_s, n_p = len(rsna_fold), len(s2d_fold), len(png_fold)
    score = np.zeros((n_r + n_s + n_p, 6), np.float32)
    pred_masks = np.zeros(z["s2d_m"].shape, np.uint8)
    k = 0
    for xs in (z["rsna_x"], z["s2d_x"], z["png_x"]):
        for i in range(len(xs)):
            lg = sess.run(None, {"input": preprocess_slice(xs[i])})[0]
            p = torch.from_numpy(lg).softmax(1)[0]
            score[k] = np.concatenate([[float((1 - p[0]).max())], p[1:].amax(dim=(1, 2)).numpy()])
            if n_r <= k < n_r + n_s:
                up = F.interpolate(torch.from_numpy(lg), size=xs.shape[1:], mode="bilinear",
                                   align_corners=False)
                pred_masks[k - n_r] = up.argmax(1)[0].numpy().astype(np.uint8)
            k += 1
    labels, fold_of, group = samples(z, meta, folds)
    os.makedirs(a.out, exist_ok=True)
    np.savez_compressed(os.path.join(a.out, "oof.npz"), labels=labels, fold=fold_of, group=group,
                        series=z["rsna_series"], s2d_masks=z["s2d_m"], s2d_pred=pred_masks,
                        s2d_binary=z["s2d_binary"], n_rsna=n_r, n_s2d=n_s, n_png=n_p,
                        score_seg=score)
    log(f"wrote {a.out}/oof.npz ({k} slices)")


# ----------------------------------------------------------------------------------------------
# the shipped model: the recipe of a cross-validated run, trained on every patient


HEAD_WEIGHT = {"seg": 0.0, "head": 1.0, "mean": 0.5}
VALIDATED = ["any", "intraparenchymal", "intraventricular", "subarachnoid", "subdural"]


def choose_score(res):
    """Highest out-of-fold AUC for any, then mean AUC over the validated labels."""
    def key(sc):
        p = res[sc]["slices"]
        return (round(p["any"]["auc"], 3),
                float(np.mean([p[lab]["auc"] for lab in VALIDATED if p[lab]["auc"] is not None])))
    return max([k for k in SCORES if k in res], key=key)


def export_two_outputs(torch, model, path, size):
    model = model.float().eval().cpu()
    x = torch.zeros(1, 3, size, size)
    torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False, input_names=["input"],
                      output_names=["logits", "slice_logits"], do_constant_folding=True)


def final(a):
    import onnxruntime as ort
    import torch
    import torch.nn.functional as F
    from nets import DECODER_CHANNELS, SEG_CLASSES
    from train_all import SIZE, base_card, sha256, test_vector_input, to_f16_storage

    with open(os.path.join(a.cv, "metrics.json")) as f:
        res = json.load(f)
    cfg = argparse.Namespace(**res["config"])
    cfg.max_steps = a.steps or cfg.max_steps
    z, meta, dev = load(a.data, cfg.png, a.cpu)
    folds = make_folds(z, meta, cfg.folds, cfg.split_seed)
    # fold -1: no patient is held out
    model, steps = train_fold(cfg, z, folds, -1, torch, F, dev)
    t_train = time.time()
    os.makedirs(a.out, exist_ok=True)
    f32 = os.path.join(a.out, "segmenter_f32.onnx")
    path = os.path.join(a.out, "segmenter.onnx")
    export_two_outputs(torch, model, f32, SIZE)
    to_f16_storage(f32, path)
    model = model.float().eval().cpu()
    s32 = ort.InferenceSession(f32, providers=["CPUExecutionProvider"])
    s16 = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    rs = np.random.RandomState(0)
    d_pt = d_16 = 0.0
    for _ in range(3):
        x = rs.rand(1, 3, SIZE, SIZE).astype(np.float32)
        with torch.no_grad():
            pt = [t.numpy() for t in model(torch.from_numpy(x))]
        o32 = s32.run(None, {"input": x})
        o16 = s16.run(None, {"input": x})
        for p_, a_, b_ in zip(pt, o32, o16):
            d_pt = max(d_pt, float(np.abs(p_ - a_).max()))
            d_16 = max(d_16, float(np.abs(b_ - a_).max()))
    checks = {"max_abs_onnxruntime_vs_torch": d_pt, "max_abs_f16_storage_vs_f32": d_16,
              "steps": steps, "device": dev}
    log("export checks", checks)
    seed = 20261127
    x = test_vector_input(seed, 3 * SIZE * SIZE).reshape(1, 3, SIZE, SIZE)
    o, head = s16.run(None, {"input": x})
    o = o.astype(np.float64)
    flat = o.reshape(-1)
    idx = [int(k) for k in np.linspace(0, flat.size - 1, 16).round()]
    tv = {
        "generator": "u_i = ((i * 2654435761 + seed) mod 2^32) / 2^32 as f32, i = flat NCHW index",
        "seed": seed, "input_shape": [1, 3, SIZE, SIZE], "output_shape": list(o.shape),
        "output_channel_means": [float(o[0, c].mean()) for c in range(o.shape[1])],
        "output_samples": {"flat_index": idx, "value": [float(flat[k]) for k in idx]},
        "slice_output_values": [float(v) for v in head.reshape(-1)],
        "tolerance": 1e-4,
    }
    score = choose_score(res)
    blob = {"steps": steps, "seconds": 0, "device": dev, "recipe": "v2", "budget_s": 0}
    card = base_card("segmenter", path, blob, meta, tv, checks)
    init = "ImageNet MobileNetV2 (google-coral/test_data, Apache-2.0, dequantised int8)" \
        if cfg.init == "imagenet" else "from scratch"
    card["architecture"] = {
        "name": f"U-Net, timm mobilenetv2_100 encoder ({init}), slim decoder ending at stride 2, "
                "plus a slice classification head (global average pool of the stride-32 "
                "feature, linear, 6 logits): one pass gives masks and slice scores",
        "decoder_channels": list(DECODER_CHANNELS)}
    card["classes"] = SEG_CLASSES
    card["onnx"]["slice_output"] = {"name": "slice_logits", "shape": [1, 6],
                                    "activation": "sigmoid per label (not in the graph)"}
    card["validated_labels"] = VALIDATED
    card["thresholds_chosen_on"] = ("out-of-fold predictions of a patient-grouped "
                                    f"{cfg.folds}-fold cross-validation of this recipe")
    card["training"]["command"] = (
        "python3 models/train/pack.py --data ../shared/data --out .train/data.npz && "
        f"python3 models/train/cv.py run --out .train/cv/{os.path.basename(os.path.normpath(a.cv))} "
        f"--init {cfg.init} --png {cfg.png} --folds {cfg.folds} --max-steps {cfg.max_steps} && "
        f"python3 models/train/cv.py final --cv .train/cv/{os.path.basename(os.path.normpath(a.cv))} "
        "--out .train/final")
    card["training"]["patients"] = "every patient of the data (22 RSNA series, 72 masked 2-D "\
        "slices" + (", 200 rsna-png slices)" if cfg.png else ")")
    card["training"]["recipe"] = {k: getattr(cfg, k) for k in (
        "init", "png", "max_steps", "lr", "encoder_lr_factor", "cls_weight", "ema", "batch_scale",
        "seed")}
    if cfg.png:
        card["training"]["data"].append({
            "source": "rsna-png: 200 labelled RSNA ICH slices as brain-window PNGs "
                      "(paulokuriki/rsna-intracranial-hemorrhage-dataset)",
            "terms": "repository MIT; images under the RSNA ICH terms"})
    if cfg.init == "imagenet":
        card["training"]["pretrained"] = {
            "source": "google-coral/test_data: mobilenet_v2_1.0_224_quant.tflite",
            "licence": "Apache-2.0", "how": "models/train/pretrained.py"}
    card.pop("validation_split", None)
    card["cross_validation"] = cv_summary(res, cfg)
    card["metrics"] = {"out_of_fold": {"dice": res["dice"],
                                       "slices": res[score]["slices"]}}
    card["known_limits"] = [
        "trained on about 160 positive slices (22 RSNA series, 72 masked 2-D slices, 100 "
        "rsna-png slices); the figures are out-of-fold estimates with wide intervals",
        "no epidural haemorrhage in the RSNA series: epidural is not assessed",
        "the 2-D masked slices derive from RSNA scans and may share patients with the RSNA series",
        "rsna-png slices are brain-window images (HU above 80 saturates)",
        "input HU clipped to [0, 255] (bone detail is not seen)",
    ]
    with open(os.path.join(a.out, "segmenter.json"), "w") as f:
        json.dump(card, f, indent=1)
    thr = {lab: round(float(res[score]["slices"][lab]["threshold_all_oof"]), 4) for lab in LABELS}
    with open(os.path.join(a.models, "analysis.json")) as f:
        old = json.load(f)
    analysis = {
        "name": "hemoscope-analysis",
        "version": "0.2.0",
        "models": {
            "classifier": old["models"]["classifier"],
            "segmenter": {"file": "segmenter.onnx", "card": "segmenter.json",
                          "sha256": sha256(path)},
        },
        "labels": LABELS,
        "slice_score": {
            "formula": "q = head_weight * sigmoid(segmenter slice head) + (1 - head_weight) * "
                       "segmenter_max",
            "segmenter_max": "max over the segmenter output grid of softmax(logits)[class]; for "
                             "any: max of 1 - softmax[background]",
            "classifier_weight": 0.0,
            "head_weight": HEAD_WEIGHT[score],
            "scores_tried": {k: HEAD_WEIGHT[k] for k in SCORES},
            "chosen_by": "highest out-of-fold AUC for any (3 decimals), then mean AUC over the "
                         "assessed labels",
            "classifier": "the separate MobileViT-XS is not run: its weight stays 0 (see "
                          "selection_note)",
        },
        "thresholds": thr,
        # shown as "not assessed (too few training cases)": no epidural haemorrhage in the RSNA
        # series, 9 masked 2-D slices only
        "not_assessed": {"epidural": "too few training cases"},
        "series_verdict": {"rule": "a label is positive when at least min_slices slices have q >= "
                                   "threshold; a subtype only when any is positive",
                           "min_slices": MIN_SLICES},
        "mask": "argmax of the segmenter logits after bilinear (half-pixel) upsampling to the "
                "slice grid",
        "thresholds_chosen_on": f"out-of-fold predictions of the {cfg.folds}-fold cross-validation "
                                "(maximum slice F1 per label over all folds)",
        "validation_split": {
            "held_out": False,
            "note": "the shipped segmenter is trained on every patient; `hemoscope evaluate` on "
                    "these series shows its fit to training data, the out-of-fold figures in "
                    "metrics are the estimate of its performance",
            "rsna_series": [s["series_uid"] for s in meta["series"]],
            "slices2d_samples": [s["sample"] for s in meta["samples"]],
        },
        "metrics": {
            "kind": "out-of-fold (patient-grouped cross-validation); F1 and verdicts use nested "
                    "thresholds (each fold's threshold chosen on the other folds)",
            "slices": res[score]["slices"],
            "series": res[score]["series"],
            "dice": res["dice"],
            "all_scores": {k: {"slices_any_auc": res[k]["slices"]["any"]["auc"],
                               "series": res[k]["series"]} for k in SCORES if k in res},
        },
        "cross_validation": cv_summary(res, cfg),
        "intended_use": "research and demonstration, not diagnosis",
    }
    with open(os.path.join(a.out, "analysis.json"), "w") as f:
        json.dump(analysis, f, indent=1)
    log(f"wrote {a.out}: segmenter.onnx ({os.path.getsize(path) / 1e6:.2f} MB), segmenter.json, "
        f"analysis.json (score {score}, thresholds {thr}); export {time.time() - t_train:.0f}s")


def cv_summary(res, cfg):
    return {"folds": cfg.folds, "split_seed": cfg.split_seed,
            "grouping": "RSNA series (one patient each), 2-D slices by provenance group, "
                        "rsna-png slices one by one",
            "series_fold": cfg.series_fold, "steps_per_fold": cfg.steps_per_fold,
            "device": cfg.device, "bootstrap": "1000 resamples of patients, 95 % percentile "
                                               "interval",
            "command": "python3 models/train/cv.py run (see models/train/README.md)"}


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--data", default=".train/data.npz")
    r.add_argument("--out", required=True)
    r.add_argument("--init", choices=["scratch", "imagenet"], default="imagenet")
    r.add_argument("--png", type=int, default=1, help="train the head on rsna-png slices (1/0)")
    r.add_argument("--folds", type=int, default=4)
    r.add_argument("--only-fold", type=int, default=None)
    r.add_argument("--split-seed", type=int, default=11)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--fold-seconds", type=float, default=390)
    r.add_argument("--max-steps", type=int, default=0,
                   help="steps per fold (overrides --fold-seconds): arms compared at equal work")
    r.add_argument("--batch-scale", type=float, default=1.0, help="2 or more on a GPU")
    r.add_argument("--lr", type=float, default=2e-3)
    r.add_argument("--encoder-lr-factor", type=float, default=0.5)
    r.add_argument("--cls-weight", type=float, default=0.5)
    r.add_argument("--ema", type=float, default=0.99)
    r.add_argument("--cpu", action="store_true")
    r.set_defaults(func=run)
    c = sub.add_parser("compare")
    c.add_argument("dirs", nargs="+")
    c.add_argument("--subset", choices=["all", "val"], default="all")
    c.add_argument("--data", default=".train/data.npz")
    c.set_defaults(func=compare)
    b = sub.add_parser("shipped")
    b.add_argument("--onnx", default="models/segmenter.onnx")
    b.add_argument("--data", default=".train/data.npz")
    b.add_argument("--out", required=True)
    b.add_argument("--folds", type=int, default=4)
    b.add_argument("--split-seed", type=int, default=11)
    b.set_defaults(func=shipped)
    fi = sub.add_parser("final")
    fi.add_argument("--cv", required=True, help="a cross-validated run whose recipe to train")
    fi.add_argument("--data", default=".train/data.npz")
    fi.add_argument("--models", default="models")
    fi.add_argument("--out", default=".train/final")
    fi.add_argument("--steps", type=int, default=0, help="default: the run's steps per fold")
    fi.add_argument("--cpu", action="store_true")
    fi.set_defaults(func=final)
    a = ap.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
