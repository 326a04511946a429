"""A Piper voice's decoder run as 2-D convolutions: the same arithmetic, on faster kernels.

A Piper (VITS) voice spends about nine tenths of its time in its HiFi-GAN decoder (`/dec/`): 1-D
convolutions, transposed convolutions, leaky ReLUs, sums, divisions by a constant and a tanh. onnxruntime
runs 1-D convolutions as im2col and a matrix product; the same convolutions over a height of one are 2-D,
which its layout optimizer moves to its blocked (NCHWc) direct-convolution kernels. Each decoder weight
gains a unit axis, each kernel, stride, dilation and padding a leading 1 (0 for the padding), and the
decoder's input and output are unsqueezed and squeezed on that axis. The samples match the 1-D decoder's
to within 2e-6 of full scale (float rounding), so sentences made before the rewrite stay valid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DECODER = "/dec/"
ELEMENTWISE = {"LeakyRelu", "Add", "Div", "Mul", "Tanh"}
CONVOLUTIONS = {"Conv", "ConvTranspose"}
AXIS = "certquests_decoder_axis"


def decoder_as_2d(path: Path) -> bytes | None:
    """The model at `path` with its decoder's convolutions made 2-D, serialized; None when the model has no
    decoder of that shape (another architecture is run as it is)."""
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    nodes = [node for node in graph.node if node.name.startswith(DECODER)]
    if not nodes or any(node.op_type not in ELEMENTWISE | CONVOLUTIONS for node in nodes):
        return None
    weights = {tensor.name: tensor for tensor in graph.initializer}
    made = {name for node in nodes for name in node.output}
    outside = {
        name for node in nodes for name in node.input if name and name not in made and name not in weights
    }
    if len(outside) != 1 or not _scalar_constants(graph, nodes, made, weights):
        return None
    source = outside.pop()
    for node in nodes:
        node.input[:] = [f"{source}_2d" if name == source else name for name in node.input]
        if node.op_type in CONVOLUTIONS:
            _widen(node, weights[node.input[1]])
    last = nodes[-1]
    result = last.output[0]
    last.output[0] = f"{result}_2d"
    graph.initializer.append(onnx.helper.make_tensor(AXIS, onnx.TensorProto.INT64, [1], [2]))
    order = list(graph.node)
    first_at, last_at = order.index(nodes[0]), order.index(last)
    order.insert(last_at + 1, onnx.helper.make_node("Squeeze", [f"{result}_2d", AXIS], [result]))
    order.insert(first_at, onnx.helper.make_node("Unsqueeze", [source, AXIS], [f"{source}_2d"]))
    graph.ClearField("node")
    graph.node.extend(order)
    known = [info for info in graph.value_info if info.name not in made]
    graph.ClearField("value_info")
    graph.value_info.extend(known)
    return bytes(model.SerializeToString())


def _scalar_constants(graph: Any, nodes: list[Any], made: set[str], weights: dict[str, Any]) -> bool:
    """Whether every input an element-wise node takes from outside the decoder is a scalar (it broadcasts
    the same over a third axis)."""
    from onnx import numpy_helper

    constants = {node.output[0]: node for node in graph.node if node.op_type == "Constant"}
    for node in nodes:
        if node.op_type not in ELEMENTWISE:
            continue
        for name in node.input:
            if name in weights and numpy_helper.to_array(weights[name]).ndim:
                return False
            if name in constants and constants[name].attribute[0].t.dims:
                return False
    return True


def _widen(node: Any, weight: Any) -> None:
    """A 1-D (transposed) convolution as a 2-D one over a height of one."""
    from onnx import numpy_helper

    values = numpy_helper.to_array(weight)
    weight.CopyFrom(
        numpy_helper.from_array(values.reshape(*values.shape[:2], 1, values.shape[2]), weight.name)
    )
    for attribute in node.attribute:
        if attribute.name in ("kernel_shape", "strides", "dilations", "output_padding"):
            attribute.ints[:] = [1, *attribute.ints]
        elif attribute.name == "pads":
            begin, end = attribute.ints
            attribute.ints[:] = [0, begin, 0, end]


FORMAT = 1  # bumped when the rewrite changes
NOT_A_DECODER = 3  # the child's exit code for a model without a decoder of that shape


def cache_folder() -> Path:
    """Where rewritten voices are kept: $XDG_CACHE_HOME/certquests/piper, else ~/.cache/certquests/piper."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "certquests" / "piper"


def fast_model(path: Path) -> Path:
    """The voice at `path` with its decoder made 2-D, rewritten once per machine (in a child process, so the
    build never holds the parsed model) and kept in cache_folder(); `path` itself when that fails."""
    import hashlib
    import subprocess
    import sys

    stat = path.stat()
    stamp = hashlib.sha256(
        f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{FORMAT}".encode()
    ).hexdigest()
    target = cache_folder() / f"{path.stem}-{stamp[:16]}.onnx"
    unchanged = target.with_suffix(".as-is")  # a model of another shape: run as it is, not tried again
    if target.is_file() or unchanged.is_file():
        return target if target.is_file() else path
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", __name__, str(path), str(target)],
            capture_output=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return path
    if done.returncode == NOT_A_DECODER:
        unchanged.touch()
    return target if done.returncode == 0 and target.is_file() else path


def _main(source: str, target: str) -> int:
    import os

    data = decoder_as_2d(Path(source))
    if data is None:
        return NOT_A_DECODER
    partial = f"{target}.{os.getpid()}.part"
    Path(partial).write_bytes(data)
    os.replace(partial, target)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1], sys.argv[2]))
