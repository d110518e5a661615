"""ImageNet MobileNetV2 weights for the segmenter's encoder, from an int8 TFLite file.

Source (Apache-2.0): the public repository google-coral/test_data, file
`mobilenet_v2_1.0_224_quant.tflite` (commit 104342d of its default branch when fetched). Put it
(and `grace_hopper.bmp`, `imagenet_labels.txt` from the same repository for the check below) in
`.cache/coral/`; nothing of it goes into this repository:

    python3 models/train/pretrained.py --tflite .cache/coral/mobilenet_v2_1.0_224_quant.tflite \
        --check-image .cache/coral/grace_hopper.bmp --labels .cache/coral/imagenet_labels.txt

The file holds uint8 weights with batch norm folded into each convolution (per-tensor scale and
zero point, int32 biases). Dequantised, they map one to one, in graph order, onto timm's
`mobilenetv2_100` convolutions; each batch norm becomes the identity plus the folded bias. The
TFLite network reads pixels scaled to [-1, 1]; our inputs are windows in [0, 1], so the stem is
rescaled (x' = 2x - 1 folded into its weights and bias).
"""

from __future__ import annotations

import argparse

import numpy as np


def _tflite_convs(path: str) -> list[dict]:
    """Every CONV_2D / DEPTHWISE_CONV_2D of the graph, in order, with float weights and bias."""
    import tflite  # PyPI `tflite` (flatbuffer reader only; no TensorFlow)

    buf = open(path, "rb").read()
    m = tflite.Model.GetRootAsModel(buf, 0)
    g = m.Subgraphs(0)
    conv, dw = tflite.BuiltinOperator.CONV_2D, tflite.BuiltinOperator.DEPTHWISE_CONV_2D

    def tensor(idx: int) -> np.ndarray:
        t = g.Tensors(idx)
        raw = m.Buffers(t.Buffer()).DataAsNumpy()
        dtype = {tflite.TensorType.UINT8: np.uint8, tflite.TensorType.INT8: np.int8,
                 tflite.TensorType.INT32: np.int32}[t.Type()]
        q = np.frombuffer(raw.tobytes(), dtype).reshape(t.ShapeAsNumpy()).astype(np.float64)
        qp = t.Quantization()
        scale, zero = qp.ScaleAsNumpy(), qp.ZeroPointAsNumpy()
        if len(scale) != 1:
            raise ValueError("per-channel quantisation is not expected in this file")
        return ((q - zero[0]) * scale[0]).astype(np.float32)

    out = []
    for i in range(g.OperatorsLength()):
        op = g.Operators(i)
        oc = m.OperatorCodes(op.OpcodeIndex())
        code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
        if code not in (conv, dw):
            continue
        ins = op.InputsAsNumpy()
        w, b = tensor(ins[1]), tensor(ins[2])
        if code == dw:  # (1, kh, kw, C) -> (C, 1, kh, kw)
            w = w[0].transpose(2, 0, 1)[:, None]
        else:  # (O, kh, kw, I) -> (O, I, kh, kw)
            w = w.transpose(0, 3, 1, 2)
        out.append({"weight": w, "bias": b, "depthwise": code == dw})
    return out


def load_mobilenetv2(model, path: str, with_classifier: bool = False) -> int:
    """Copy the TFLite weights into a timm `mobilenetv2_100` (full or `features_only`).

    Returns the number of convolutions set. The order of timm's Conv2d modules is the graph
    order of the TFLite file; shapes are checked one by one.
    """
    import torch
    import torch.nn as nn

    convs = _tflite_convs(path)
    mods = [(n, mod) for n, mod in model.named_modules() if isinstance(mod, nn.Conv2d)]
    bns = {n: mod for n, mod in model.named_modules() if isinstance(mod, nn.BatchNorm2d)}
    n_set = 0
    with torch.no_grad():
        for (name, conv), src in zip(mods, convs):
            w = torch.from_numpy(src["weight"])
            b = torch.from_numpy(src["bias"])
            if tuple(conv.weight.shape) != tuple(w.shape):
                raise ValueError(f"{name}: timm {tuple(conv.weight.shape)} vs tflite {tuple(w.shape)}")
            if n_set == 0:  # stem: inputs in [0, 1] instead of [-1, 1]
                b = b - w.sum(dim=(1, 2, 3))
                w = 2 * w
            conv.weight.copy_(w)
            bn = bns[_bn_after(name)]
            bn.weight.fill_(1.0)
            bn.bias.copy_(b)
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
            n_set += 1
        if with_classifier:
            src = convs[len(mods)]
            fc = model.classifier
            fc.weight.copy_(torch.from_numpy(src["weight"][:, :, 0, 0]))
            fc.bias.copy_(torch.from_numpy(src["bias"]))
    return n_set


def _bn_after(conv_name: str) -> str:
    """timm's name of the batch norm that follows a convolution."""
    parent, _, leaf = conv_name.rpartition(".")
    bn = {"conv_stem": "bn1", "conv_head": "bn2", "conv_dw": "bn1", "conv_pw": "bn2",
          "conv_pwl": "bn3"}[leaf]
    if leaf == "conv_pw" and not _is_depthwise_separable(conv_name):
        bn = "bn1"  # inverted residual: conv_pw (expand) -> bn1, conv_dw -> bn2, conv_pwl -> bn3
    if leaf == "conv_dw" and not _is_depthwise_separable(conv_name):
        bn = "bn2"
    return f"{parent}.{bn}" if parent else bn


def _is_depthwise_separable(conv_name: str) -> bool:
    # timm mobilenetv2_100: blocks.0.0 is the only DepthwiseSeparableConv (conv_dw -> bn1, conv_pw -> bn2)
    return conv_name.startswith("blocks.0.0.") or conv_name.startswith("encoder.blocks.0.0.")


def main():
    import timm
    import torch
    from PIL import Image

    ap = argparse.ArgumentParser()
    ap.add_argument("--tflite", default=".cache/coral/mobilenet_v2_1.0_224_quant.tflite")
    ap.add_argument("--check-image", default=".cache/coral/grace_hopper.bmp")
    ap.add_argument("--labels", default=".cache/coral/imagenet_labels.txt")
    a = ap.parse_args()
    m = timm.create_model("mobilenetv2_100", pretrained=False, num_classes=1001)
    n = load_mobilenetv2(m, a.tflite, with_classifier=True)
    m.eval()
    img = Image.open(a.check_image).convert("RGB").resize((224, 224), Image.BILINEAR)
    x = torch.from_numpy(np.asarray(img, np.float32) / 255.0).permute(2, 0, 1)[None]
    with torch.no_grad():
        p = m(x).softmax(1)[0]
    labels = open(a.labels).read().splitlines()
    top = p.topk(5)
    print(f"{n} convolutions loaded; top-5 on {a.check_image}:")
    for s, i in zip(top.values.tolist(), top.indices.tolist()):
        print(f"  {s:.3f}  {labels[i] if i < len(labels) else i}")


if __name__ == "__main__":
    main()
