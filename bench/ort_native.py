"""onnxruntime (native, CPU) per-slice time of the shipped models, for reference.

    python3 bench/ort_native.py MODELS_DIR RUNS

Prints one JSON object per model and thread setting: every run's time in ms after a warm-up,
on the model card's test-vector input (same formula as src/model/test_vector.rs).
"""
import json
import os
import sys
import time

import numpy as np
import onnxruntime as ort


def test_input(seed, shape):
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.uint64)
    v = (i * np.uint64(2654435761) + np.uint64(seed)) & np.uint64(0xFFFFFFFF)
    return (v.astype(np.float64) / 4294967296.0).astype(np.float32).reshape(shape)


def main():
    models, runs = sys.argv[1], int(sys.argv[2])
    for name in ["classifier", "segmenter"]:
        card = json.load(open(os.path.join(models, f"{name}.json")))
        x = test_input(card["test_vector"]["seed"], card["onnx"]["input"]["shape"])
        for threads in [1, 0]:
            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
            t0 = time.perf_counter()
            s = ort.InferenceSession(
                os.path.join(models, card["file"]), so, providers=["CPUExecutionProvider"]
            )
            load_ms = (time.perf_counter() - t0) * 1e3
            feed = {s.get_inputs()[0].name: x}
            s.run(None, feed)
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                s.run(None, feed)
                times.append((time.perf_counter() - t) * 1e3)
            print(json.dumps({"model": name, "threads": threads or os.cpu_count(),
                              "load_ms": load_ms, "times": times, "version": ort.__version__}))


if __name__ == "__main__":
    main()
