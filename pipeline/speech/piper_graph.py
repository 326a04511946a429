"""A Piper voice's decoder run as 2-D convolutions: the same arithmetic, on faster kernels.

A Piper (VITS) voice spends about nine tenths of its time in its HiFi-GAN decoder (`/dec/`): 1-D
convolutions, transposed convolutions, leaky ReLUs, sums, divisions by a constant and a tanh. onnxruntime
runs 1-D convolutions as im2col and a matrix product; the same convolutions over a height of one are 2-D,
which its layout optimizer moves to its blocked (NCHWc) direct-convolution kernels. Each decoder weight
gains a unit axis, each kernel, stride, dilation and padding a leading 1 (0 for the padding), and the
decoder's input and output are unsqueezed and squeezed on that axis. The samples match the 1-D decoder's
to within 2e-6 of full scale (float rounding), so sentences made before the rewrite stay valid.

The rewritten model is kept as two: the front (text encoder, durations, flow), which makes the decoder's
input, a latent of one column per frame of audio, and the decoder alone, so the decoder can be run over a
sentence's latent a window at a time (see pipeline/speech/piper.py): its working memory is then that of a
window, whatever the sentence's length.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DECODER = "/dec/"
ELEMENTWISE = {"LeakyRelu", "Add", "Div", "Mul", "Tanh"}
CONVOLUTIONS = {"Conv", "ConvTranspose"}
RESHAPES = {"Squeeze", "Unsqueeze", "Reshape", "Identity"}
AXIS = "certquests_decoder_axis"


def voice_parts(path: Path) -> tuple[bytes, bytes] | None:
    """The model at `path` with its decoder's convolutions made 2-D, as its front (the model's inputs to the
    decoder's latent) and its decoder (the latent to the model's first output), each serialized; None when
    the model has no decoder of that shape (another architecture is run as it is)."""
    import onnx.utils

    made = decoder_as_2d(path)
    if made is None:
        return None
    model, latent = made
    extractor = onnx.utils.Extractor(model)
    inputs = [tensor.name for tensor in model.graph.input]
    front = extractor.extract_model(inputs, [latent])
    decoder = extractor.extract_model([latent], [model.graph.output[0].name])
    if len(decoder.graph.input) != 1 or any(
        not node.name.startswith(DECODER) and node.op_type not in RESHAPES for node in decoder.graph.node
    ):
        return None  # the audio depends on more than the latent: the decoder cannot be run alone
    return front.SerializeToString(), decoder.SerializeToString()


def decoder_as_2d(path: Path) -> tuple[Any, str] | None:
    """The model at `path` with its decoder's convolutions made 2-D, and the name of the decoder's input;
    None when the model has no decoder of that shape (another architecture is run as it is)."""
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
    return model, source


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


FORMAT = 2  # bumped when the rewrite changes (2: kept as a front and a decoder)
NOT_A_DECODER = 3  # the child's exit code for a model without a decoder of that shape


def cache_folder() -> Path:
    """Where rewritten voices are kept: $XDG_CACHE_HOME/certquests/piper, else ~/.cache/certquests/piper."""
    import os

    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "certquests" / "piper"


def fast_model(path: Path) -> tuple[Path, Path] | None:
    """The voice at `path` as its front and its 2-D decoder (see voice_parts), rewritten once per machine (in
    a child process, so the build never holds the parsed model) and kept in cache_folder(); None when that
    fails or the model is of another shape, and the voice is run as it ships."""
    import hashlib
    import subprocess
    import sys

    stat = path.stat()
    stamp = hashlib.sha256(
        f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{FORMAT}".encode()
    ).hexdigest()
    front = cache_folder() / f"{path.stem}-{stamp[:16]}.front.onnx"
    decoder = front.with_name(front.name.replace(".front.", ".decoder."))
    unchanged = front.with_name(front.name.replace(".front.onnx", ".as-is"))  # not tried again
    if unchanged.is_file():
        return None
    if front.is_file() and decoder.is_file():
        return front, decoder
    try:
        front.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [sys.executable, "-m", __name__, str(path), str(front), str(decoder)],
            capture_output=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode == NOT_A_DECODER:
        unchanged.touch()
    return (front, decoder) if done.returncode == 0 and front.is_file() and decoder.is_file() else None


def _main(source: str, front: str, decoder: str) -> int:
    import os

    parts = voice_parts(Path(source))
    if parts is None:
        return NOT_A_DECODER
    for data, target in zip(parts[::-1], (decoder, front), strict=True):  # the front last: it marks both made
        partial = f"{target}.{os.getpid()}.part"
        Path(partial).write_bytes(data)
        os.replace(partial, target)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1], sys.argv[2], sys.argv[3]))
