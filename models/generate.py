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
- ``lenet/lenet.onnx``: a LeNet-style CNN on the same digits split, input ``[1, 1, 8, 8]`` in [0, 1]:
  Conv(1->4, 3x3, pads 1) + Relu + AveragePool(2x2) -> Conv(4->8, 3x3, pads 1) + Relu +
  AveragePool(2x2) -> Flatten -> Gemm(32->10, transB=1), trained by a small numpy trainer
  (float64, Adam with a cosine learning rate, L2 weight decay).
  ``lenet/input.json`` is one test sample; calibration and evaluation reuse ``digits/*.json``.
- ``rescnn/rescnn.onnx``: a small residual CNN on the same digits split and input:
  Conv(1->4, 3x3, pads 1) + BatchNormalization + Relu + MaxPool(2x2) -> h; then
  Conv(4->4) + BatchNormalization + Relu + Conv(4->4) + BatchNormalization, Add(h), Relu ->
  GlobalAveragePool -> Flatten -> Gemm(4->10, transB=1). Trained by a numpy trainer with batch
  norm in training mode (batch statistics); the ONNX BatchNormalization nodes (inference mode)
  hold the running mean and variance tracked during training, as PyTorch exports them.
  ``rescnn/input.json`` is one test sample; calibration and evaluation reuse ``digits/*.json``.
- ``mlp784/mlp784.onnx``: a 784-128-10 ReLU MLP with seeded random weights on a 1x1x28x28 input
  (``Flatten`` then ``MatMul`` + ``Add`` + ``Relu`` then ``Gemm``), and ``mlp784/input.json``.
- ``testdata/cnn28.onnx``, ``testdata/cnn28.json``: a LeNet-shaped CNN on a 28x28 image with seeded
  random weights, for the pooling (CosetSum) benchmark; ``testdata/cnn28max.onnx``,
  ``testdata/cnn28max.json``: the same with max pools (CosetMax).
- ``testdata/*.onnx``: tiny models for the front end's negative and lowering tests
  (``global_max*.onnx``, ``max_overlap.onnx``, ``max_padded.onnx``: max pooling, with their own seed).

Data files use the EZKL / ZKTorch input format ``{"input_data": [[...], ...]}``: one flattened row per
sample, plus ``"labels"`` for labelled data sets.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import onnx
from numpy.lib.stride_tricks import sliding_window_view
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator
from onnx.reference.op_run import OpRun
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


class BatchNormalization(OpRun):
    """Inference-mode ``BatchNormalization`` (one output) for ONNX's reference evaluator.

    onnx's own opset 9-13 implementation picks training mode whenever ``momentum`` is set, and the
    schema always sets it (default 0.9), so a one-output node is normalised with blended batch
    statistics (onnx/onnx#8442). The spec selects the mode by the number of outputs.
    """

    op_domain = ""

    def _run(self, x, scale, bias, mean, var, epsilon=None, momentum=None, training_mode=None):  # noqa: ARG002
        assert len(self.onnx_node.output) == 1 and not training_mode, "training mode not implemented"
        shape = (-1,) + (1,) * (x.ndim - 2)
        y = scale.reshape(shape) * (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + epsilon)
        return ((y + bias.reshape(shape)).astype(x.dtype),)


def check_onnx(path: Path, feed: dict[str, np.ndarray], expected: np.ndarray) -> None:
    """Run the written model with ONNX's reference evaluator and compare with numpy."""
    got = ReferenceEvaluator(str(path), new_ops=[BatchNormalization]).run(None, feed)[0]
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


def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The digits train / test split shared by ``digits`` and ``lenet``: rows of 64 pixels."""
    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)  # pixels 0..16 -> [0, 1], exact in binary
    y = data.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)


def digits_calibration(n_train: int) -> np.ndarray:
    """Indices of the calibration rows written to ``train.json``."""
    rng = np.random.default_rng(64)
    return np.sort(rng.choice(n_train, size=CALIBRATION_ROWS, replace=False))


def digits() -> None:
    out = HERE / "digits"
    x_train, x_test, y_train, y_test = digits_split()
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

    calib = digits_calibration(len(x_train))
    # Calibration and evaluation reuse digits/train.json and digits/test.json: the same split,
    # the same rows, the same row-major pixel order.
    write_json(out / "input.json", x_test[:1])
    print(
        f"digits: 64-32-10, train {len(x_train)}, test {len(x_test)}, "
        f"test accuracy {float_acc:.4f}, calibration rows {CALIBRATION_ROWS}"
    )


# --------------------------------------------------------------------------------------------------
# lenet: a LeNet-style CNN trained on the 8x8 digits by a small numpy trainer
# --------------------------------------------------------------------------------------------------

LENET_EPOCHS = 200
LENET_BATCH = 32
LENET_LR = 1e-2
LENET_WEIGHT_DECAY = 2e-3  # L2 on the weights (not the biases): keeps them small for quantization


def conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Conv with 3x3 kernels, stride 1, pads 1 on NCHW; also returns the im2col matrix."""
    n, c, h, wd = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    # (n, c, h, w, 3, 3) -> rows (n, h, w), columns (c, kh, kw): the layout of w.reshape(f, -1).
    cols = sliding_window_view(padded, (3, 3), axis=(2, 3)).transpose(0, 2, 3, 1, 4, 5)
    cols = cols.reshape(n * h * wd, c * 9)
    y = cols @ w.reshape(len(w), -1).T + b
    return y.reshape(n, h, wd, len(w)).transpose(0, 3, 1, 2), cols


def conv3x3_backward(
    grad: np.ndarray, cols: np.ndarray, w: np.ndarray, input_grad: bool
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of ``conv3x3`` w.r.t. its input (if asked), weights and bias."""
    n, f, h, wd = grad.shape
    g = grad.transpose(0, 2, 3, 1).reshape(-1, f)
    dw = (g.T @ cols).reshape(w.shape)
    db = g.sum(axis=0)
    if not input_grad:
        return None, dw, db
    c = w.shape[1]
    dcols = (g @ w.reshape(f, -1)).reshape(n, h, wd, c, 3, 3)
    dpadded = np.zeros((n, c, h + 2, wd + 2), dtype=grad.dtype)
    for i in range(3):
        for j in range(3):
            dpadded[:, :, i : i + h, j : j + wd] += dcols[..., i, j].transpose(0, 3, 1, 2)
    return dpadded[:, :, 1:-1, 1:-1], dw, db


def avgpool2(x: np.ndarray) -> np.ndarray:
    """AveragePool with a 2x2 kernel and stride 2 on NCHW."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


def avgpool2_backward(grad: np.ndarray) -> np.ndarray:
    return np.repeat(np.repeat(grad, 2, axis=2), 2, axis=3) / 4.0


def lenet_forward(
    params: dict[str, np.ndarray], x: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Logits of the LeNet-style CNN on images ``x`` of shape (n, 1, 8, 8), and the activations."""
    a1, cols1 = conv3x3(x, params["conv1.weight"], params["conv1.bias"])  # (n, 4, 8, 8)
    p1 = avgpool2(relu(a1))  # (n, 4, 4, 4)
    a2, cols2 = conv3x3(p1, params["conv2.weight"], params["conv2.bias"])  # (n, 8, 4, 4)
    flat = avgpool2(relu(a2)).reshape(len(x), -1)  # (n, 32), NCHW order like ONNX Flatten
    logits = flat @ params["fc.weight"].T + params["fc.bias"]
    return logits, {"a1": a1, "cols1": cols1, "a2": a2, "cols2": cols2, "flat": flat}


def lenet_train(x: np.ndarray, y: np.ndarray, seed: int = 8) -> dict[str, np.ndarray]:
    """Train in float64 with Adam (cosine learning rate), softmax cross-entropy and L2."""
    rng = np.random.default_rng(seed)

    def he(*shape: int) -> np.ndarray:
        fan_in = int(np.prod(shape[1:]))
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)

    params = {
        "conv1.weight": he(4, 1, 3, 3),
        "conv1.bias": np.zeros(4),
        "conv2.weight": he(8, 4, 3, 3),
        "conv2.bias": np.zeros(8),
        "fc.weight": he(10, 32) / np.sqrt(2.0),
        "fc.bias": np.zeros(10),
    }
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    steps_per_epoch = -(-len(x) // LENET_BATCH)
    total = LENET_EPOCHS * steps_per_epoch
    step = 0
    for _ in range(LENET_EPOCHS):
        order = rng.permutation(len(x))
        for start in range(0, len(x), LENET_BATCH):
            idx = order[start : start + LENET_BATCH]
            xb, yb = x[idx], y[idx]
            n = len(idx)
            logits, act = lenet_forward(params, xb)
            # Softmax cross-entropy, mean over the batch.
            z = logits - logits.max(axis=1, keepdims=True)
            prob = np.exp(z)
            prob /= prob.sum(axis=1, keepdims=True)
            dlogits = prob
            dlogits[np.arange(n), yb] -= 1.0
            dlogits /= n
            grads = {
                "fc.weight": dlogits.T @ act["flat"],
                "fc.bias": dlogits.sum(axis=0),
            }
            dflat = dlogits @ params["fc.weight"]
            dr2 = avgpool2_backward(dflat.reshape(n, 8, 2, 2))
            da2 = dr2 * (act["a2"] > 0)
            dp1, grads["conv2.weight"], grads["conv2.bias"] = conv3x3_backward(
                da2, act["cols2"], params["conv2.weight"], input_grad=True
            )
            da1 = avgpool2_backward(dp1) * (act["a1"] > 0)
            _, grads["conv1.weight"], grads["conv1.bias"] = conv3x3_backward(
                da1, act["cols1"], params["conv1.weight"], input_grad=False
            )
            step += 1
            lr = LENET_LR * 0.5 * (1.0 + np.cos(np.pi * (step - 1) / total))
            for k, p in params.items():
                g = grads[k]
                if k.endswith(".weight"):
                    g = g + LENET_WEIGHT_DECAY * p
                m[k] = beta1 * m[k] + (1.0 - beta1) * g
                v[k] = beta2 * v[k] + (1.0 - beta2) * g * g
                m_hat = m[k] / (1.0 - beta1**step)
                v_hat = v[k] / (1.0 - beta2**step)
                p -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return params


def lenet() -> None:
    out = HERE / "lenet"
    x_train, x_test, y_train, y_test = digits_split()
    images_train = x_train.reshape(-1, 1, 8, 8)
    images_test = x_test.reshape(-1, 1, 8, 8)

    started = time.perf_counter()
    trained = lenet_train(images_train.astype(np.float64), y_train)
    seconds = time.perf_counter() - started
    params = {k: p.astype(np.float32) for k, p in trained.items()}

    conv_attrs = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1]}
    pool_attrs = {"kernel_shape": [2, 2], "strides": [2, 2]}
    graph = helper.make_graph(
        nodes=[
            helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1"], name="conv1/Conv", **conv_attrs),
            helper.make_node("Relu", ["conv1"], ["conv1_relu"], name="conv1/Relu"),
            helper.make_node("AveragePool", ["conv1_relu"], ["pool1"], name="pool1/AveragePool", **pool_attrs),
            helper.make_node("Conv", ["pool1", "conv2.weight", "conv2.bias"], ["conv2"], name="conv2/Conv", **conv_attrs),
            helper.make_node("Relu", ["conv2"], ["conv2_relu"], name="conv2/Relu"),
            helper.make_node("AveragePool", ["conv2_relu"], ["pool2"], name="pool2/AveragePool", **pool_attrs),
            helper.make_node("Flatten", ["pool2"], ["flat"], name="flatten", axis=1),
            helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc/Gemm", transB=1),
        ],
        name="lenet",
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 8, 8])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializer=[const(name, params[name]) for name in sorted(params)],
    )
    save_model(graph, out / "lenet.onnx")

    logits, act = lenet_forward(params, images_test)  # float32 weights and inputs
    float_acc = float((logits.argmax(1) == y_test).mean())
    train_acc = float((lenet_forward(params, images_train)[0].argmax(1) == y_train).mean())
    for i in range(16):
        check_onnx(out / "lenet.onnx", {"input": images_test[i : i + 1]}, logits[i : i + 1])

    calib = digits_calibration(len(x_train))
    # Calibration and evaluation reuse digits/train.json and digits/test.json: the same split,
    # the same rows, the same row-major pixel order.
    write_json(out / "input.json", x_test[:1])
    max_w = max(float(np.abs(params[k]).max()) for k in params)
    max_act = max(float(np.abs(act[k]).max()) for k in ("a1", "a2"))
    print(
        f"lenet: conv4-pool-conv8-pool-fc10, train {len(x_train)}, test {len(x_test)}, "
        f"train accuracy {train_acc:.4f}, test accuracy {float_acc:.4f}, "
        f"max |weight| {max_w:.3f}, max |conv out| {max_act:.3f}, "
        f"max |logit| {float(np.abs(logits).max()):.3f}, trained in {seconds:.1f} s"
    )


# --------------------------------------------------------------------------------------------------
# rescnn: a small residual CNN with BatchNormalization and MaxPool, trained on the 8x8 digits
# --------------------------------------------------------------------------------------------------

RESCNN_EPOCHS = 200
RESCNN_BATCH = 32
RESCNN_LR = 1e-2
RESCNN_WEIGHT_DECAY = 1e-3  # L2 on the conv and Gemm weights (not on BN scale / shift or biases)
RESCNN_LABEL_SMOOTHING = 0.1  # better test accuracy than 0, and logits 3x smaller
RESCNN_BN_MOMENTUM = 0.9  # running = 0.9 * running + 0.1 * batch (PyTorch's momentum 0.1)
RESCNN_BN_EPSILON = 1e-5  # the ONNX default


def maxpool2(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """MaxPool with a 2x2 kernel and stride 2 on NCHW; also returns the one-hot argmax mask."""
    n, c, h, w = x.shape
    windows = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    windows = windows.reshape(n, c, h // 2, w // 2, 4)
    mask = np.zeros_like(windows)
    np.put_along_axis(mask, windows.argmax(axis=-1)[..., None], 1.0, axis=-1)  # ties: the first
    return windows.max(axis=-1), mask


def maxpool2_backward(grad: np.ndarray, mask: np.ndarray) -> np.ndarray:
    n, c, h2, w2, _ = mask.shape
    g = (mask * grad[..., None]).reshape(n, c, h2, w2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return g.reshape(n, c, 2 * h2, 2 * w2)


def batchnorm_train(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray]:
    """BatchNormalization in training mode: normalised by the statistics of the batch (over N, H, W).

    Returns the output, the cache for the backward pass, and the batch mean and unbiased variance
    (for the running statistics, as in PyTorch; the normalisation itself uses the biased one).
    """
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))
    inv_std = 1.0 / np.sqrt(var + RESCNN_BN_EPSILON)
    xhat = (x - mean[:, None, None]) * inv_std[:, None, None]
    count = x.size // x.shape[1]
    return gamma[:, None, None] * xhat + beta[:, None, None], (xhat, inv_std), mean, var * count / (count - 1)


def batchnorm_train_backward(
    grad: np.ndarray, cache: tuple[np.ndarray, np.ndarray], gamma: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``batchnorm_train`` w.r.t. its input, scale and shift."""
    xhat, inv_std = cache
    count = grad.shape[0] * grad.shape[2] * grad.shape[3]
    dgamma = (grad * xhat).sum(axis=(0, 2, 3))
    dbeta = grad.sum(axis=(0, 2, 3))
    dxhat = grad * gamma[:, None, None]
    dx = (inv_std / count)[:, None, None] * (
        count * dxhat
        - dxhat.sum(axis=(0, 2, 3))[:, None, None]
        - xhat * (dxhat * xhat).sum(axis=(0, 2, 3))[:, None, None]
    )
    return dx, dgamma, dbeta


def batchnorm_affine(params: dict[str, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    """The per-channel scale and shift of inference-mode BatchNormalization ``name``."""
    scale = params[f"{name}.weight"] / np.sqrt(params[f"{name}.running_var"] + RESCNN_BN_EPSILON)
    return scale, params[f"{name}.bias"] - params[f"{name}.running_mean"] * scale


def batchnorm_infer(x: np.ndarray, params: dict[str, np.ndarray], name: str) -> np.ndarray:
    """BatchNormalization in inference mode with the running statistics (as ONNX computes it)."""
    scale, shift = batchnorm_affine(params, name)
    return x * scale[:, None, None] + shift[:, None, None]


RESCNN_BNS = ("bn1", "bn2", "bn3")


def rescnn_forward(
    params: dict[str, np.ndarray], x: np.ndarray, train: bool = False
) -> tuple[np.ndarray, dict[str, object]]:
    """Logits of the residual CNN on images ``x`` of shape (n, 1, 8, 8), and the activations.

    With ``train``, the batch norms normalise by the batch statistics (returned under
    ``"batch_stats"``, with the caches for the backward pass under ``"bn_caches"``); otherwise by
    the running statistics, as the exported model does.
    """
    act: dict[str, object] = {}
    stats: dict[str, list[np.ndarray]] = {}
    caches: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def bn(z: np.ndarray, name: str) -> np.ndarray:
        if not train:
            return batchnorm_infer(z, params, name)
        out, caches[name], *stats[name] = batchnorm_train(z, params[f"{name}.weight"], params[f"{name}.bias"])
        return out

    no_bias = np.zeros(4, dtype=x.dtype)
    a1, act["cols1"] = conv3x3(x, params["conv1.weight"], no_bias)  # (n, 4, 8, 8)
    b1 = bn(a1, "bn1")
    h, act["pool_mask"] = maxpool2(relu(b1))  # (n, 4, 4, 4)
    a2, act["cols2"] = conv3x3(h, params["conv2.weight"], no_bias)
    b2 = bn(a2, "bn2")
    a3, act["cols3"] = conv3x3(relu(b2), params["conv3.weight"], no_bias)
    b3 = bn(a3, "bn3")
    s = b3 + h  # the residual Add
    feat = relu(s).mean(axis=(2, 3))  # GlobalAveragePool + Flatten: (n, 4)
    logits = feat @ params["fc.weight"].T + params["fc.bias"]
    act.update(a1=a1, b1=b1, h=h, a2=a2, b2=b2, a3=a3, b3=b3, s=s, feat=feat)
    act["bn_caches"] = caches
    act["batch_stats"] = stats
    return logits, act


def rescnn_train(x: np.ndarray, y: np.ndarray, seed: int = 13) -> dict[str, np.ndarray]:
    """Train in float64 with batch norm in training mode, Adam (cosine learning rate), L2 and
    label smoothing.

    The running mean and variance (unbiased, like PyTorch) are tracked with momentum 0.9; they are
    the statistics written to the ONNX BatchNormalization nodes.
    """
    rng = np.random.default_rng(seed)

    def he(*shape: int) -> np.ndarray:
        fan_in = int(np.prod(shape[1:]))
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)

    params = {
        "conv1.weight": he(4, 1, 3, 3),
        "conv2.weight": he(4, 4, 3, 3),
        "conv3.weight": he(4, 4, 3, 3),
        "fc.weight": he(10, 4) / np.sqrt(2.0),
        "fc.bias": np.zeros(10),
    }
    for name in RESCNN_BNS:
        params[f"{name}.weight"] = np.ones(4)
        params[f"{name}.bias"] = np.zeros(4)
    running = {}
    for name in RESCNN_BNS:
        running[f"{name}.running_mean"] = np.zeros(4)
        running[f"{name}.running_var"] = np.ones(4)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    steps_per_epoch = len(x) // RESCNN_BATCH  # the last partial batch is dropped (noisy statistics)
    total = RESCNN_EPOCHS * steps_per_epoch
    step = 0
    for _ in range(RESCNN_EPOCHS):
        order = rng.permutation(len(x))
        for start in range(0, steps_per_epoch * RESCNN_BATCH, RESCNN_BATCH):
            idx = order[start : start + RESCNN_BATCH]
            xb, yb = x[idx], y[idx]
            n = len(idx)
            logits, act = rescnn_forward(params, xb, train=True)
            caches = act["bn_caches"]
            # Softmax cross-entropy with label smoothing, mean over the batch.
            z = logits - logits.max(axis=1, keepdims=True)
            prob = np.exp(z)
            prob /= prob.sum(axis=1, keepdims=True)
            dlogits = prob - RESCNN_LABEL_SMOOTHING / 10.0
            dlogits[np.arange(n), yb] -= 1.0 - RESCNN_LABEL_SMOOTHING
            dlogits /= n
            grads = {
                "fc.weight": dlogits.T @ act["feat"],
                "fc.bias": dlogits.sum(axis=0),
            }
            dfeat = dlogits @ params["fc.weight"]  # (n, 4)
            ds = np.broadcast_to(dfeat[:, :, None, None] / 16.0, act["s"].shape) * (act["s"] > 0)

            def conv_bn_backward(i: int, grad: np.ndarray, input_grad: bool) -> np.ndarray | None:
                """Back through BatchNormalization ``bn{i}`` and then Conv ``conv{i}``."""
                da, grads[f"bn{i}.weight"], grads[f"bn{i}.bias"] = batchnorm_train_backward(
                    grad, caches[f"bn{i}"], params[f"bn{i}.weight"]
                )
                dx, grads[f"conv{i}.weight"], _ = conv3x3_backward(
                    da, act[f"cols{i}"], params[f"conv{i}.weight"], input_grad
                )
                return dx

            dr2 = conv_bn_backward(3, ds, input_grad=True)
            dh = conv_bn_backward(2, dr2 * (act["b2"] > 0), input_grad=True)
            dh = dh + ds  # the skip connection
            db1 = maxpool2_backward(dh, act["pool_mask"]) * (act["b1"] > 0)
            conv_bn_backward(1, db1, input_grad=False)

            for name, (mean, var) in act["batch_stats"].items():
                for key, batch in ((f"{name}.running_mean", mean), (f"{name}.running_var", var)):
                    running[key] = RESCNN_BN_MOMENTUM * running[key] + (1.0 - RESCNN_BN_MOMENTUM) * batch

            step += 1
            lr = RESCNN_LR * 0.5 * (1.0 + np.cos(np.pi * (step - 1) / total))
            for k, p in params.items():
                g = grads[k]
                if k.startswith(("conv", "fc")) and k.endswith(".weight"):
                    g = g + RESCNN_WEIGHT_DECAY * p
                m[k] = beta1 * m[k] + (1.0 - beta1) * g
                v[k] = beta2 * v[k] + (1.0 - beta2) * g * g
                m_hat = m[k] / (1.0 - beta1**step)
                v_hat = v[k] / (1.0 - beta2**step)
                p -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return {**params, **running}


def rescnn() -> None:
    out = HERE / "rescnn"
    x_train, x_test, y_train, y_test = digits_split()
    images_train = x_train.reshape(-1, 1, 8, 8)
    images_test = x_test.reshape(-1, 1, 8, 8)

    started = time.perf_counter()
    trained = rescnn_train(images_train.astype(np.float64), y_train)
    seconds = time.perf_counter() - started
    params = {k: p.astype(np.float32) for k, p in trained.items()}

    conv_attrs = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [1, 1]}

    def conv(i: int, x: str) -> onnx.NodeProto:  # no bias: the batch norm after it has a shift
        return helper.make_node(
            "Conv", [x, f"conv{i}.weight"], [f"conv{i}"], name=f"conv{i}/Conv", **conv_attrs
        )

    def bn(i: int) -> onnx.NodeProto:
        return helper.make_node(
            "BatchNormalization",
            [f"conv{i}"] + [f"bn{i}.{k}" for k in ("weight", "bias", "running_mean", "running_var")],
            [f"bn{i}"],
            name=f"bn{i}/BatchNormalization",
            epsilon=RESCNN_BN_EPSILON,  # no momentum: it only matters in training mode
        )

    graph = helper.make_graph(
        nodes=[
            # stem
            conv(1, "input"),
            bn(1),
            helper.make_node("Relu", ["bn1"], ["bn1_relu"], name="stem/Relu"),
            helper.make_node(
                "MaxPool", ["bn1_relu"], ["pool1"], name="pool1/MaxPool", kernel_shape=[2, 2], strides=[2, 2]
            ),
            # residual block
            conv(2, "pool1"),
            bn(2),
            helper.make_node("Relu", ["bn2"], ["bn2_relu"], name="block/Relu1"),
            conv(3, "bn2_relu"),
            bn(3),
            helper.make_node("Add", ["bn3", "pool1"], ["residual"], name="block/Add"),
            helper.make_node("Relu", ["residual"], ["block_out"], name="block/Relu2"),
            # head
            helper.make_node("GlobalAveragePool", ["block_out"], ["gap"], name="head/GlobalAveragePool"),
            helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1),
            helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc/Gemm", transB=1),
        ],
        name="rescnn",
        inputs=[helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 8, 8])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializer=[const(name, params[name]) for name in sorted(params)],
    )
    save_model(graph, out / "rescnn.onnx")

    logits, act = rescnn_forward(params, images_test)  # float32 weights and inputs, running stats
    float_acc = float((logits.argmax(1) == y_test).mean())
    train_acc = float((rescnn_forward(params, images_train)[0].argmax(1) == y_train).mean())
    for i in range(16):
        check_onnx(out / "rescnn.onnx", {"input": images_test[i : i + 1]}, logits[i : i + 1])

    # Calibration and evaluation reuse digits/train.json and digits/test.json: the same split,
    # the same rows, the same row-major pixel order.
    write_json(out / "input.json", x_test[:1])
    # Conv + BatchNormalization fold into one layer: its weights are conv.weight * scale.
    scales = [batchnorm_affine(params, f"bn{i}")[0] for i in (1, 2, 3)]
    max_folded = max(
        float(np.abs(params[f"conv{i}.weight"] * scale[:, None, None, None]).max())
        for i, scale in zip((1, 2, 3), scales)
    )
    max_conv = max(float(np.abs(act[k]).max()) for k in ("a1", "a2", "a3"))
    max_bn = max(float(np.abs(act[k]).max()) for k in ("b1", "b2", "b3", "s"))
    print(
        f"rescnn: conv4+bn+relu+maxpool, [conv4+bn+relu, conv4+bn] + skip, relu, gap, fc10, "
        f"train {len(x_train)}, test {len(x_test)}, "
        f"train accuracy {train_acc:.4f}, test accuracy {float_acc:.4f}, "
        f"max |folded conv weight| {max_folded:.3f}, max |conv out| {max_conv:.3f}, "
        f"max |bn out or sum| {max_bn:.3f}, max |logit| {float(np.abs(logits).max()):.3f}, "
        f"trained in {seconds:.1f} s"
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


def cnn28(pool_op: str = "AveragePool", name: str = "cnn28") -> None:
    """A LeNet-shaped CNN on a 28x28 image with seeded random weights (the pooling benchmark):
    Conv(1->4, 3x3, pads 1) + Relu + AveragePool(2x2) -> Conv(4->8, 3x3, pads 1) + Relu +
    AveragePool(2x2) -> Flatten -> Gemm(392->10, transB=1). Its pooled tensors (3,136 and 1,568
    values) are large enough for `compile --pool auto` to prove the pools with a coset-sum gate.
    With ``pool_op="MaxPool"`` (``cnn28max``, the same weights and image) the pools are max pools,
    which `compile --pool auto` proves with the CosetMax block."""
    out = HERE / "testdata"
    rng = np.random.default_rng(28)
    w1 = rng.normal(0.0, 0.4, size=(4, 1, 3, 3)).astype(np.float32)
    b1 = rng.normal(0.0, 0.05, size=4).astype(np.float32)
    w2 = rng.normal(0.0, 0.2, size=(8, 4, 3, 3)).astype(np.float32)
    b2 = rng.normal(0.0, 0.05, size=8).astype(np.float32)
    w3 = rng.normal(0.0, 0.1, size=(10, 392)).astype(np.float32)
    b3 = rng.normal(0.0, 0.05, size=10).astype(np.float32)
    conv = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}
    pool = {"kernel_shape": [2, 2], "strides": [2, 2]}
    graph = helper.make_graph(
        nodes=[
            helper.make_node("Conv", ["image", "conv1.weight", "conv1.bias"], ["c1"], name="conv1/Conv", **conv),
            helper.make_node("Relu", ["c1"], ["r1"], name="conv1/Relu"),
            helper.make_node(pool_op, ["r1"], ["p1"], name=f"pool1/{pool_op}", **pool),
            helper.make_node("Conv", ["p1", "conv2.weight", "conv2.bias"], ["c2"], name="conv2/Conv", **conv),
            helper.make_node("Relu", ["c2"], ["r2"], name="conv2/Relu"),
            helper.make_node(pool_op, ["r2"], ["p2"], name=f"pool2/{pool_op}", **pool),
            helper.make_node("Flatten", ["p2"], ["flat"], name="flatten", axis=1),
            helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], name="fc/Gemm", transB=1),
        ],
        name=name,
        inputs=[helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 28, 28])],
        outputs=[helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializer=[
            const("conv1.weight", w1),
            const("conv1.bias", b1),
            const("conv2.weight", w2),
            const("conv2.bias", b2),
            const("fc.weight", w3),
            const("fc.bias", b3),
        ],
    )
    save_model(graph, out / f"{name}.onnx")
    image = np.round(rng.uniform(0.0, 1.0, size=(1, 784)), 3).astype(np.float32)
    write_json(out / f"{name}.json", image)

    def conv_relu_pool(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        c_in, h, wd = x.shape
        padded = np.pad(x, ((0, 0), (1, 1), (1, 1)))
        windows = sliding_window_view(padded, (3, 3), axis=(1, 2))  # c_in, h, w, 3, 3
        y = np.einsum("chwij,ocij->ohw", windows, w) + b[:, None, None]
        y = relu(y)
        windows4 = y.reshape(len(w), h // 2, 2, wd // 2, 2)
        return windows4.max(axis=(2, 4)) if pool_op == "MaxPool" else windows4.mean(axis=(2, 4))

    x = conv_relu_pool(image.reshape(1, 28, 28).astype(np.float64), w1, b1)
    x = conv_relu_pool(x, w2, b2)
    logits = x.reshape(1, -1) @ w3.T + b3
    check_onnx(out / f"{name}.onnx", {"image": image.reshape(1, 1, 28, 28)}, logits)
    print(f"{name}: conv4-{pool_op}-conv8-{pool_op}-fc10 on 28x28, max |logit| {np.abs(logits).max():.3f}")


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

    # Gemm followed by an op the front end does not support (Cos).
    save_model(
        helper.make_graph(
            [
                helper.make_node("Gemm", ["x", "w", "b"], ["h"], name="fc/Gemm", transB=1),
                helper.make_node("Cos", ["h"], ["y"], name="act/Cos"),
            ],
            "unsupported",
            [vec("x", [1, 4])],
            [vec("y", [1, 3])],
            [const("w", w(3, 4)), const("b", w(3))],
        ),
        out / "unsupported.onnx",
    )

    # A residual connection around a linear layer: one layer, W + I.
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

    # A skip connection around a ReLU whose skipped tensor (the input) can be negative: it passes
    # through the ReLU layer as the two rows x and -x.
    save_model(
        helper.make_graph(
            [
                helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1/MatMul"),
                helper.make_node("Relu", ["h"], ["r"], name="fc1/Relu"),
                helper.make_node("MatMul", ["r", "w2"], ["g"], name="fc2/MatMul"),
                helper.make_node("Add", ["g", "x"], ["s"], name="skip/Add"),
                helper.make_node("Relu", ["s"], ["t"], name="skip/Relu"),
                helper.make_node("MatMul", ["t", "w3"], ["y"], name="head/MatMul"),
            ],
            "skip_relu",
            [vec("x", [1, 4])],
            [vec("y", [1, 3])],
            [const("w1", w(4, 4)), const("w2", w(4, 4)), const("w3", w(4, 3))],
        ),
        out / "skip_relu.onnx",
    )

    # Not supported: a skip connection around a sigmoid, and a product of two activations.
    save_model(
        helper.make_graph(
            [
                helper.make_node("MatMul", ["x", "w"], ["h"], name="fc/MatMul"),
                helper.make_node("Sigmoid", ["h"], ["g"], name="gate/Sigmoid"),
                helper.make_node("Add", ["g", "x"], ["y"], name="skip/Add"),
            ],
            "skip_sigmoid",
            [vec("x", [1, 4])],
            [vec("y", [1, 4])],
            [const("w", w(4, 4))],
        ),
        out / "skip_sigmoid.onnx",
    )
    save_model(
        helper.make_graph(
            [
                helper.make_node("MatMul", ["x", "w"], ["h"], name="fc/MatMul"),
                helper.make_node("Mul", ["h", "x"], ["y"], name="gate/Mul"),
            ],
            "mul_branches",
            [vec("x", [1, 4])],
            [vec("y", [1, 4])],
            [const("w", w(4, 4))],
        ),
        out / "mul_branches.onnx",
    )
    # A classifier that ends in Softmax: refused, or compiled up to the logits (--until-logits).
    save_model(
        helper.make_graph(
            [
                helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1/Gemm", transB=1),
                helper.make_node("Relu", ["h"], ["r"], name="act/Relu"),
                helper.make_node("Gemm", ["r", "w2", "b2"], ["logits"], name="fc2/Gemm", transB=1),
                helper.make_node("Softmax", ["logits"], ["prob"], name="prob/Softmax", axis=1),
            ],
            "softmax",
            [vec("x", [1, 4])],
            [vec("prob", [1, 3])],
            [const("w1", w(8, 4)), const("b1", w(8)), const("w2", w(3, 8)), const("b2", w(3))],
        ),
        out / "softmax.onnx",
    )

    # A gated block: the product of two activations (a Hadamard gate), with the ReLU output r
    # still needed after it (carried through the product as r·1).
    save_model(
        helper.make_graph(
            [
                helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1/MatMul"),
                helper.make_node("Relu", ["h"], ["r"], name="fc1/Relu"),
                helper.make_node("MatMul", ["r", "w2"], ["u"], name="gate/MatMul"),
                helper.make_node("Mul", ["r", "u"], ["g"], name="gate/Mul"),
                helper.make_node("MatMul", ["g", "w3"], ["o1"], name="out/MatMul"),
                helper.make_node("MatMul", ["r", "w4"], ["o2"], name="skip/MatMul"),
                helper.make_node("Add", ["o1", "o2"], ["y"], name="out/Add"),
            ],
            "gated",
            [vec("x", [1, 4])],
            [vec("y", [1, 3])],
            [const("w1", w(4, 6)), const("w2", w(6, 6)), const("w3", w(6, 3)), const("w4", w(6, 3))],
        ),
        out / "gated.onnx",
    )

    # A quotient of two activations: refused (not a fixed linear map).
    save_model(
        helper.make_graph(
            [
                helper.make_node("MatMul", ["x", "w"], ["h"], name="fc/MatMul"),
                helper.make_node("Div", ["h", "x"], ["y"], name="ratio/Div"),
            ],
            "div_branches",
            [vec("x", [1, 4])],
            [vec("y", [1, 4])],
            [const("w", w(4, 4))],
        ),
        out / "div_branches.onnx",
    )

    # SiLU as PyTorch's nn.SiLU exports it: Mul(h, Sigmoid(h)), one table function.
    save_model(
        helper.make_graph(
            [
                helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1/MatMul"),
                helper.make_node("Sigmoid", ["h"], ["s"], name="act/Sigmoid"),
                helper.make_node("Mul", ["h", "s"], ["a"], name="act/Mul"),
                helper.make_node("MatMul", ["a", "w2"], ["y"], name="fc2/MatMul"),
            ],
            "silu",
            [vec("x", [1, 4])],
            [vec("y", [1, 3])],
            [const("w1", w(4, 6)), const("w2", w(6, 3))],
        ),
        out / "silu.onnx",
    )

    # GLU-style gating a ⊙ σ(b): `a` must pass the sigmoid layer (a mixed layer carries it on the
    # odd rows), then the product.
    save_model(
        helper.make_graph(
            [
                helper.make_node("MatMul", ["x", "w1"], ["a"], name="value/MatMul"),
                helper.make_node("MatMul", ["x", "w2"], ["b"], name="gate/MatMul"),
                helper.make_node("Sigmoid", ["b"], ["s"], name="gate/Sigmoid"),
                helper.make_node("Mul", ["a", "s"], ["g"], name="glu/Mul"),
                helper.make_node("MatMul", ["g", "w3"], ["y"], name="out/MatMul"),
            ],
            "glu",
            [vec("x", [1, 4])],
            [vec("y", [1, 3])],
            [const("w1", w(4, 5)), const("w2", w(4, 5)), const("w3", w(5, 3))],
        ),
        out / "glu.onnx",
    )
    # Its input, for the forge fixture (script/gen-fixtures.sh).
    write_json(out / "glu.json", np.array([[0.5, -0.25, 1.0, 0.75]], dtype=np.float32))

    # GELU as PyTorch exports nn.GELU(): x·0.5·(1 + erf(x/√2)). Erf is a table function; x rides
    # through the erf layer (a mixed layer), then the product.
    save_model(
        helper.make_graph(
            [
                helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1/MatMul"),
                helper.make_node("Div", ["h", "sqrt2"], ["d"], name="gelu/Div"),
                helper.make_node("Erf", ["d"], ["e"], name="gelu/Erf"),
                helper.make_node("Add", ["e", "one"], ["a"], name="gelu/Add"),
                helper.make_node("Mul", ["h", "a"], ["m"], name="gelu/Mul"),
                helper.make_node("Mul", ["m", "half"], ["g"], name="gelu/Mul_1"),
                helper.make_node("MatMul", ["g", "w2"], ["y"], name="fc2/MatMul"),
            ],
            "gelu",
            [vec("x", [1, 4])],
            [vec("y", [1, 3])],
            [
                const("w1", w(4, 6)),
                const("w2", w(6, 3)),
                const("sqrt2", np.array(1.4142135, dtype=np.float32)),
                const("one", np.array(1.0, dtype=np.float32)),
                const("half", np.array(0.5, dtype=np.float32)),
            ],
        ),
        out / "gelu.onnx",
    )

    # Abs: relu(v) + relu(−v), one ReLU layer of 2·6 rows.
    save_model(
        helper.make_graph(
            [
                helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1/MatMul"),
                helper.make_node("Abs", ["h"], ["a"], name="act/Abs"),
                helper.make_node("MatMul", ["a", "w2"], ["y"], name="fc2/MatMul"),
            ],
            "abs",
            [vec("x", [1, 4])],
            [vec("y", [1, 3])],
            [const("w1", w(4, 6)), const("w2", w(6, 3))],
        ),
        out / "abs.onnx",
    )

    print(
        "testdata: unsupported, softmax, branch, relu_first, batch2, dynamic_weights, gemm_variants, skip_relu, "
        "skip_sigmoid, mul_branches, gated, div_branches, silu, glu, gelu, abs"
    )


def global_max_testdata() -> None:
    """Tiny max-pooling models on a 2x2 input (own seed). ``testdata/global_max*.onnx``:
    Conv(1->3, 3x3, pads 1) + Relu + GlobalMaxPool (4 positions: a CosetMax layer) + Flatten +
    Gemm(3->2); and Pad to 4x4 + Conv(1->2, 3x3, pads 1) + Relu + GlobalMaxPool (16 positions: a
    tree of two CosetMax layers, the tournament of ReLU layers with --pool compose) + Flatten +
    Gemm(2->3). ``testdata/max_overlap.onnx``,
    ``testdata/max_padded.onnx``: the same 4x4 feature map, then a 2x2 MaxPool with stride 1 or
    with stride 2 and pads 1 (3x3 windows each), Flatten, Gemm(18->3)."""
    out = HERE / "testdata"
    rng = np.random.default_rng(44)

    def w(*shape: int) -> np.ndarray:
        return rng.normal(0.0, 0.5, size=shape).astype(np.float32)

    def vec(name: str, shape: list[int]) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)

    conv = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}
    save_model(
        helper.make_graph(
            [
                helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv/Conv", **conv),
                helper.make_node("Relu", ["c"], ["r"], name="conv/Relu"),
                helper.make_node("GlobalMaxPool", ["r"], ["g"], name="pool/GlobalMaxPool"),
                helper.make_node("Flatten", ["g"], ["f"], name="flatten", axis=1),
                helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc/Gemm", transB=1),
            ],
            "global_max",
            [vec("x", [1, 1, 2, 2])],
            [vec("y", [1, 2])],
            [const("cw", w(3, 1, 3, 3)), const("cb", w(3)), const("fw", w(2, 3)), const("fb", w(2))],
        ),
        out / "global_max.onnx",
    )
    pads = numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=np.int64), "pads")
    save_model(
        helper.make_graph(
            [
                helper.make_node("Pad", ["x", "pads"], ["p"], name="pad/Pad"),
                helper.make_node("Conv", ["p", "cw", "cb"], ["c"], name="conv/Conv", **conv),
                helper.make_node("Relu", ["c"], ["r"], name="conv/Relu"),
                helper.make_node("GlobalMaxPool", ["r"], ["g"], name="pool/GlobalMaxPool"),
                helper.make_node("Flatten", ["g"], ["f"], name="flatten", axis=1),
                helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc/Gemm", transB=1),
            ],
            "global_max16",
            [vec("x", [1, 1, 2, 2])],
            [vec("y", [1, 3])],
            [pads, const("cw", w(2, 1, 3, 3)), const("cb", w(2)), const("fw", w(3, 2)), const("fb", w(3))],
        ),
        out / "global_max16.onnx",
    )
    # MaxPool with overlapping windows (kernel 2, stride 1) and with padding (kernel 2, stride 2,
    # pads 1: the border windows hold 1 or 2 values) on a 4x4 feature map: CosetMax layers whose
    # windows repeat values.
    for name, pool in [
        ("max_overlap", {"kernel_shape": [2, 2], "strides": [1, 1]}),
        ("max_padded", {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ]:
        side = 3
        save_model(
            helper.make_graph(
                [
                    helper.make_node("Pad", ["x", "pads"], ["p"], name="pad/Pad"),
                    helper.make_node("Conv", ["p", "cw", "cb"], ["c"], name="conv/Conv", **conv),
                    helper.make_node("Relu", ["c"], ["r"], name="conv/Relu"),
                    helper.make_node("MaxPool", ["r"], ["m"], name="pool/MaxPool", **pool),
                    helper.make_node("Flatten", ["m"], ["f"], name="flatten", axis=1),
                    helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc/Gemm", transB=1),
                ],
                name,
                [vec("x", [1, 1, 2, 2])],
                [vec("y", [1, 3])],
                [
                    pads,
                    const("cw", w(2, 1, 3, 3)),
                    const("cb", w(2)),
                    const("fw", w(3, 2 * side * side)),
                    const("fb", w(3)),
                ],
            ),
            out / f"{name}.onnx",
        )
    print("testdata: global_max, global_max16, max_overlap, max_padded")


def copy_testdata() -> None:
    """Pools whose input no dense layer produces: a Copy layer lays it out for the coset block
    (own seed). ``testdata/pool_pool.onnx``: Conv(1->2, 3x3, pads 1) on a 4x4 input + Relu +
    MaxPool 2x2 + MaxPool 2x2 (the second pools the first's output: Copy + CosetMax) + Flatten +
    Gemm(2->3). ``testdata/input_pool.onnx``: AveragePool 2x2 of the 8x8 input itself (Copy +
    CosetSum with ``--pool coset``) + Flatten + Gemm(16->3). ``testdata/input_max.onnx``: MaxPool 2x2
    of the 8x8 signed input (Copy + a signed CosetMax) + Flatten + Gemm(16->3);
    ``testdata/leaky_max.onnx``: Conv + LeakyRelu + MaxPool 2x2 (a signed CosetMax) + Flatten +
    Gemm(8->3); ``testdata/conv_max.onnx``: Conv + MaxPool 2x2 + Relu (the convolution pooled
    before its activation: an identity layer, then a signed CosetMax) + Flatten + Gemm(8->3).
    Inputs in the ``.json`` files of the same names (none for conv_max)."""
    out = HERE / "testdata"
    rng = np.random.default_rng(45)

    def w(*shape: int) -> np.ndarray:
        return rng.normal(0.0, 0.5, size=shape).astype(np.float32)

    def vec(name: str, shape: list[int]) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)

    pool = {"kernel_shape": [2, 2], "strides": [2, 2]}
    save_model(
        helper.make_graph(
            [
                helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                helper.make_node("Relu", ["c"], ["r"], name="conv/Relu"),
                helper.make_node("MaxPool", ["r"], ["m1"], name="pool1/MaxPool", **pool),
                helper.make_node("MaxPool", ["m1"], ["m2"], name="pool2/MaxPool", **pool),
                helper.make_node("Flatten", ["m2"], ["f"], name="flatten", axis=1),
                helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc/Gemm", transB=1),
            ],
            "pool_pool",
            [vec("x", [1, 1, 4, 4])],
            [vec("y", [1, 3])],
            [const("cw", w(2, 1, 3, 3)), const("cb", w(2)), const("fw", w(3, 2)), const("fb", w(3))],
        ),
        out / "pool_pool.onnx",
    )
    write_json(out / "pool_pool.json", rng.uniform(0.0, 1.0, size=(4, 16)).astype(np.float32))
    save_model(
        helper.make_graph(
            [
                helper.make_node("AveragePool", ["x"], ["a"], name="pool/AveragePool", **pool),
                helper.make_node("Flatten", ["a"], ["f"], name="flatten", axis=1),
                helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc/Gemm", transB=1),
            ],
            "input_pool",
            [vec("x", [1, 1, 8, 8])],
            [vec("y", [1, 3])],
            [const("fw", w(3, 16)), const("fb", w(3))],
        ),
        out / "input_pool.onnx",
    )
    write_json(out / "input_pool.json", rng.uniform(0.0, 1.0, size=(4, 64)).astype(np.float32))
    # Max pools of signed values: the model input itself (Copy + a signed CosetMax), and a leaky
    # ReLU's output (its dense layer reordered, a signed CosetMax).
    save_model(
        helper.make_graph(
            [
                helper.make_node("MaxPool", ["x"], ["a"], name="pool/MaxPool", **pool),
                helper.make_node("Flatten", ["a"], ["f"], name="flatten", axis=1),
                helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc/Gemm", transB=1),
            ],
            "input_max",
            [vec("x", [1, 1, 8, 8])],
            [vec("y", [1, 3])],
            [const("fw", w(3, 16)), const("fb", w(3))],
        ),
        out / "input_max.onnx",
    )
    write_json(out / "input_max.json", rng.normal(0.0, 1.0, size=(4, 64)).astype(np.float32))
    save_model(
        helper.make_graph(
            [
                helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                helper.make_node("LeakyRelu", ["c"], ["r"], name="conv/LeakyRelu", alpha=0.1),
                helper.make_node("MaxPool", ["r"], ["m"], name="pool/MaxPool", **pool),
                helper.make_node("Flatten", ["m"], ["f"], name="flatten", axis=1),
                helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc/Gemm", transB=1),
            ],
            "leaky_max",
            [vec("x", [1, 1, 4, 4])],
            [vec("y", [1, 3])],
            [const("cw", w(2, 1, 3, 3)), const("cb", w(2)), const("fw", w(3, 8)), const("fb", w(3))],
        ),
        out / "leaky_max.onnx",
    )
    write_json(out / "leaky_max.json", rng.normal(0.0, 1.0, size=(4, 16)).astype(np.float32))
    # A convolution pooled before its activation: an identity layer, then a signed CosetMax.
    save_model(
        helper.make_graph(
            [
                helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv/Conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                helper.make_node("MaxPool", ["c"], ["m"], name="pool/MaxPool", **pool),
                helper.make_node("Relu", ["m"], ["r"], name="act/Relu"),
                helper.make_node("Flatten", ["r"], ["f"], name="flatten", axis=1),
                helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc/Gemm", transB=1),
            ],
            "conv_max",
            [vec("x", [1, 1, 4, 4])],
            [vec("y", [1, 3])],
            [const("cw", w(2, 1, 3, 3)), const("cb", w(2)), const("fw", w(3, 8)), const("fb", w(3))],
        ),
        out / "conv_max.onnx",
    )
    print("testdata: pool_pool, input_pool, input_max, leaky_max, conv_max")


def conv_im2col_testdata() -> None:
    """Convolutions for ``compile --conv im2col`` on an 8x8 input (own seed): ``testdata/conv_out.onnx``
    Conv(1->4, 3x3, pads 1) whose output is the model's (the pending im2col Copy is undone: a
    dense layer); ``testdata/conv_gemm.onnx`` the same Conv + Flatten + Gemm(256->3) + Relu (each
    row mixes patches: undone); ``testdata/conv_last.onnx`` Conv + Relu as the model's last layer
    (64 patches, a power of two: the patch layer's outputs are the model's, in NCHW order)."""
    out = HERE / "testdata"
    rng = np.random.default_rng(45)

    def w(*shape: int) -> np.ndarray:
        return rng.normal(0.0, 0.5, size=shape).astype(np.float32)

    def vec(name: str, shape: list[int]) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)

    conv = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}
    cw, cb, fw, fb = w(4, 1, 3, 3), w(4), w(3, 256), w(3)
    node = helper.make_node("Conv", ["x", "cw", "cb"], ["c"], name="conv/Conv", **conv)
    for name, nodes, y, extra in [
        ("conv_out", [helper.make_node("Identity", ["c"], ["y"], name="out")], [1, 4, 8, 8], []),
        (
            "conv_gemm",
            [
                helper.make_node("Flatten", ["c"], ["f"], name="flatten", axis=1),
                helper.make_node("Gemm", ["f", "fw", "fb"], ["g"], name="fc/Gemm", transB=1),
                helper.make_node("Relu", ["g"], ["y"], name="fc/Relu"),
            ],
            [1, 3],
            [const("fw", fw), const("fb", fb)],
        ),
        ("conv_last", [helper.make_node("Relu", ["c"], ["y"], name="conv/Relu")], [1, 4, 8, 8], []),
    ]:
        save_model(
            helper.make_graph(
                [node, *nodes],
                name,
                [vec("x", [1, 1, 8, 8])],
                [vec("y", y)],
                [const("cw", cw), const("cb", cb), *extra],
            ),
            out / f"{name}.onnx",
        )
    print("testdata: conv_out, conv_gemm, conv_last")


def square_testdata() -> None:
    """Squares of an activation (own seed): ``testdata/square.onnx`` x·W1 → Relu → Mul(r, r) →
    ·W2 (the whole ReLU output squared: one square layer, a square gate); ``testdata/square_pow.onnx``
    the same with Pow(r, 2); ``testdata/square_affine.onnx`` Pow(x·W1, 2) → ·W2 (the square of an
    affine expression, not of a layer's output: an identity layer holds it, then a square layer);
    ``testdata/cube.onnx`` Pow(r, 3) (refused: only the square is supported)."""
    out = HERE / "testdata"
    rng = np.random.default_rng(46)

    def w(*shape: int) -> np.ndarray:
        return rng.normal(0.0, 0.5, size=shape).astype(np.float32)

    def vec(name: str, shape: list[int]) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)

    w1, w2 = w(4, 8), w(8, 3)
    two, three = np.array(2.0, dtype=np.float32), np.array(3.0, dtype=np.float32)
    fc1 = helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1/MatMul")
    act = helper.make_node("Relu", ["h"], ["r"], name="fc1/Relu")
    fc2 = helper.make_node("MatMul", ["s", "w2"], ["y"], name="fc2/MatMul")
    for name, nodes in [
        ("square", [fc1, act, helper.make_node("Mul", ["r", "r"], ["s"], name="sq/Mul"), fc2]),
        ("square_pow", [fc1, act, helper.make_node("Pow", ["r", "two"], ["s"], name="sq/Pow"), fc2]),
        ("square_affine", [fc1, helper.make_node("Pow", ["h", "two"], ["s"], name="sq/Pow"), fc2]),
        ("cube", [fc1, act, helper.make_node("Pow", ["r", "three"], ["s"], name="cube/Pow"), fc2]),
    ]:
        save_model(
            helper.make_graph(
                nodes,
                name,
                [vec("x", [1, 4])],
                [vec("y", [1, 3])],
                [const("w1", w1), const("w2", w2), const("two", two), const("three", three)],
            ),
            out / f"{name}.onnx",
        )
    print("testdata: square, square_pow, square_affine, cube")


def main() -> None:
    copy_sample()
    digits()
    lenet()
    rescnn()
    mlp784()
    cnn28()
    cnn28("MaxPool", "cnn28max")
    testdata()
    global_max_testdata()
    copy_testdata()
    conv_im2col_testdata()
    square_testdata()


if __name__ == "__main__":
    main()
