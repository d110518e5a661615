"""Fine-tune the shipped segmenter at another input size (a cheaper model per slice).

    export HEMOSCOPE_INPUT_SIZE=192
    python3 models/train/finetune.py train --onnx models/segmenter.onnx --work .train/ft192 \
        --max-steps 3000
    python3 models/train/train_all.py --role finalize --data .train/data.npz \
        --work .train/ft192 --out .train/ft192/out
    python3 models/train/finetune.py card --shipped models/segmenter.json \
        --card .train/ft192/out/segmenter.json --work .train/ft192

The shipped ONNX file has its batch norms folded into the convolutions, so its weights are
loaded into `nets.UNet` with each batch norm set to the identity plus the folded bias (running
mean 0, running variance 1 − eps), and the batch norms stay in inference mode while the
convolutions and their affine terms train ("frozen batch norm", the usual fine-tuning of a
folded network). The loader checks that the rebuilt network reproduces onnxruntime's logits on
the file's own input size before anything trains. The data, batch mix, augmentation and loss are
`train_all.py`'s segmenter recipe on the training patients only (the validation split stays
held out); the checkpoint is written in `train_all.py`'s format, so its `finalize` exports the
model and writes the card. The slice head is not trained here: `head.py attach` refits it on the
new network's features. `card` carries the shipped card's validated labels and known limits
over to the new card and says how the weights were made.
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
import train_all  # noqa: E402
from train_all import (  # noqa: E402
    Data, Ema, augment, down_mask, log, lr_at, optimise, resize, seg_batch, seg_loss, windows)


def onnx_convs(path):
    """The input side and the (weight, bias) of every Conv node in graph order, f16 storage
    widened to f32."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i).astype(np.float32) for i in m.graph.initializer}
    widen = {n.output[0]: n.input[0] for n in m.graph.node if n.op_type == "Cast"}

    def value(name):
        return inits[widen.get(name, name)]

    out = []
    for n in m.graph.node:
        if n.op_type == "Conv":
            w = value(n.input[1])
            b = value(n.input[2]) if len(n.input) > 2 else np.zeros(w.shape[0], np.float32)
            out.append((w, b))
    side = m.graph.input[0].type.tensor_type.shape.dim[2].dim_value
    return side, out


def load_folded(model, path, torch):
    """Copy the folded ONNX weights into `model` (convolutions in execution order)."""
    import torch.nn as nn

    size, convs = onnx_convs(path)
    order = []
    hooks = [m.register_forward_hook(lambda mod, i, o: order.append(mod))
             for m in model.modules() if isinstance(m, nn.Conv2d)]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    # the batch norm that follows each convolution (module registration order)
    bn_after, prev = {}, None
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            prev = m
        elif isinstance(m, nn.BatchNorm2d) and prev is not None:
            bn_after[prev] = m
            prev = None
    if len(convs) != len(order):
        raise SystemExit(f"{path}: {len(convs)} convolutions, the network has {len(order)}")
    with torch.no_grad():
        for (w, b), conv in zip(convs, order):
            if tuple(conv.weight.shape) != w.shape:
                raise SystemExit(f"shape mismatch: {tuple(conv.weight.shape)} vs {w.shape}")
            conv.weight.copy_(torch.from_numpy(w))
            bn = bn_after.get(conv)
            if bn is not None:
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
                bn.weight.fill_(1.0)
                bn.bias.copy_(torch.from_numpy(b))
            elif conv.bias is not None:
                conv.bias.copy_(torch.from_numpy(b))
            elif np.abs(b).max() > 0:
                raise SystemExit("a convolution with a bias in the file has none in the network")


def check_against_onnx(model, path, torch):
    import onnxruntime as ort

    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    size = s.get_inputs()[0].shape[2]
    x = np.random.RandomState(0).rand(1, 3, size, size).astype(np.float32)
    ref = s.run(["logits"], {"input": x})[0]
    model.eval()
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    d = float(np.abs(got - ref).max())
    log(f"rebuilt network vs onnxruntime: max |Δ logit| {d:.2e}")
    if d > 1e-3:
        raise SystemExit(f"the rebuilt network does not reproduce {path} (max |Δ| {d})")


def mil_loss(torch, F, logits, y, k):
    """Slice labels on a segmenter's output (multiple-instance learning): a label's slice score is
    the mean of its k most probable pixels (haemorrhage: 1 − p(background); a subtype: its
    class), trained with binary cross-entropy against the slice's label. A negative slice
    pushes every pixel to background; a positive one needs some pixels of its subtypes, and a
    subtype absent from the slice is pushed down everywhere on it. Epidural is left out (no
    epidural slice among the RSNA training series)."""
    p = logits.softmax(1).flatten(2)  # (B, 6, h*w)
    fg = 1 - p[:, 0]
    scores = [fg.topk(k, dim=1).values.mean(1)]
    for c in (2, 3, 4, 5):  # intraparenchymal, intraventricular, subarachnoid, subdural
        scores.append(p[:, c].topk(k, dim=1).values.mean(1))
    s = torch.stack(scores, 1).clamp(1e-5, 1 - 1e-5)
    t = y[:, [0, 2, 3, 4, 5]]
    return F.binary_cross_entropy(s, t)


def freeze_bn(model):
    import torch.nn as nn

    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()


def train(a):
    import torch
    import torch.nn.functional as F
    from nets import UNet

    if a.threads:
        torch.set_num_threads(a.threads)
    os.makedirs(a.work, exist_ok=True)
    size, seg_out = train_all.SIZE, train_all.SEG_OUT
    torch.manual_seed(a.seed)
    rng = np.random.RandomState(a.seed)
    model = UNet()
    load_folded(model, a.onnx, torch)
    check_against_onnx(model, a.onnx, torch)
    d = Data(a.data, "cpu", torch)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    ema = Ema(model, 0.99)
    cls_w = torch.tensor([1.0, 3.0, 2.0, 2.0, 2.5, 2.0])
    mix = [max(1, int(round(k * a.batch_scale))) for k in (12, 12, 12)]
    with open(os.path.join(a.work, "args.json"), "w") as fh:
        json.dump({"lr": a.lr, "batch": sum(mix), "max_steps": a.max_steps, "seconds": a.seconds,
                   "seed": a.seed, "size": size, "onnx": a.onnx, "mil_slices": a.mil_slices,
                   "mil_weight": a.mil_weight, "mil_k": a.mil_k}, fh)
    log(f"fine-tune at {size}² (output {seg_out}²), batch {sum(mix)}, lr {a.lr}, "
        f"{a.seconds:.0f} s / {a.max_steps or '∞'} steps, threads {torch.get_num_threads()}")
    t0 = time.time()
    step = 0
    while True:
        frac = (time.time() - t0) / a.seconds
        if a.max_steps:
            frac = max(frac, step / a.max_steps)
        if frac >= 1.0:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(frac, a.lr)
        model.train()
        freeze_bn(model)
        x512, m512, binary = seg_batch(d, rng, *mix)
        x = resize(F, x512)
        m = down_mask(torch, F, m512, seg_out)
        x, m = augment(torch, F, x, m, rng)
        x = windows(torch, x, rng)
        if a.mil_slices:
            # whole RSNA training slices with slice labels only, half of them positive
            k = a.mil_slices // 2
            mi = np.concatenate([rng.choice(d.pos_idx, k), rng.choice(d.neg_idx, a.mil_slices - k)])
            xm = resize(F, d.rsna_x[mi].float().unsqueeze(1))
            xm, _ = augment(torch, F, xm, None, rng)
            out = model(torch.cat([x, windows(torch, xm, rng)]))
            n_seg = x.shape[0]
            loss = seg_loss(torch, F, out[:n_seg], m, binary, cls_w)
            loss = loss + a.mil_weight * mil_loss(torch, F, out[n_seg:], d.rsna_y[mi], a.mil_k)
        else:
            loss = seg_loss(torch, F, model(x), m, binary, cls_w)
        optimise(torch, model, opt, ema, loss)
        step += 1
        if step % 50 == 0:
            log(f"step {step} t={time.time() - t0:.0f}s lr={lr_at(frac, a.lr):.2e} loss={loss.item():.4f}")
        if step % 500 == 0:
            save(a, ema, step, t0, size, torch)
    log(f"{step} steps in {time.time() - t0:.0f}s")
    save(a, ema, step, t0, size, torch)


def save(a, ema, step, t0, size, torch):
    torch.save({"state": ema.m.state_dict(), "steps": step, "seconds": time.time() - t0,
                "recipe": f"fine-tune of {os.path.basename(a.onnx)} at {size}², lr {a.lr}",
                "budget_s": a.seconds, "device": "cpu"},
               os.path.join(a.work, "seg.pt"))


def card(a):
    """The finalized card of the fine-tuned network, with what the shipped card validated."""
    with open(a.shipped) as fh:
        shipped = json.load(fh)
    with open(a.card) as fh:
        c = json.load(fh)
    with open(os.path.join(a.work, "args.json")) as fh:
        run = json.load(fh)
    c["validated_labels"] = shipped["validated_labels"]
    c["known_limits"] = shipped["known_limits"] + [
        f"fine-tuned at {c['onnx']['input']['shape'][2]}² from the {shipped['onnx']['input']['shape'][2]}² "
        f"network {shipped['name']} {shipped['version']} (sha256 {shipped['sha256'][:12]}…): "
        "its weights carry that network's training"]
    size = c["onnx"]["input"]["shape"][2]
    c["training"]["fine_tuned_from"] = {"name": shipped["name"], "version": shipped["version"],
                                        "sha256": shipped["sha256"],
                                        "training": shipped["training"]}
    c["training"]["recipe"] = (f"fine-tune at {size}² (finetune.py: frozen batch norm, AdamW lr "
                               f"{run['lr']}, cosine, batch {run['batch']}, {run['max_steps']} steps, "
                               f"seed {run['seed']}; train_all.py's segmenter data, augmentation and loss"
                               + (f"; plus {run['mil_slices']} whole RSNA training slices per step trained on "
                                  f"their slice labels, top-{run['mil_k']} pixel mean, weight {run['mil_weight']})"
                                  if run.get("mil_slices") else ")"))
    mil = (f" --mil-slices {run['mil_slices']} --mil-weight {run['mil_weight']} --mil-k {run['mil_k']}"
           if run.get("mil_slices") else "")
    c["training"]["command"] = (
        f"HEMOSCOPE_INPUT_SIZE={size} python3 models/train/finetune.py train --onnx "
        f"models/segmenter.onnx --work .train/ft{size} --max-steps {run['max_steps']} "
        f"--lr {run['lr']} --seed {run['seed']}{mil} && HEMOSCOPE_INPUT_SIZE={size} python3 "
        f"models/train/train_all.py --role finalize --work .train/ft{size} --out .train/ft{size}/out")
    with open(a.card, "w") as fh:
        json.dump(c, fh, indent=1)
    log(f"wrote {a.card}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", default=".train/data.npz")
    t.add_argument("--onnx", default="models/segmenter.onnx")
    t.add_argument("--work", required=True)
    t.add_argument("--seconds", type=float, default=1e9, help="wall-clock budget")
    t.add_argument("--max-steps", type=int, default=3000)
    t.add_argument("--lr", type=float, default=4e-4)
    t.add_argument("--batch-scale", type=float, default=0.5, help="of the recipe's 36 slices")
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--threads", type=int, default=0)
    t.add_argument("--mil-slices", type=int, default=0,
                   help="RSNA training slices per step trained on their slice labels (0: none)")
    t.add_argument("--mil-weight", type=float, default=0.5)
    t.add_argument("--mil-k", type=int, default=16, help="pixels averaged for a slice score")
    t.set_defaults(func=train)
    c = sub.add_parser("card")
    c.add_argument("--shipped", default="models/segmenter.json")
    c.add_argument("--card", required=True, help="train_all.py finalize's segmenter.json (rewritten)")
    c.add_argument("--work", required=True)
    c.set_defaults(func=card)
    a = ap.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
