"""Int8 variants of the shipped segmenter, for `examples/model_variants.rs` (tract's speed on
quantised weights). Not shipped: see BENCHMARKS.md.

    python3 bench/quantize.py OUT_DIR

Writes OUT_DIR/segmenter-pre.onnx (onnxruntime's pre-processing: shapes, folded constants),
segmenter-int8-dynamic.onnx (weights int8, activations quantised at run time: ConvInteger),
segmenter-int8-qdq.onnx and segmenter-int8-qoperator.onnx (static, calibrated on 8 seeded
uniform inputs: a speed check, not an accuracy one).
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_dynamic,
    quantize_static,
)

ROOT = Path(__file__).resolve().parent.parent


class Uniform(CalibrationDataReader):
    def __init__(self, name, shape):
        self.name, self.shape, self.left = name, shape, 8
        self.rng = np.random.default_rng(0)

    def get_next(self):
        if self.left == 0:
            return None
        self.left -= 1
        return {self.name: self.rng.random(self.shape, dtype=np.float32)}


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    card = json.loads((ROOT / "models/segmenter.json").read_text())
    name, shape = card["onnx"]["input"]["name"], card["onnx"]["input"]["shape"]
    pre = out / "segmenter-pre.onnx"
    subprocess.run(
        [sys.executable, "-m", "onnxruntime.quantization.preprocess",
         "--input", str(ROOT / "models/segmenter.onnx"), "--output", str(pre)],
        check=True,
    )
    quantize_dynamic(str(pre), str(out / "segmenter-int8-dynamic.onnx"), weight_type=QuantType.QInt8)
    for fmt, tag in [(QuantFormat.QDQ, "qdq"), (QuantFormat.QOperator, "qoperator")]:
        quantize_static(
            str(pre), str(out / f"segmenter-int8-{tag}.onnx"), Uniform(name, shape),
            quant_format=fmt, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
        )
    print("\n".join(str(p) for p in sorted(out.glob("segmenter-*.onnx"))))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
