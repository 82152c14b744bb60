#!/usr/bin/python3
"""Run the PyTorch source fixtures with torch and record what torch counts, for the static
analysis tests (test/pytorch-analyze.test.ts) to compare against without needing torch.

Usage (from the repository root):

    /usr/bin/python3 scripts/torch-facts.py          # writes test/fixtures/pytorch/facts.json

Needs Debian's python3-torch (1.13). Each fixture file is imported as a module (so its
`if __name__ == '__main__':` block does not run); profilers it imports but that are not installed
(torchinfo, torchsummary, thop, ptflops) are stubbed. Each case builds one class with the same
arguments and input shapes the static analysis finds in the file, runs one forward pass and records:

  params        sum(p.numel() for p in model.parameters())  (shared parameters once)
  buffers       sum(b.numel() for b in model.buffers())
  macs          multiply-accumulates torch actually executes in that forward pass, counted with a
                TorchFunctionMode on the product ops (bias excluded):
                  conv1d/2d/3d       numel(output) * Cin/groups * prod(kernel)
                  conv_transpose*    numel(input) * Cout/groups * prod(kernel)   (input side)
                  linear             numel(input) / in_features * in_features * out_features
                  bilinear           rows * out * in1 * in2
                  matmul, mm, bmm, @, baddbmm, addmm   prod(batch) * M * K * N
                  einsum             product of every index size (direct loop)
                plus, by forward hook, the layers whose kernels the mode does not see:
                recurrent layers (LSTM/GRU/RNN and their cells) per step, layer and direction
                gates * hidden * (input + h_out) (+ hidden * proj_size with projections), and
                nn.MultiheadAttention (q/k/v/out projections + Q·K^T and A·V, see mha_hook).
  macsByOp      the same split by op
  modules       per named module (as named_modules, each once): type, params of its subtree,
                times its forward ran (forward hooks), the first call's output shape (first tensor)
  outputShapes  the model's outputs (first tensor of each returned item)
  unusedParams  parameters with no gradient after backward() of the outputs' sum (small cases)

Batch is part of the input shape: counts are for the whole batch.
"""

import importlib.util
import json
import math
import os
import sys
import types
import warnings

import torch
import torch.nn as nn
from torch.overrides import TorchFunctionMode

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "test", "fixtures", "pytorch")
OUT = os.path.join(FIXTURES, "facts.json")

warnings.filterwarnings("ignore")


def stub_profilers():
    """Fixtures import profilers the way their authors did; they need not be installed here."""
    for name, funcs in {
        "torchinfo": ["summary"],
        "torchsummary": ["summary"],
        "thop": ["profile", "clever_format"],
        "ptflops": ["get_model_complexity_info"],
    }.items():
        try:
            importlib.import_module(name)
        except ImportError:
            mod = types.ModuleType(name)
            for f in funcs:
                setattr(mod, f, lambda *a, **k: None)
            sys.modules[name] = mod


def load(file):
    path = os.path.join(FIXTURES, file)
    spec = importlib.util.spec_from_file_location(f"fixture_{file[:-3]}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def prod(xs):
    p = 1
    for v in xs:
        p *= int(v)
    return p


class MacMode(TorchFunctionMode):
    """Counts the MACs of product ops as torch runs them."""

    def __init__(self):
        super().__init__()
        self.by_op = {}

    def add(self, op, n):
        self.by_op[op] = self.by_op.get(op, 0) + int(n)

    def __torch_function__(self, func, types_, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        out = func(*args, **kwargs)
        try:
            self.count(name, args, kwargs, out)
        except Exception as e:  # a counting bug must not hide: say which op
            raise RuntimeError(f"counting {name}: {e}") from e
        return out

    def count(self, name, args, kwargs, out):
        if name in ("conv1d", "conv2d", "conv3d"):
            w = args[1] if len(args) > 1 else kwargs["weight"]
            self.add("conv", out.numel() * prod(w.shape[1:]))
        elif name in ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"):
            x = args[0]
            w = args[1] if len(args) > 1 else kwargs["weight"]
            self.add("conv_transpose", x.numel() * prod(w.shape[1:]))
        elif name == "linear":
            x = args[0]
            w = args[1] if len(args) > 1 else kwargs["weight"]
            self.add("linear", x.numel() // w.shape[1] * w.shape[1] * w.shape[0])
        elif name == "bilinear":
            x1 = args[0]
            w = args[2] if len(args) > 2 else kwargs["weight"]
            rows = x1.numel() // w.shape[1]
            self.add("bilinear", rows * prod(w.shape))
        elif name in ("matmul", "__matmul__", "__rmatmul__", "mm", "bmm", "baddbmm", "addmm", "addbmm"):
            if name in ("baddbmm", "addmm", "addbmm"):
                a = args[1] if len(args) > 1 else kwargs.get("batch1", kwargs.get("mat1"))
            else:
                a = args[0] if name != "__rmatmul__" else args[1]
            k = a.shape[-1]
            self.add("matmul", out.numel() * k)
        elif name == "einsum":
            eq = args[0].replace(" ", "")
            ops = args[1:] if not (len(args) == 2 and isinstance(args[1], (list, tuple))) else args[1]
            lhs = eq.split("->")[0].split(",")
            sizes = {}
            for term, t in zip(lhs, ops):
                for letter, d in zip(term, t.shape):
                    sizes[letter] = int(d)
            self.add("einsum", prod(sizes.values()))


RNN_GATES = {"LSTM": 4, "GRU": 3, "RNN": 1, "LSTMCell": 4, "GRUCell": 3, "RNNCell": 1}


def rnn_hook(counter):
    def hook(m, inp, out):
        kind = type(m).__name__
        g = RNN_GATES[kind]
        x = inp[0]
        if kind.endswith("Cell"):
            batch = x.shape[0] if x.dim() == 2 else 1
            counter.add("rnn", batch * g * m.hidden_size * (m.input_size + m.hidden_size))
            return
        if x.dim() == 2:
            seq, batch = x.shape[0], 1
        elif m.batch_first:
            batch, seq = x.shape[0], x.shape[1]
        else:
            seq, batch = x.shape[0], x.shape[1]
        dirs = 2 if m.bidirectional else 1
        proj = getattr(m, "proj_size", 0) or 0
        h_out = proj or m.hidden_size
        in_size = m.input_size
        total = 0
        for _ in range(m.num_layers):
            total += seq * batch * dirs * (g * m.hidden_size * (in_size + h_out) + (m.hidden_size * proj if proj else 0))
            in_size = h_out * dirs
        counter.add("rnn", total)

    return hook


def mha_hook(counter):
    """F.multi_head_attention_forward runs as one torch function (its inner products are not
    seen by the mode), so nn.MultiheadAttention is counted from its shapes, per batch element:
    projections Lq*E*E (q) + Lk*E*kdim (k) + Lk*E*vdim (v) + Lq*E*E (out), attention
    2 * Lq * Lk' * E with Lk' = Lk (+1 with add_bias_kv, +1 with add_zero_attn)."""

    def hook(m, inp, out):
        q, k = inp[0], inp[1]
        if q.dim() == 2:
            n, lq, lk = 1, q.shape[0], k.shape[0]
        elif m.batch_first:
            n, lq, lk = q.shape[0], q.shape[1], k.shape[1]
        else:
            n, lq, lk = q.shape[1], q.shape[0], k.shape[0]
        e = m.embed_dim
        counter.add("mha_projections", n * (lq * e * e + lk * e * m.kdim + lk * e * m.vdim + lq * e * e))
        lk2 = lk + (1 if m.bias_k is not None else 0) + (1 if m.add_zero_attn else 0)
        counter.add("mha_attention", n * 2 * lq * lk2 * e)

    return hook


def first_tensor(v):
    if isinstance(v, torch.Tensor):
        return v
    if isinstance(v, (tuple, list)):
        for x in v:
            t = first_tensor(x)
            if t is not None:
                return t
    return None


def all_tensors(v):
    if isinstance(v, torch.Tensor):
        return [v]
    if isinstance(v, (tuple, list)):
        return [t for x in v for t in all_tensors(x)]
    return []


def input_shape(spec):
    """(2, 3) is a float input of that shape; ((2, 5), "long", 100) integer ids below 100."""
    return list(spec[0]) if isinstance(spec[0], tuple) else list(spec)


def make_input(spec):
    if isinstance(spec[0], tuple):
        shape, _dtype, high = spec
        return torch.randint(0, high, shape)
    return torch.randn(*spec)


def run_case(file, cls, build, inputs, grad_check):
    torch.manual_seed(0)
    mod = load(file)
    model = build(mod)
    model.eval()
    xs = [make_input(s) for s in inputs]
    counter = MacMode()
    calls = {}
    outs = {}
    handles = []
    for name, m in model.named_modules():
        def hook(m, inp, out, name=name):
            calls[name] = calls.get(name, 0) + 1
            if name not in outs:
                t = first_tensor(out)
                outs[name] = list(t.shape) if t is not None else None
        handles.append(m.register_forward_hook(hook))
        if type(m).__name__ in RNN_GATES:
            handles.append(m.register_forward_hook(rnn_hook(counter)))
        if isinstance(m, nn.MultiheadAttention):
            handles.append(m.register_forward_hook(mha_hook(counter)))
    # Grad enabled on purpose: with no_grad, eval-mode Transformer layers take a fused fast path
    # that bypasses the submodule calls.
    with torch.enable_grad(), counter:
        out = model(*xs)
    for h in handles:
        h.remove()
    fact = {
        "file": file,
        "class": cls,
        "inputs": [input_shape(s) for s in inputs],
        "params": sum(p.numel() for p in model.parameters()),
        "buffers": sum(b.numel() for b in model.buffers()),
        "macs": sum(counter.by_op.values()),
        "macsByOp": dict(sorted(counter.by_op.items())),
        "outputShapes": [list(t.shape) for t in (out if isinstance(out, (tuple, list)) else [out]) if isinstance(t, torch.Tensor)],
        "modules": {},
    }
    for name, m in model.named_modules():
        if name == "":
            continue
        fact["modules"][name] = {
            "type": type(m).__name__,
            "params": sum(p.numel() for p in m.parameters()),
            "calls": calls.get(name, 0),
            "outShape": outs.get(name),
        }
    if grad_check:
        model.zero_grad(set_to_none=True)
        with torch.enable_grad():
            o = model(*[make_input(s) for s in inputs])
            sum(t.float().sum() for t in all_tensors(o)).backward()
        fact["unusedParams"] = sum(p.numel() for p in model.parameters() if p.grad is None)
    return fact


# file, class, how the file (or its first use) builds it, inputs as the analysis finds them, grad check
CASES = [
    ("seed002_mynet.py", "MyNet", lambda m: m.MyNet(), [(12, 1, 224, 224)], False),
    ("seed004_plain.py", "BaseNet", lambda m: m.BaseNet(), [(1, 1, 512, 512)], True),
    ("seed004_shared.py", "BaseNet", lambda m: m.BaseNet(), [(1, 1, 512, 512)], True),
    ("seed004_unused.py", "BaseNet", lambda m: m.BaseNet(), [(1, 1, 512, 512)], True),
    ("vgg16_cfg.py", "VGG", lambda m: m.vgg16(), [(1, 3, 224, 224)], False),
    ("resnet18.py", "ResNet", lambda m: m.resnet18(), [(1, 3, 224, 224)], False),
    ("resnet18.py", "BasicBlock", lambda m: m.BasicBlock(64, 64), [(1, 64, 56, 56)], True),
    ("aliases.py", "AliasNet", lambda m: m.AliasNet(), [(2, 3, 32, 32)], True),
    ("aliases.py", "LazyHead", lambda m: m.LazyHead(), [(4, 3, 16, 16)], True),
    ("sequence.py", "TinyTransformer", lambda m: m.TinyTransformer(), [((1, 16), "long", 1000)], True),
    ("sequence.py", "SelfAttention", lambda m: m.SelfAttention(), [(1, 10, 32)], True),
    ("sequence.py", "CrossAttention", lambda m: m.CrossAttention(), [(5, 2, 32), (7, 2, 16), (7, 2, 24)], True),
    ("sequence.py", "Recurrent", lambda m: m.Recurrent(), [(1, 12, 16)], True),
    ("sequence.py", "ProjectedLSTM", lambda m: m.ProjectedLSTM(), [(9, 3, 16)], True),
    ("sequence.py", "EncoderStack", lambda m: m.EncoderStack(), [(2, 6, 32)], True),
    ("sequence.py", "Seq2Seq", lambda m: m.Seq2Seq(), [(2, 6, 32), (2, 5, 32)], True),
    ("layer_zoo.py", "Zoo", lambda m: m.Zoo(), [(2, 8, 16, 16), (2, 4, 20), (1, 2, 4, 8, 8), ((2, 5), "long", 100)], True),
    ("functional_net.py", "FunctionalNet", lambda m: m.FunctionalNet(), [(2, 3, 32, 32)], True),
    ("functional_net.py", "Block", lambda m: m.Block(16), [(2, 16, 8, 8)], True),
    ("functional_net.py", "HandAttention", lambda m: m.HandAttention(16), [(2, 64, 16)], True),
    ("vit.py", "VisionTransformer", lambda m: m.VisionTransformer(), [(2, 3, 32, 32)], True),
    ("vit.py", "PatchEmbed", lambda m: m.PatchEmbed(32, 4, 3, 64), [(2, 3, 32, 32)], True),
    ("vit.py", "Block", lambda m: m.Block(64, 4), [(2, 65, 64)], True),
    ("vit.py", "Attention", lambda m: m.Attention(64, num_heads=4, qkv_bias=True), [(2, 65, 64)], True),
    ("vit.py", "Mlp", lambda m: m.Mlp(64, 256), [(2, 65, 64)], True),
    ("unet.py", "UNet", lambda m: m.UNet(n_channels=1, n_classes=3), [(1, 1, 64, 64)], True),
    ("unet.py", "DoubleConv", lambda m: m.DoubleConv(1, 16), [(1, 1, 64, 64)], True),
    ("unet.py", "Down", lambda m: m.Down(16, 32), [(1, 16, 64, 64)], True),
    ("unet.py", "Up", lambda m: m.Up(128, 64), [(1, 128, 8, 8), (1, 64, 16, 16)], True),
    ("nested.py", "Net", lambda m: m.Net(widths=(8, 16, 32)), [(2, 3, 64, 64)], True),
    ("nested.py", "Stage", lambda m: m.Stage(3, 8, nn.Hardswish()), [(2, 3, 64, 64)], True),
    ("nested.py", "ConvBNAct", lambda m: m.ConvBNAct(8, 8), [(2, 8, 32, 32)], True),
]


def main():
    stub_profilers()
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    cases = {}
    only = set(sys.argv[1:])
    for file, cls, build, inputs, grad in CASES:
        key = f"{file}:{cls}"
        if only and key not in only and file not in only:
            continue
        fact = run_case(file, cls, build, inputs, grad)
        cases[key] = fact
        print(f"{key}: params={fact['params']:,} macs={fact['macs']:,}", flush=True)
    if only and os.path.exists(OUT):
        with open(OUT) as f:
            old = json.load(f).get("cases", {})
        old.update(cases)
        cases = old
    doc = {
        "generatedBy": "scripts/torch-facts.py",
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0]},
        "note": (
            "Per case: params / buffers as torch counts them; macs = multiply-accumulates of the "
            "product ops torch executes in one forward pass at `inputs` (whole batch, bias "
            "excluded; conv transpose from the input side; einsum as the direct loop) plus "
            "recurrent gate products by hook; modules = named_modules with subtree params, "
            "forward calls and first output shape; unusedParams = parameters with no gradient "
            "after backward (where checked)."
        ),
        "cases": {k: cases[k] for k in sorted(cases)},
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
