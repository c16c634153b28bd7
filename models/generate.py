#!/usr/bin/env python3
"""Write the example models and data sets of zkt-eth, deterministically (fixed seeds).

Run from anywhere:

    python -m venv .venv && .venv/bin/pip install -r models/requirements.txt
    .venv/bin/python models/generate.py

Outputs (all committed):

- ``sample/sample.onnx``, ``sample/input.json``: byte copies of the ZKTorch reference example
  (``shared/models/zktorch-sample``), copied only when that folder is present next to the repo.
- ``digits/digits.onnx``: a 64-32-10 ReLU MLP trained on scikit-learn's bundled 8x8 digits (offline),
  pixels scaled to [0, 1]; layer 1 is a ``Gemm`` (transB=1), layer 2 is ``MatMul`` + ``Add``.
  ``digits/train.json`` is a calibration subset of the training split, ``digits/test.json`` the whole
  test split with labels, ``digits/input.json`` one test sample.
- ``mlp784/mlp784.onnx``: a 784-128-10 ReLU MLP with seeded random weights on a 1x1x28x28 input
  (``Flatten`` then ``MatMul`` + ``Add`` + ``Relu`` then ``Gemm``), and ``mlp784/input.json``.
- ``testdata/*.onnx``: tiny models for the front end's negative and lowering tests.

Data files use the EZKL / ZKTorch input format ``{"input_data": [[...], ...]}``: one flattened row per
sample, plus ``"labels"`` for labelled data sets.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

HERE = Path(__file__).resolve().parent
SHARED_SAMPLE = HERE.parent.parent / "shared" / "models" / "zktorch-sample"

OPSET = 13
IR_VERSION = 8  # readable by every ONNX runtime released since 2021
CALIBRATION_ROWS = 256


def save_model(graph: onnx.GraphProto, path: Path) -> None:
    """Check and write a model with a fixed opset, IR version and producer."""
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="zkt-eth models/generate.py",
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.SerializeToString(deterministic=True))


def const(name: str, array: np.ndarray) -> onnx.TensorProto:
    """An initializer holding ``array``."""
    return numpy_helper.from_array(np.ascontiguousarray(array), name)


def write_json(path: Path, rows: np.ndarray, labels: np.ndarray | None = None) -> None:
    """Write rows (and labels) in the EZKL / ZKTorch input format."""
    data: dict[str, object] = {
        "input_data": [[round(float(v), 6) for v in row] for row in rows.reshape(len(rows), -1)]
    }
    if labels is not None:
        data["labels"] = [int(v) for v in labels]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n")


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def check_onnx(path: Path, feed: dict[str, np.ndarray], expected: np.ndarray) -> None:
    """Run the written model with ONNX's reference evaluator and compare with numpy."""
    got = ReferenceEvaluator(str(path)).run(None, feed)[0]
    assert np.allclose(got, expected, atol=1e-4), (path, np.abs(got - expected).max())


# --------------------------------------------------------------------------------------------------
# sample: the ZKTorch reference example
# --------------------------------------------------------------------------------------------------


def copy_sample() -> None:
    out = HERE / "sample"
    if not SHARED_SAMPLE.is_dir():
        print(f"sample: {SHARED_SAMPLE} not found, keeping the committed copies")
        return
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHARED_SAMPLE / "sample.onnx", out / "sample.onnx")
    shutil.copyfile(SHARED_SAMPLE / "sample.json", out / "input.json")
    print("sample: copied sample.onnx and sample.json -> input.json")


# --------------------------------------------------------------------------------------------------
# digits: 64-32-10 MLP trained on scikit-learn's 8x8 digits
# --------------------------------------------------------------------------------------------------


def digits() -> None:
    out = HERE / "digits"
    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)  # pixels 0..16 -> [0, 1], exact in binary
    y = data.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.3, random_state=0, stratify=y
    )
    clf = MLPClassifier(
        hidden_layer_sizes=(32,),
        activation="relu",
        solver="adam",
        alpha=1e-3,
        batch_size=64,
        learning_rate_init=3e-3,
        max_iter=400,
        random_state=0,
    )
    clf.fit(x_train, y_train)
    w1, w2 = (w.astype(np.float32) for w in clf.coefs_)  # (64, 32), (32, 10): in x out
    b1, b2 = (b.astype(np.float32) for b in clf.intercepts_)

    graph = helper.make_graph(
        nodes=[
            # Layer 1 as Gemm with the PyTorch weight layout (out x in, transB = 1).
            helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["fc1"], name="fc1/Gemm", transB=1),
            helper.make_node("Relu", ["fc1"], ["fc1_relu"], name="fc1/Relu"),
            # Layer 2 as MatMul with the (in x out) layout, then Add.
            helper.make_node("MatMul", ["fc1_relu", "fc2.weight"], ["fc2_mm"], name="fc2/MatMul"),
            helper.make_node("Add", ["fc2_mm", "fc2.bias"], ["logits"], name="fc2/Add"),
        ],
        name="digits_mlp",
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 64])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])],
        initializer=[
            const("fc1.weight", w1.T),
            const("fc1.bias", b1),
            const("fc2.weight", w2),
            const("fc2.bias", b2),
        ],
    )
    save_model(graph, out / "digits.onnx")

    logits = relu(x_test @ w1 + b1) @ w2 + b2
    float_acc = float((logits.argmax(1) == y_test).mean())
    sk_acc = float(clf.score(x_test, y_test))
    assert abs(float_acc - sk_acc) < 1e-9, (float_acc, sk_acc)
    check_onnx(out / "digits.onnx", {"input": x_test}, logits)

    rng = np.random.default_rng(64)
    calib = np.sort(rng.choice(len(x_train), size=CALIBRATION_ROWS, replace=False))
    write_json(out / "train.json", x_train[calib], y_train[calib])
    write_json(out / "test.json", x_test, y_test)
    write_json(out / "input.json", x_test[:1])
    print(
        f"digits: 64-32-10, train {len(x_train)}, test {len(x_test)}, "
        f"test accuracy {float_acc:.4f}, calibration rows {CALIBRATION_ROWS}"
    )


# --------------------------------------------------------------------------------------------------
# mlp784: 784-128-10 MLP with seeded random weights
# --------------------------------------------------------------------------------------------------


def mlp784() -> None:
    out = HERE / "mlp784"
    rng = np.random.default_rng(784)
    w1 = rng.normal(0.0, 0.05, size=(784, 128)).astype(np.float32)  # in x out (MatMul)
    b1 = rng.normal(0.0, 0.1, size=128).astype(np.float32)
    w2 = rng.normal(0.0, 0.2, size=(10, 128)).astype(np.float32)  # out x in (Gemm, transB = 1)
    b2 = rng.normal(0.0, 0.1, size=10).astype(np.float32)

    graph = helper.make_graph(
        nodes=[
            helper.make_node("Flatten", ["image"], ["flat"], name="flatten", axis=1),
            helper.make_node("MatMul", ["flat", "fc1.weight"], ["fc1_mm"], name="fc1/MatMul"),
            helper.make_node("Add", ["fc1_mm", "fc1.bias"], ["fc1"], name="fc1/Add"),
            helper.make_node("Relu", ["fc1"], ["fc1_relu"], name="fc1/Relu"),
            helper.make_node("Gemm", ["fc1_relu", "fc2.weight", "fc2.bias"], ["logits"], name="fc2/Gemm", transB=1),
        ],
        name="mlp784",
        inputs=[helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 28, 28])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializer=[
            const("fc1.weight", w1),
            const("fc1.bias", b1),
            const("fc2.weight", w2),
            const("fc2.bias", b2),
        ],
    )
    save_model(graph, out / "mlp784.onnx")

    image = np.round(rng.uniform(0.0, 1.0, size=(1, 784)), 3).astype(np.float32)
    write_json(out / "input.json", image)
    hidden = x = image @ w1 + b1
    logits = relu(x) @ w2.T + b2
    check_onnx(out / "mlp784.onnx", {"image": image.reshape(1, 1, 28, 28)}, logits)
    print(
        f"mlp784: 784-128-10, max |hidden| {np.abs(hidden).max():.3f}, "
        f"max |logit| {np.abs(logits).max():.3f}"
    )


# --------------------------------------------------------------------------------------------------
# testdata: tiny models for the negative and lowering tests
# --------------------------------------------------------------------------------------------------


def testdata() -> None:
    out = HERE / "testdata"
    rng = np.random.default_rng(7)

    def w(*shape: int) -> np.ndarray:
        return rng.normal(0.0, 0.5, size=shape).astype(np.float32)

    def vec(name: str, shape: list[int | str]) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)

    # Gemm followed by an op the front end does not support (Sigmoid).
    save_model(
        helper.make_graph(
            [
                helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="fc/Gemm", transB=1),
                helper.make_node("Sigmoid", ["h"], ["y"], name="act/Sigmoid"),
            ],
            "unsupported",
            [vec("x", [1, 4])],
            [vec("y", [1, 3])],
            [const("w", w(3, 4)), const("b", w(3))],
        ),
        out / "unsupported.onnx",
    )

    # A residual connection: the graph is not a chain.
    save_model(
        helper.make_graph(
            [
                helper.make_node("MatMul", ["x", "w"], ["h"], name="fc/MatMul"),
                helper.make_node("Add", ["h", "x"], ["y"], name="residual/Add"),
            ],
            "branch",
            [vec("x", [1, 4])],
            [vec("y", [1, 4])],
            [const("w", w(4, 4))],
        ),
        out / "branch.onnx",
    )

    # Relu applied to the model input, before any linear layer.
    save_model(
        helper.make_graph(
            [
                helper.make_node("Relu", ["x"], ["r"], name="first/Relu"),
                helper.make_node("MatMul", ["r", "w"], ["y"], name="fc/MatMul"),
            ],
            "relu_first",
            [vec("x", [1, 4])],
            [vec("y", [1, 2])],
            [const("w", w(4, 2))],
        ),
        out / "relu_first.onnx",
    )

    # A fixed batch dimension of 2.
    save_model(
        helper.make_graph(
            [helper.make_node("MatMul", ["x", "w"], ["y"], name="fc/MatMul")],
            "batch2",
            [vec("x", [2, 4])],
            [vec("y", [2, 2])],
            [const("w", w(4, 2))],
        ),
        out / "batch2.onnx",
    )

    # Weights computed at run time from the input.
    save_model(
        helper.make_graph(
            [
                helper.make_node("Reshape", ["x", "shape"], ["xt"], name="to_column/Reshape"),
                helper.make_node("MatMul", ["x", "xt"], ["y"], name="dynamic/MatMul"),
            ],
            "dynamic_weights",
            [vec("x", [1, 4])],
            [vec("y", [1, 1])],
            [numpy_helper.from_array(np.array([4, 1], dtype=np.int64), "shape")],
        ),
        out / "dynamic_weights.onnx",
    )

    # Every lowering path at once: Reshape to a column, Gemm with transA, alpha, beta and a
    # broadcast bias, two constant Adds (one scalar, one written first), Relu, a Constant node,
    # Identity, then MatMul + Add + Relu.
    save_model(
        helper.make_graph(
            [
                helper.make_node("Reshape", ["x", "col"], ["xc"], name="col/Reshape"),
                helper.make_node(
                    "Gemm", ["xc", "w1", "c1"], ["g"], name="fc1/Gemm", transA=1, alpha=0.5, beta=2.0
                ),
                helper.make_node("Add", ["g", "d1"], ["g1"], name="fc1/Add"),
                helper.make_node("Add", ["half", "g1"], ["g2"], name="fc1/AddScalar"),
                helper.make_node("Relu", ["g2"], ["h"], name="fc1/Relu"),
                helper.make_node(
                    "Constant", [], ["w2"], name="fc2/weight", value=const("w2_value", w(5, 3))
                ),
                helper.make_node("Identity", ["h"], ["hi"], name="pass/Identity"),
                helper.make_node("MatMul", ["hi", "w2"], ["m"], name="fc2/MatMul"),
                helper.make_node("Add", ["b2", "m"], ["a"], name="fc2/Add"),
                helper.make_node("Relu", ["a"], ["y"], name="fc2/Relu"),
            ],
            "gemm_variants",
            [vec("x", ["n", 4])],
            [vec("y", ["n", 3])],
            [
                numpy_helper.from_array(np.array([4, 1], dtype=np.int64), "col"),
                const("w1", w(4, 5)),
                const("c1", w(1, 5)),
                const("d1", w(5)),
                const("half", np.array(0.5, dtype=np.float32)),
                const("b2", w(1, 3)),
            ],
        ),
        out / "gemm_variants.onnx",
    )
    write_json(out / "gemm_variants.json", np.round(rng.uniform(-1, 1, size=(8, 4)), 3))
    print("testdata: unsupported, branch, relu_first, batch2, dynamic_weights, gemm_variants")


def main() -> None:
    copy_sample()
    digits()
    mlp784()
    testdata()


if __name__ == "__main__":
    main()
