"""FlopLens exact mode: build one nn.Module class of a Python file with torch and export it to ONNX.

Shipped with the extension and run by the language server (server/exact-mode.ts) with the
interpreter the user configured, only in trusted workspaces, in a subprocess whose working
folder is the model file's folder. Nothing here is generated from the model file: the file is
imported as a module (its `if __name__ == "__main__":` block does not run) and the class, or a
factory function of the file, is called with literal arguments passed as JSON.

    python export_module.py --file net.py --class-name Net --kwargs '{"width": 8}' \
        --input '[[1, 3, 224, 224]]' --out /tmp/floplens-exact-x [--call make_net]
        [--args '[64, 64]'] [--submodule layer1.0] [--opset 13]

JSON values: lists stay lists, {"$tuple": [...]} is a tuple, {"$float": 1} a float.

Prints ONE JSON line on stdout (anything the model code prints goes to stderr):
    {"onnx": path, "torchParams": n, "modules": [{"path", "type", "params", "alias"?}], "inputs": [...],
     "torch": version, "opset": n}
or {"error": "one line"} with exit status 1. The caller enforces the timeout.
"""

import argparse
import contextlib
import importlib.util
import json
import os
import sys
import traceback
import types
import warnings

OPSET_DEFAULT = 13
# Profilers the models' own `__main__` blocks call; imported at the top of many model files but
# not needed to build the model, so a missing one is replaced by an inert stand-in.
PROFILERS = {
    "torchinfo": ["summary"],
    "torchsummary": ["summary"],
    "thop": ["profile", "clever_format"],
    "ptflops": ["get_model_complexity_info"],
    "torchstat": ["stat"],
}
# Export errors that mean "this input should hold integer ids" (embeddings): retried as int64.
INTEGER_HINTS = ("Long", "Int", "indices", "scalar type", "dtype")
MAX_ERROR_CHARS = 400


def fail(message):
    # sys.__stdout__: the model code's output is redirected to stderr while it runs.
    print(json.dumps({"error": " ".join(str(message).split())}), file=sys.__stdout__, flush=True)
    sys.exit(1)


def literal(value):
    """JSON → the Python value the TypeScript side encoded (tuples and floats are marked)."""
    if isinstance(value, list):
        return [literal(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$tuple"}:
            return tuple(literal(v) for v in value["$tuple"])
        if set(value) == {"$float"}:
            return float(value["$float"])
        return {k: literal(v) for k, v in value.items()}
    return value


def where(exc, file):
    """`(net.py line 12)` for the deepest frame of the model file in the exception's traceback."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame.filename) == file:
            line = frame.lineno
    return f" ({os.path.basename(file)} line {line})" if line else ""


def describe(exc, file):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    # torch's export errors go on with a plea for pull requests and a dump of the whole graph.
    for tail in (" Please feel free to request support", " [Caused by the value"):
        text = text.split(tail)[0].strip()
    if len(text) > MAX_ERROR_CHARS:
        text = text[: MAX_ERROR_CHARS - 1] + "…"
    return f"{type(exc).__name__}: {text}{where(exc, file)}" if text else f"{type(exc).__name__}{where(exc, file)}"


def stub_profilers():
    for name, funcs in PROFILERS.items():
        if importlib.util.find_spec(name) is None:
            mod = types.ModuleType(name)
            for f in funcs:
                setattr(mod, f, lambda *a, **k: None)
            sys.modules[name] = mod


def load(file):
    folder = os.path.dirname(file)
    # Sibling modules import as they do when the file runs as a script.
    sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location("floplens_exact_model", file)
    if spec is None or spec.loader is None:
        fail(f"{os.path.basename(file)} cannot be imported as a Python module")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    try:
        spec.loader.exec_module(mod)
    except SyntaxError as e:
        fail(f"importing {os.path.basename(file)} failed: SyntaxError: {e.msg} (line {e.lineno})")
    except BaseException as e:  # SystemExit and KeyboardInterrupt from module code too
        fail(f"importing {os.path.basename(file)} failed: {describe(e, file)}")
    return mod


def build(mod, opts, file):
    import torch.nn as nn

    name = os.path.basename(file)
    cls = getattr(mod, opts.class_name, None)
    if not isinstance(cls, type):
        fail(f"{name} has no class {opts.class_name}")
    if not issubclass(cls, nn.Module):
        fail(f"{opts.class_name} in {name} is not a torch.nn.Module")
    args = literal(json.loads(opts.args))
    kwargs = literal(json.loads(opts.kwargs))
    maker_name = opts.call or opts.class_name
    maker = getattr(mod, maker_name, None)
    if not callable(maker):
        fail(f"{name} has no function {maker_name}")
    call = f"{maker_name}({', '.join([repr(a) for a in args] + [f'{k}={v!r}' for k, v in kwargs.items()])})"
    try:
        model = maker(*args, **kwargs)
    except BaseException as e:
        fail(f"{call} raised {describe(e, file)}")
    if opts.submodule:
        if not isinstance(model, nn.Module):
            fail(f"{call} returned a {type(model).__name__}, not a torch.nn.Module")
        try:
            model = model.get_submodule(opts.submodule)
        except AttributeError:
            fail(f"{call} has no submodule {opts.submodule}")
        call = f"{call}.{opts.submodule}"
    if not isinstance(model, cls):
        fail(f"{call} is a {type(model).__name__}, not a {opts.class_name}")
    return model, call


def export(model, call, opts, file):
    import torch
    import torch.nn as nn

    shapes = json.loads(opts.input)
    path = os.path.join(opts.out, "model.onnx")
    names = [f"input{i}" if len(shapes) > 1 else "input" for i in range(len(shapes))]
    integer = [False] * len(shapes)

    def run():
        torch.manual_seed(0)
        # Zeros are valid ids for any embedding.
        xs = tuple(torch.zeros(s, dtype=torch.int64) if integer[i] else torch.randn(s) for i, s in enumerate(shapes))
        if any(nn.parameter.is_lazy(p) for p in model.parameters()):
            # Lazy layers (LazyLinear) get their parameters' shapes from a first call.
            with torch.no_grad():
                model(*xs)
        # Grad stays enabled: with it off, eval-mode Transformer layers take a fused fast path
        # that exports as one opaque op instead of the ops (and module scopes) of its parts.
        # TrainingMode.PRESERVE after eval(): inference semantics, but BatchNorm is not folded
        # into the convolutions, so parameters and costs stay per layer as the source has them.
        with torch.enable_grad():
            torch.onnx.export(
                model, xs, path, opset_version=opts.opset, input_names=names,
                training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
            )

    try:
        run()
    except BaseException as first:
        # Token ids: an input an embedding reads must be integers. Try each input as int64.
        error = first
        if any(h in str(first) for h in INTEGER_HINTS):
            for i in range(len(shapes)):
                integer[i] = True
                try:
                    run()
                    error = None
                    break
                except BaseException as e:
                    if any(h in str(e) for h in INTEGER_HINTS):
                        integer[i] = False  # not this input
                    else:
                        error = e  # past the ids: a failure of its own
                        break
        if error is not None:
            fail(f"exporting {call} to ONNX failed: {describe(error, file)}")
    return path, [{"shape": s, "dtype": "int64" if integer[i] else "float32"} for i, s in enumerate(shapes)]


def module_list(model):
    """named_modules with every path a module is registered under: ONNX scopes use the path of
    the call, so a module shared by several blocks appears under each; "alias" names the first."""
    first = {}
    out = []
    for p, m in model.named_modules(remove_duplicate=False):
        if not p:
            continue
        entry = {"path": p, "type": type(m).__name__, "params": sum(t.numel() for t in m.parameters())}
        if id(m) in first:
            entry["alias"] = first[id(m)]
        else:
            first[id(m)] = p
        out.append(entry)
    return out


def main():
    parser = argparse.ArgumentParser(description="Export one nn.Module class of a file to ONNX (FlopLens exact mode).")
    parser.add_argument("--file", required=True)
    parser.add_argument("--class-name", required=True)
    parser.add_argument("--call", default="", help="the class or a function of the file returning the model (default: --class-name)")
    parser.add_argument("--args", default="[]", help="positional arguments (JSON literals)")
    parser.add_argument("--kwargs", default="{}", help="keyword arguments (JSON literals)")
    parser.add_argument("--submodule", default="", help="export this named_modules path of the built model")
    parser.add_argument("--input", required=True, help="input shapes as JSON, e.g. [[1, 3, 224, 224]]")
    parser.add_argument("--out", required=True, help="an existing folder for model.onnx")
    parser.add_argument("--opset", type=int, default=OPSET_DEFAULT, choices=(13, 14))
    opts = parser.parse_args()
    file = os.path.abspath(opts.file)

    try:
        import torch
    except ImportError as e:
        fail(
            f"torch cannot be imported by {sys.executable} (Python {sys.version.split()[0]}): {e}. "
            "Install PyTorch for this interpreter (pip install torch onnx; on Debian/Ubuntu: "
            "apt-get install python3-torch python3-onnx) or choose another one with floplens.pythonPath"
        )
    warnings.filterwarnings("ignore")
    stub_profilers()

    # The model code may print: keep stdout for the one result line.
    with contextlib.redirect_stdout(sys.stderr):
        mod = load(file)
        model, call = build(mod, opts, file)
        model.eval()
        path, inputs = export(model, call, opts, file)
        modules = module_list(model)
        result = {
            "onnx": path,
            "torchParams": sum(t.numel() for t in model.parameters()),
            "modules": modules,
            "inputs": inputs,
            "torch": torch.__version__,
            "opset": opts.opset,
        }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
