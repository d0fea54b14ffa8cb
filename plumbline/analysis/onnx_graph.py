"""Builds the encoder's ONNX graph straight from the packaged weights, without PyTorch.

all-MiniLM-L6-v2 is a BERT encoder (6 layers, 12 heads, hidden size 384) followed by mean
pooling and L2 normalization. :func:`build_bert_graph` writes that computation as plain ONNX
operators (opset 17) with the weights of ``model.safetensors`` as initializers; ONNX
Runtime's transformer optimizer then fuses attention, GELU and the layer norms as it does
for a graph exported from PyTorch, because the graph has the same shape as that export.
The tests compare its output with sentence-transformers on PyTorch (the reference, in the
development tools only); the product needs only ``onnx``, ``safetensors`` and ONNX Runtime.

The graph takes ``input_ids``, ``attention_mask`` and ``token_type_ids`` ((batch, tokens)
int64) and returns ``embeddings`` ((batch, 384), L2-normalized mean of the last layer),
``layer_means`` ((batch, 384), the mean of layer ``hidden_layer``'s hidden states) and
``token_states`` ((batch, tokens, 768): each token's hidden states of layer
``hidden_layer`` and of the last layer, side by side, for the loaded-word head).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from plumbline.errors import ConfigurationError

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUTS = ("embeddings", "layer_means", "token_states")


@dataclass(frozen=True, slots=True)
class BertConfig:
    """The parts of a Hugging Face ``config.json`` the graph needs."""

    hidden_size: int
    num_heads: int
    num_layers: int
    layer_norm_eps: float

    @classmethod
    def read(cls, model_path: Path) -> BertConfig:
        config = json.loads((model_path / "config.json").read_text("utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise ConfigurationError(
                f"{model_path} is not a BERT encoder with GELU (model_type "
                f"{config.get('model_type')!r}, hidden_act {config.get('hidden_act')!r})"
            )
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ConfigurationError(f"{model_path}: only absolute position embeddings")
        return cls(
            hidden_size=int(config["hidden_size"]),
            num_heads=int(config["num_attention_heads"]),
            num_layers=int(config["num_hidden_layers"]),
            layer_norm_eps=float(config["layer_norm_eps"]),
        )


class _Graph:
    """Collects nodes and initializers; names are generated so that each is unique."""

    def __init__(self, weights: dict[str, npt.NDArray[np.generic]]) -> None:
        self.weights = weights
        self.nodes: list[object] = []
        self.initializers: list[object] = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, hint: str, value: npt.ArrayLike, dtype: type = np.float32) -> str:
        from onnx import numpy_helper

        name = self.name(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def weight(self, key: str, *, transpose: bool = False) -> str:
        from onnx import numpy_helper

        if key not in self.weights:
            raise ConfigurationError(f"the model weights lack {key!r}")
        array = np.asarray(self.weights[key], dtype=np.float32)
        if transpose:  # torch Linear keeps (out, in); MatMul wants (in, out)
            array = np.ascontiguousarray(array.T)
        self.initializers.append(numpy_helper.from_array(array, key))
        return key

    def op(self, op_type: str, inputs: list[str], hint: str = "", **attributes: object) -> str:
        from onnx import helper

        output = self.name(hint or op_type.lower())
        node = helper.make_node(op_type, inputs, [output], name=self.name(op_type))
        node.attribute.extend(helper.make_attribute(k, v) for k, v in attributes.items())
        self.nodes.append(node)
        return output

    def linear(self, x: str, prefix: str) -> str:
        product = self.op("MatMul", [x, self.weight(f"{prefix}.weight", transpose=True)])
        return self.op("Add", [product, self.weight(f"{prefix}.bias")])

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        scale, bias = self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")
        return self.op("LayerNormalization", [x, scale, bias], axis=-1, epsilon=eps)


def build_bert_graph(model_path: Path, *, hidden_layer: int) -> bytes:
    """The serialized ONNX model for the BERT encoder in `model_path` (see the module doc)."""
    import onnx
    from onnx import TensorProto, helper
    from safetensors.numpy import load_file

    config = BertConfig.read(model_path)
    if not 1 <= hidden_layer <= config.num_layers:
        raise ConfigurationError(f"hidden layer {hidden_layer} outside 1..{config.num_layers}")
    weights_file = model_path / "model.safetensors"
    if not weights_file.exists():
        raise ConfigurationError(f"no model.safetensors in {model_path} (only safetensors load)")
    raw = load_file(str(weights_file))
    # Some checkpoints prefix every key with the architecture name ("bert.").
    weights = {key.removeprefix("bert."): value for key, value in raw.items()}
    g = _Graph(weights)
    heads, size = config.num_heads, config.hidden_size
    head_size = size // heads

    # Embeddings: words + positions + token types, then a layer norm.
    words = g.op("Gather", [g.weight("embeddings.word_embeddings.weight"), "input_ids"])
    shape = g.op("Shape", ["input_ids"])
    length = g.op("Gather", [shape, g.const("one", 1, np.int64)], axis=0)
    positions = g.op("Range", [g.const("zero", 0, np.int64), length, g.const("step", 1, np.int64)])
    positions = g.op("Unsqueeze", [positions, g.const("axis0", [0], np.int64)])
    position_vectors = g.op(
        "Gather", [g.weight("embeddings.position_embeddings.weight"), positions]
    )
    types = g.op("Gather", [g.weight("embeddings.token_type_embeddings.weight"), "token_type_ids"])
    summed = g.op("Add", [g.op("Add", [words, position_vectors]), types])
    hidden = g.layer_norm(summed, "embeddings.LayerNorm", config.layer_norm_eps)

    # The additive attention mask, written as BERT's export writes it (the optimizer's
    # attention fusion recognises this shape): (1 - mask[:, None, None, :]) * -10000.
    mask = g.op("Unsqueeze", ["attention_mask", g.const("axis1", [1], np.int64)])
    mask = g.op("Unsqueeze", [mask, g.const("axis2", [2], np.int64)])
    mask = g.op("Cast", [mask], to=TensorProto.FLOAT)
    mask = g.op("Sub", [g.const("ones", 1.0), mask])
    mask_term = g.op("Mul", [mask, g.const("big", -10000.0)])

    split_heads = g.const("split_heads", [0, 0, heads, head_size], np.int64)
    merge_heads = g.const("merge_heads", [0, 0, size], np.int64)
    scale = g.const("scale", math.sqrt(head_size))
    layers: list[str] = []
    for index in range(config.num_layers):
        prefix = f"encoder.layer.{index}"
        attention = f"{prefix}.attention"
        query = g.op("Reshape", [g.linear(hidden, f"{attention}.self.query"), split_heads])
        query = g.op("Transpose", [query], perm=[0, 2, 1, 3])
        key = g.op("Reshape", [g.linear(hidden, f"{attention}.self.key"), split_heads])
        key = g.op("Transpose", [key], perm=[0, 2, 3, 1])
        value = g.op("Reshape", [g.linear(hidden, f"{attention}.self.value"), split_heads])
        value = g.op("Transpose", [value], perm=[0, 2, 1, 3])
        scores = g.op("Div", [g.op("MatMul", [query, key]), scale])
        probabilities = g.op("Softmax", [g.op("Add", [scores, mask_term])], axis=-1)
        context = g.op("MatMul", [probabilities, value])
        context = g.op("Transpose", [context], perm=[0, 2, 1, 3])
        context = g.op("Reshape", [context, merge_heads])
        attended = g.op("Add", [g.linear(context, f"{attention}.output.dense"), hidden])
        attended = g.layer_norm(attended, f"{attention}.output.LayerNorm", config.layer_norm_eps)
        # GELU with erf, as BERT defines it: x * 0.5 * (1 + erf(x / sqrt(2)))
        inner = g.linear(attended, f"{prefix}.intermediate.dense")
        erf = g.op("Erf", [g.op("Div", [inner, g.const("sqrt2", math.sqrt(2.0))])])
        gelu = g.op("Mul", [inner, g.op("Add", [erf, g.const("one_f", 1.0)])])
        gelu = g.op("Mul", [gelu, g.const("half", 0.5)])
        output = g.op("Add", [g.linear(gelu, f"{prefix}.output.dense"), attended])
        hidden = g.layer_norm(output, f"{prefix}.output.LayerNorm", config.layer_norm_eps)
        layers.append(hidden)

    # Mean pooling over the real tokens, then L2 normalization (eps as torch's normalize).
    token_mask = g.op("Unsqueeze", ["attention_mask", g.const("axis2", [2], np.int64)])
    token_mask = g.op("Cast", [token_mask], to=TensorProto.FLOAT)
    count = g.op("ReduceSum", [token_mask, g.const("axis1", [1], np.int64)], keepdims=0)
    count = g.op("Max", [count, g.const("tiny", 1e-9)])

    def mean(states: str) -> str:
        masked = g.op("Mul", [states, token_mask])
        total = g.op("ReduceSum", [masked, g.const("axis1", [1], np.int64)], keepdims=0)
        return g.op("Div", [total, count])

    pooled = mean(layers[-1])
    norm = g.op("ReduceL2", [pooled], axes=[1], keepdims=1)  # axes an attribute until opset 18
    norm = g.op("Max", [norm, g.const("eps", 1e-12)])
    g.nodes.append(helper.make_node("Div", [pooled, norm], [OUTPUTS[0]], name="normalize"))
    layer_mean = mean(layers[hidden_layer - 1])
    g.nodes.append(helper.make_node("Identity", [layer_mean], [OUTPUTS[1]], name="layer_mean"))
    g.nodes.append(
        helper.make_node(
            "Concat", [layers[hidden_layer - 1], layers[-1]], [OUTPUTS[2]], axis=-1, name="tokens"
        )
    )

    outputs = [
        helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", size]) for n in OUTPUTS[:2]
    ]
    outputs.append(
        helper.make_tensor_value_info(OUTPUTS[2], TensorProto.FLOAT, ["batch", "tokens", 2 * size])
    )
    graph = helper.make_graph(
        g.nodes,  # type: ignore[arg-type]
        "sentence_encoder",
        [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"]) for n in INPUTS],
        outputs,
        initializer=g.initializers,  # type: ignore[arg-type]
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name=""
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    serialized: bytes = model.SerializeToString()
    return serialized
