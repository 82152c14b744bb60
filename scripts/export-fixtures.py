#!/usr/bin/python3
"""Export the ONNX test fixtures for FlopLens and record what torch knows about them.

Usage (from the repository root):

    /usr/bin/python3 scripts/export-fixtures.py

Needs Debian's python3-torch (1.13), python3-torchvision (0.14) and python3-onnx (1.12).
No network access: every model is randomly initialised (weights=None), seeds are fixed.

Writes into test/fixtures/models/:
  <name>.onnx        graph with tensors > 1 KB moved to external data (committed)
  <name>.onnx.data   the external weights (NOT committed, see .gitignore)
  facts.json         params / inputs / opset / node histogram / hook MACs per model
and examples/resnet18.onnx, examples/tiny_transformer.onnx (+ .onnx.data).

Re-runnable: existing outputs are overwritten (the .onnx.data files are deleted first,
because onnx appends to an existing external-data file).
"""

import collections
import io
import json
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures", "models")
EXAMPLES_DIR = os.path.join(ROOT, "examples")
SIZE_THRESHOLD = 1024  # bytes: tensors larger than this go to <name>.onnx.data
MAX_ONNX_BYTES = 2 * 1024 * 1024

warnings.filterwarnings("ignore")


# ----------------------------------------------------------------------------------------
# MAC counting with forward hooks
# ----------------------------------------------------------------------------------------

HOOK_NOTE = (
    "hookMacs = multiply-accumulates counted by PyTorch forward hooks for ONE forward pass "
    "on the input shapes in macsInputShapes (batch 1). Counted modules: "
    "Conv1d/2d/3d: Cout * prod(out spatial) * (Cin/groups) * prod(kernel); "
    "ConvTranspose1d/2d/3d: Cin * prod(in spatial) * (Cout/groups) * prod(kernel); "
    "Linear: in_features * out_features per row (rows = numel(output) / out_features, i.e. per token "
    "for sequence inputs); nn.MultiheadAttention projections (its in_proj and out_proj are not "
    "module calls, so they are counted by a hook on the MHA module): per query token E*E (q) + "
    "E*E (out_proj) and per key/value token E*kdim (k) + E*vdim (v). "
    "Bias, BatchNorm, activations, pooling, normalisation, elementwise ops are NOT counted. "
    "Not counted in hookMacs but given separately where present: attentionMatmulMacs "
    "(Q@K^T + softmax(..)@V = 2 * Lq * Lk * E per batch element), rnnMacs "
    "(per time step per layer per direction gates * hidden * (input + hidden), gates: LSTM 4, "
    "GRU 3, RNN 1; biases excluded), otherMatmulMacs (torch.matmul / einsum in forward code)."
)


def prod(xs):
    p = 1
    for v in xs:
        p *= int(v)
    return p


class MacCounter:
    def __init__(self, model):
        self.model = model
        self.total = 0
        self.by_kind = collections.Counter()
        self.handles = []
        for m in model.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
                self.handles.append(m.register_forward_hook(self._conv))
            elif isinstance(m, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
                self.handles.append(m.register_forward_hook(self._convt))
            elif isinstance(m, nn.Linear) and not isinstance(
                m, nn.modules.linear.NonDynamicallyQuantizableLinear
            ):
                # NonDynamicallyQuantizableLinear = MultiheadAttention.out_proj, never called as
                # a module (F.multi_head_attention_forward uses its weight directly).
                self.handles.append(m.register_forward_hook(self._linear))
            elif isinstance(m, nn.MultiheadAttention):
                self.handles.append(m.register_forward_hook(self._mha))

    def _add(self, kind, n):
        self.total += int(n)
        self.by_kind[kind] += int(n)

    def _conv(self, m, inp, out):
        batch = out.shape[0]
        spatial = out.shape[2:]
        n = m.out_channels * prod(spatial) * (m.in_channels // m.groups) * prod(m.kernel_size)
        assert batch == 1
        self._add(type(m).__name__, n)

    def _convt(self, m, inp, out):
        x = inp[0]
        assert x.shape[0] == 1
        n = m.in_channels * prod(x.shape[2:]) * (m.out_channels // m.groups) * prod(m.kernel_size)
        self._add(type(m).__name__, n)

    def _linear(self, m, inp, out):
        rows = out.numel() // m.out_features
        self._add("Linear", rows * m.in_features * m.out_features)

    def _mha(self, m, inp, out):
        q, k, v = inp[0], inp[1], inp[2]
        if m.batch_first:
            bq, lq = q.shape[0], q.shape[1]
            lk = k.shape[1]
        else:
            lq, bq = q.shape[0], q.shape[1]
            lk = k.shape[0]
        assert bq == 1
        e = m.embed_dim
        proj = lq * e * e + lk * e * m.kdim + lk * e * m.vdim + lq * e * e
        self._add("MultiheadAttention.projections", proj)
        self.attention_matmul = getattr(self, "attention_matmul", 0) + 2 * lq * lk * e

    def remove(self):
        for h in self.handles:
            h.remove()


def count_hook_macs(model, inputs):
    model.eval()
    counter = MacCounter(model)
    # grad enabled on purpose: with no_grad, eval-mode TransformerEncoderLayer / MHA take the
    # fused "fast path" which bypasses the submodule calls (and therefore the hooks).
    with torch.enable_grad():
        model(*inputs)
    counter.remove()
    return counter


def rnn_macs(module, seq_len):
    """Per-sample MACs of nn.LSTM / nn.GRU / nn.RNN for seq_len steps (biases excluded)."""
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[type(module).__name__]
    dirs = 2 if module.bidirectional else 1
    total = 0
    in_size = module.input_size
    for _ in range(module.num_layers):
        total += dirs * seq_len * gates * module.hidden_size * (in_size + module.hidden_size)
        in_size = module.hidden_size * dirs
    return total


# ----------------------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------------------


class TinyTransformer(nn.Module):
    def __init__(self, vocab=1000, d_model=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        self.layers = nn.ModuleList(
            [
                nn.TransformerEncoderLayer(
                    d_model=d_model, nhead=4, dim_feedforward=128, batch_first=True
                )
                for _ in range(2)
            ]
        )
        self.head = nn.Linear(d_model, vocab)

    def forward(self, tokens):
        x = self.embed(tokens)
        for layer in self.layers:
            x = layer(x)
        return self.head(x)


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = nn.MultiheadAttention(embed_dim=32, num_heads=4, batch_first=True)

    def forward(self, x):
        out, _ = self.mha(x, x, x, need_weights=False)
        return out


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(
            input_size=16, hidden_size=32, num_layers=2, bidirectional=True, batch_first=True
        )
        # batch_first=True so the GRU/RNN see the same [batch, seq, feature] layout.
        self.gru = nn.GRU(64, 24, batch_first=True)
        self.rnn = nn.RNN(24, 8, batch_first=True)

    def forward(self, x):
        y, _ = self.lstm(x)
        y, _ = self.gru(y)
        y, h = self.rnn(y)
        return y, h


class SharedConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 1, 3, padding=1, bias=False)

    def forward(self, x):
        return self.conv1(self.conv1(x))


class OpsZoo(nn.Module):
    """Input [1, 8, 32, 32]. Exercises many op types; shapes are static."""

    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)  # depthwise
        self.prelu = nn.PReLU(8)
        self.grouped = nn.Conv2d(8, 16, 3, padding=1, groups=4)  # grouped
        self.gn = nn.GroupNorm(4, 16)
        self.dilated = nn.Conv2d(16, 16, 3, padding=2, dilation=2)
        self.maxpool = nn.MaxPool2d(3, stride=2, ceil_mode=True)  # 32 -> 16
        self.avgpool = nn.AvgPool2d(3, stride=2, ceil_mode=True)  # 32 -> 16
        self.up = nn.ConvTranspose2d(32, 8, 4, stride=2, padding=1)  # 16 -> 32
        self.inorm = nn.InstanceNorm2d(8, affine=True)
        self.pw = nn.Conv2d(8, 8, 1)
        self.adapt = nn.AdaptiveAvgPool2d((4, 4))
        self.ln = nn.LayerNorm(16)
        self.conv1d = nn.Conv1d(8, 4, 5, stride=4)
        self.conv3d = nn.Conv3d(1, 2, 3, stride=2, padding=1)
        self.fc = nn.Linear(8 + 4 + 2 + 8, 10)

    def forward(self, x):
        a = self.prelu(self.dw(x))                      # [1, 8, 32, 32]
        b = F.gelu(self.grouped(a))                     # [1, 16, 32, 32]
        b = F.silu(self.gn(self.dilated(b)))            # [1, 16, 32, 32]
        p = torch.cat([self.maxpool(b), self.avgpool(b)], dim=1)  # [1, 32, 16, 16]
        u = self.up(p)                                  # [1, 8, 32, 32]
        u = F.hardswish(self.inorm(u))
        n = F.interpolate(F.max_pool2d(u, 2), scale_factor=2, mode="nearest")
        bl = F.interpolate(F.avg_pool2d(u, 2), scale_factor=2, mode="bilinear", align_corners=False)
        u = self.pw(u + n + bl)                          # [1, 8, 32, 32]
        padded = F.pad(u, (1, 1, 2, 2))                  # [1, 8, 36, 34]
        s1, s2 = torch.split(padded, [4, 4], dim=1)
        c1, c2 = torch.chunk(s1 * s2, 2, dim=2)          # [1, 4, 18, 34] each
        m = torch.cat([c1, c2], dim=1).mean(dim=(2, 3))  # [1, 8]

        q = self.adapt(u).flatten(2)                     # [1, 8, 16]
        q = self.ln(q)
        att = torch.einsum("bij,bjk->bik", q, q.permute(0, 2, 1))  # [1, 8, 8]
        att = torch.softmax(att, dim=-1)
        g = torch.einsum("bij,bjk->bik", att, q)         # [1, 8, 16]

        seq = u.flatten(2)                               # [1, 8, 1024]
        c1d = self.conv1d(seq).mean(dim=2)               # [1, 4]
        vol = self.conv3d(x.unsqueeze(1))                # [1, 2, 4, 16, 16]
        c3d = vol.mean(dim=(2, 3, 4))                    # [1, 2]
        feats = torch.cat([m, c1d, c3d, g.mean(dim=2)], dim=1)  # [1, 22]
        return self.fc(feats)


class ControlFlow(nn.Module):
    """Scripted: an If on a tensor condition (branches of different cost) and two Loops."""

    def __init__(self):
        super().__init__()
        self.cheap = nn.Linear(16, 16)
        self.exp1 = nn.Linear(16, 64)
        self.exp2 = nn.Linear(64, 16)
        self.loop_w = nn.Parameter(torch.randn(16, 16) * 0.1)
        self.step = nn.Linear(16, 16)
        # Trip count kept in a buffer: `for _ in range(5)` would be unrolled by TorchScript into
        # 5 MatMul nodes; int(buffer) is exported as a Loop whose M input is the int64
        # initializer `n_iter` (= 5).
        self.register_buffer("n_iter", torch.tensor(5, dtype=torch.int64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if bool(x.sum() > 0):
            y = self.cheap(x)
        else:
            y = self.exp2(torch.relu(self.exp1(x)))
        # constant trip count 5 (initializer n_iter): MatMul in the body
        for _ in range(int(self.n_iter)):
            y = torch.matmul(y, self.loop_w)
        # data-dependent trip count (number of rows of x)
        for _ in range(x.size(0)):
            y = torch.tanh(self.step(y))
        return y


class SmallConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


# ----------------------------------------------------------------------------------------
# Export helpers
# ----------------------------------------------------------------------------------------


def export_to_proto(model, args, input_names, output_names, opset, dynamic_axes=None, **kw):
    buf = io.BytesIO()
    with torch.enable_grad():  # keep eval-mode transformer layers off the fused fast path
        torch.onnx.export(
            model,
            args,
            buf,
            opset_version=opset,
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            **kw,
        )
    return onnx.load_from_string(buf.getvalue())


def dim_repr(d):
    if d.HasField("dim_value"):
        return int(d.dim_value)
    if d.HasField("dim_param"):
        return d.dim_param
    return None


def value_info_shapes(values, skip=()):
    res = {}
    for vi in values:
        if vi.name in skip:
            continue
        t = vi.type.tensor_type
        res[vi.name] = {
            "dtype": TensorProto.DataType.Name(t.elem_type),
            "shape": [dim_repr(d) for d in t.shape.dim],
        }
    return res


def walk_graphs(graph):
    yield graph
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from walk_graphs(attr.g)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for g in attr.graphs:
                    yield from walk_graphs(g)


def graph_facts(model):
    g = model.graph
    init_names = {i.name for i in g.initializer}
    top_hist = collections.Counter(n.op_type for n in g.node)
    all_hist = collections.Counter()
    n_all = 0
    init_count = 0
    init_elems = 0
    float_init_elems = 0
    const_elems = 0
    for sub in walk_graphs(g):
        for n in sub.node:
            all_hist[n.op_type] += 1
            n_all += 1
            if n.op_type == "Constant":
                for a in n.attribute:
                    if a.name == "value":
                        const_elems += prod(a.t.dims)
        for t in sub.initializer:
            init_count += 1
            e = prod(t.dims)
            init_elems += e
            if t.data_type in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE, TensorProto.BFLOAT16):
                float_init_elems += e
    opset = {(o.domain or "ai.onnx"): int(o.version) for o in model.opset_import}
    facts = {
        "irVersion": int(model.ir_version),
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "opset": opset.get("ai.onnx"),
        "opsetImports": opset,
        "inputs": value_info_shapes(g.input, skip=init_names),
        "outputs": value_info_shapes(g.output),
        "nodeCount": len(g.node),
        "opHistogram": dict(sorted(top_hist.items())),
        "initializerCount": init_count,
        "initializerElements": init_elems,
        "floatInitializerElements": float_init_elems,
        "constantNodeElements": const_elems,
    }
    if n_all != len(g.node):
        facts["nodeCountWithSubgraphs"] = n_all
        facts["opHistogramWithSubgraphs"] = dict(sorted(all_hist.items()))
    return facts


def save_external(model, path):
    """Check the full proto, then save with tensors > 1 KB in <name>.onnx.data next to it."""
    onnx.checker.check_model(model)  # in-memory, weights still embedded
    model = onnx.ModelProto.FromString(model.SerializeToString())  # don't mutate the caller's
    os.makedirs(os.path.dirname(path), exist_ok=True)
    location = os.path.basename(path) + ".data"
    data_path = os.path.join(os.path.dirname(path), location)
    if os.path.exists(data_path):
        os.remove(data_path)  # onnx appends to an existing data file
    onnx.save_model(
        model,
        path,
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=location,
        size_threshold=SIZE_THRESHOLD,
    )
    # (no data file is written when no tensor is above the threshold)
    reloaded = onnx.load(path, load_external_data=False)
    assert len(reloaded.graph.node) == len(model.graph.node)
    size = os.path.getsize(path)
    assert size < MAX_ONNX_BYTES, f"{path} is {size} bytes"
    data_size = os.path.getsize(data_path) if os.path.exists(data_path) else 0
    return size, data_size


def count_params(model):
    # model.parameters() yields a shared parameter once (shared_conv: 9)
    return int(sum(p.numel() for p in model.parameters()))


def randomize(model):
    """Give every parameter and BatchNorm statistic distinct values.

    Fresh models have many identical tensors (zero biases, LayerNorm/BN weight = 1,
    running_mean = 0, running_var = 1). The exporter deduplicates identical initializers
    (and, after BN folding, all folded Conv biases would be equal), so the ONNX initializer
    set would not reflect the architecture. Perturbing them keeps one initializer per tensor.
    """
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.01)
        for mod in model.modules():
            if isinstance(mod, nn.modules.batchnorm._BatchNorm) and mod.track_running_stats:
                mod.running_mean.copy_(torch.randn_like(mod.running_mean) * 0.1)
                mod.running_var.copy_(torch.rand_like(mod.running_var) + 0.5)
    model.eval()
    return model


# ----------------------------------------------------------------------------------------
# Builders: each returns (onnx proto, facts dict from torch)
# ----------------------------------------------------------------------------------------


def torchvision_model(name):
    ctor = getattr(torchvision.models, name)
    return randomize(ctor(weights=None))


def build_resnet18():
    m = torchvision_model("resnet18")
    x = torch.randn(1, 3, 224, 224)
    proto = export_to_proto(m, (x,), ["input"], ["logits"], 13)
    assert not any(n.op_type == "BatchNormalization" for n in proto.graph.node)
    return m, proto, {"input": [1, 3, 224, 224]}, (x,), {
        "exportOptions": "eval, opset 13, default export (BatchNorm folded into Conv)",
    }


def build_resnet18_bn():
    m = torchvision_model("resnet18")
    x = torch.randn(1, 3, 224, 224)
    # The eval-mode peephole that folds BN into Conv only runs for training=EVAL (the default);
    # do_constant_folding=False alone does NOT keep BN. PRESERVE + model.eval() keeps the
    # BatchNormalization nodes with inference semantics (single output).
    proto = export_to_proto(
        m, (x,), ["input"], ["logits"], 13,
        training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
    )
    n_bn = sum(n.op_type == "BatchNormalization" for n in proto.graph.node)
    assert n_bn == 20, n_bn
    assert all(len(n.output) == 1 for n in proto.graph.node if n.op_type == "BatchNormalization")
    return m, proto, {"input": [1, 3, 224, 224]}, (x,), {
        "exportOptions": "model.eval(), opset 13, training=TrainingMode.PRESERVE, "
        "do_constant_folding=False (BatchNormalization nodes kept, inference mode)",
    }


def build_mobilenet_v2():
    m = torchvision_model("mobilenet_v2")
    x = torch.randn(1, 3, 224, 224)
    proto = export_to_proto(m, (x,), ["input"], ["logits"], 13)
    return m, proto, {"input": [1, 3, 224, 224]}, (x,), {"exportOptions": "eval, opset 13"}


def build_mobilenet_v2_dyn():
    m = torchvision_model("mobilenet_v2")
    x = torch.randn(1, 3, 224, 224)
    proto = export_to_proto(
        m, (x,), ["input"], ["logits"], 13,
        dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"}},
    )
    return m, proto, {"input": [1, 3, 224, 224]}, (x,), {
        "exportOptions": "eval, opset 13, dynamic axes input[batch, 3, height, width]",
    }


def build_vgg16():
    m = torchvision_model("vgg16")
    x = torch.randn(1, 3, 224, 224)
    proto = export_to_proto(m, (x,), ["input"], ["logits"], 13)
    return m, proto, {"input": [1, 3, 224, 224]}, (x,), {"exportOptions": "eval, opset 13"}


def build_tiny_transformer():
    m = randomize(TinyTransformer())
    seq = 16
    tokens = torch.randint(0, 1000, (1, seq), dtype=torch.int64)
    proto = export_to_proto(
        m, (tokens,), ["tokens"], ["logits"], 14,
        dynamic_axes={"tokens": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}},
    )
    return m, proto, {"tokens": [1, seq]}, (tokens,), {
        "exportOptions": "eval, opset 14, dynamic axes tokens[batch, seq]",
    }


def build_mha():
    m = randomize(SelfAttention())
    seq = 10
    x = torch.randn(1, seq, 32)
    proto = export_to_proto(
        m, (x,), ["x"], ["y"], 14,
        dynamic_axes={"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}},
    )
    return m, proto, {"x": [1, seq, 32]}, (x,), {
        "exportOptions": "eval, opset 14, self-attention (query=key=value), need_weights=False, "
        "dynamic axes x[batch, seq, 32]",
    }


def build_lstm():
    m = randomize(Recurrent())
    seq = 12
    x = torch.randn(1, seq, 16)
    proto = export_to_proto(
        m, (x,), ["x"], ["y", "h_rnn"], 14,
        dynamic_axes={"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}, "h_rnn": {1: "batch"}},
    )
    rnn = {
        "lstm": rnn_macs(m.lstm, seq),
        "gru": rnn_macs(m.gru, seq),
        "rnn": rnn_macs(m.rnn, seq),
    }
    return m, proto, {"x": [1, seq, 16]}, (x,), {
        "exportOptions": "eval, opset 14, LSTM(16,32,2 layers,bidirectional,batch_first) -> "
        "GRU(64,24,batch_first) -> RNN(24,8,batch_first,tanh); dynamic axes x[batch, seq, 16]",
        "rnnMacs": sum(rnn.values()),
        "rnnMacsByModule": rnn,
    }


def build_shared_conv():
    m = randomize(SharedConv())
    x = torch.randn(1, 1, 512, 512)
    proto = export_to_proto(m, (x,), ["input"], ["output"], 13)
    return m, proto, {"input": [1, 1, 512, 512]}, (x,), {
        "exportOptions": "eval, opset 13; conv1 (3x3, 1->1, no bias) applied twice",
        "note2": "torch counts the shared weight once (params = 9); it is used by 2 Conv nodes, "
        "so hookMacs counts 2 convolutions.",
    }


def build_ops_zoo():
    m = randomize(OpsZoo())
    x = torch.randn(1, 8, 32, 32)
    proto = export_to_proto(m, (x,), ["input"], ["output"], 13)
    # einsum MACs: [1,8,16]x[1,16,8] and [1,8,8]x[1,8,16]
    other = 8 * 16 * 8 + 8 * 8 * 16
    return m, proto, {"input": [1, 8, 32, 32]}, (x,), {
        "exportOptions": "eval, opset 13, static shapes",
        "otherMatmulMacs": other,
        "otherMatmulNote": "two torch.einsum('bij,bjk->bik'): [1,8,16]x[1,16,8] and [1,8,8]x[1,8,16]",
        # the other common ConvTranspose convention (e.g. thop): output-based, counts the
        # structural zeros: Cout * Hout * Wout * (Cin/groups) * kh * kw
        "convTransposeMacsOutputConvention": 8 * 32 * 32 * 32 * 4 * 4,
        "convTransposeMacsInputConvention": 32 * 16 * 16 * 8 * 4 * 4,
    }


def build_control_flow():
    eager = randomize(ControlFlow())
    scripted = torch.jit.script(eager)
    x = torch.randn(3, 16).abs() + 0.1  # sum > 0 -> cheap branch; 3 rows -> 3 iterations
    proto = export_to_proto(
        scripted, (x,), ["x"], ["y"], 13,
        dynamic_axes={"x": {0: "rows"}, "y": {0: "rows"}},
    )
    ops = collections.Counter(n.op_type for g in walk_graphs(proto.graph) for n in g.node)
    assert ops["If"] == 1 and ops["Loop"] == 2, ops
    inits = {i.name for i in proto.graph.initializer}
    assert any(n.op_type == "Loop" and n.input[0] in inits for n in proto.graph.node), \
        "constant-trip-count Loop lost (unrolled?)"
    rows = 1
    cheap = 16 * 16 * rows
    expensive = (16 * 64 + 64 * 16) * rows
    loop_matmul = 5 * 16 * 16 * rows
    dyn_step = 16 * 16 * rows  # per iteration; trip count = rows
    # hooks (with rows = 1): run eager with positive / negative input
    hook_then = count_hook_macs(eager, (torch.ones(1, 16),)).total
    hook_else = count_hook_macs(eager, (-torch.ones(1, 16),)).total
    assert hook_then == cheap + dyn_step * rows, hook_then
    assert hook_else == expensive + dyn_step * rows, hook_else
    return eager, proto, {"x": [1, 16]}, None, {
        "exportOptions": "torch.jit.script, opset 13, dynamic axis x[rows, 16]. If on "
        "x.sum() > 0 (then: Linear 16->16; else: Linear 16->64, ReLU, Linear 64->16); Loop with "
        "M = int64 initializer n_iter = 5, body MatMul [rows,16]x[16,16]; Loop with "
        "M = Shape(x)[0], body Gemm 16->16 + Tanh",
        "hookMacs": hook_then,
        "hookMacsByBranch": {"then (x.sum() > 0)": hook_then, "else": hook_else},
        "otherMatmulMacs": loop_matmul,
        "otherMatmulNote": "constant-trip-count Loop (5 iterations) of MatMul [rows,16]x[16,16]; "
        "the second Loop runs x.size(0) times Linear(16,16)+tanh (counted in hookMacs: "
        "rows iterations)",
        "controlFlowMacs": {
            "thenBranch": cheap,
            "elseBranch": expensive,
            "constLoopBody": 16 * 16 * rows,
            "constLoopTripCount": 5,
            "dynLoopBody": dyn_step,
            "dynLoopTripCount": "rows (x.shape[0])",
        },
    }


def build_constant_weights():
    m = randomize(SmallConvNet())
    x = torch.randn(1, 3, 32, 32)
    proto = export_to_proto(m, (x,), ["image"], ["logits"], 13)
    g = proto.graph
    consts = []
    for init in g.initializer:
        consts.append(
            helper.make_node("Constant", [], [init.name], name=f"Constant_{init.name}", value=init)
        )
    # graph inputs that were initializers (older IR) must go; opset 13 export has none.
    init_names = {i.name for i in g.initializer}
    kept_inputs = [i for i in g.input if i.name not in init_names]
    del g.input[:]
    g.input.extend(kept_inputs)
    del g.initializer[:]
    nodes = consts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    proto.producer_name = "floplens-fixture (torch export, initializers -> Constant nodes)"
    return m, proto, {"image": [1, 3, 32, 32]}, (x,), {
        "exportOptions": "eval, opset 13 export of a small conv net, then every initializer "
        "converted into a Constant node (value attribute) placed at the top of the graph; "
        "no initializers left. Constant tensors stay inline in the .onnx (onnx.save_model does "
        "not externalize attribute tensors by default).",
    }


BUILDERS = [
    ("resnet18", build_resnet18),
    ("resnet18_bn", build_resnet18_bn),
    ("mobilenet_v2", build_mobilenet_v2),
    ("mobilenet_v2_dyn", build_mobilenet_v2_dyn),
    ("vgg16", build_vgg16),
    ("tiny_transformer", build_tiny_transformer),
    ("mha", build_mha),
    ("lstm", build_lstm),
    ("shared_conv", build_shared_conv),
    ("ops_zoo", build_ops_zoo),
    ("control_flow", build_control_flow),
    ("constant_weights", build_constant_weights),
]

EXAMPLES = {"resnet18", "tiny_transformer"}


def main():
    torch.manual_seed(0)
    os.makedirs(OUT_DIR, exist_ok=True)
    only = set(sys.argv[1:])
    facts_path = os.path.join(OUT_DIR, "facts.json")
    facts_all = {}
    if only and os.path.exists(facts_path):
        with open(facts_path) as f:
            facts_all = json.load(f).get("models", {})
    sizes = []
    for name, build in BUILDERS:
        if only and name not in only:
            continue
        torch.manual_seed(0)
        model, proto, macs_shapes, macs_inputs, extra = build()
        facts = {
            "file": f"{name}.onnx",
            "torch": torch.__version__,
            "params": count_params(model),
        }
        facts.update(graph_facts(proto))
        facts["macsInputShapes"] = macs_shapes
        if macs_inputs is not None:
            counter = count_hook_macs(model, macs_inputs)
            facts["hookMacs"] = counter.total
            facts["hookMacsByModuleType"] = dict(sorted(counter.by_kind.items()))
            if hasattr(counter, "attention_matmul"):
                facts["attentionMatmulMacs"] = counter.attention_matmul
        facts.update(extra)
        facts["note"] = HOOK_NOTE
        path = os.path.join(OUT_DIR, f"{name}.onnx")
        size, data_size = save_external(proto, path)
        facts["onnxBytes"] = size
        facts["externalDataBytes"] = data_size
        sizes.append((os.path.relpath(path, ROOT), size, data_size))
        if name in EXAMPLES:
            epath = os.path.join(EXAMPLES_DIR, f"{name}.onnx")
            esize, edata = save_external(proto, epath)
            sizes.append((os.path.relpath(epath, ROOT), esize, edata))
        facts_all[name] = facts
        print(f"{name}: params={facts['params']} hookMacs={facts.get('hookMacs')} "
              f"nodes={facts['nodeCount']}", flush=True)

    out = {
        "generatedBy": "scripts/export-fixtures.py",
        "versions": {"torch": torch.__version__, "torchvision": torchvision.__version__,
                     "onnx": onnx.__version__},
        "externalDataThresholdBytes": SIZE_THRESHOLD,
        "models": {k: facts_all[k] for k, _ in BUILDERS if k in facts_all},
    }
    with open(facts_path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print()
    for p, s, d in sizes:
        print(f"{s:>10,d} B  {p}   (+ {d:,d} B external data)")


if __name__ == "__main__":
    main()
