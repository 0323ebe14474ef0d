"""Tests of viz: the book's graphs in DOT and SVG, module clusters, folding, gradient colours, renderers, errors."""

from __future__ import annotations

import html
import os
import re
import shutil
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

import autograd
import viz
from autograd.function import module_scope
from autograd.scalar import Scalar
from autograd.tensor import Tensor
from viz import renderer as renderer_module
from viz.__main__ import main as viz_main
from viz.colors import RAMP, grad_color, scale_position
from viz.flow import backward_flow
from viz.graph import build

SVG = "{http://www.w3.org/2000/svg}"
HAS_DOT = shutil.which("dot") is not None
RENDERERS = [
    pytest.param(
        "dot",
        marks=pytest.mark.skipif(
            not HAS_DOT, reason="Graphviz's dot is not on PATH (apt-get install graphviz to test this renderer)"
        ),
    ),
    "graphviz-pure",
]
KINDS = ["tensor", "scalar"]

APPLE_NODES = {  # name: (value, gradient)
    "apple": ("100", "2.2"),
    "apple_num": ("2", "110"),
    "tax": ("1.1", "200"),
    "apple_price": ("200", "1.1"),
    "price": ("220", "1"),
}
APPLE_EDGES = {  # (input, the value its operation makes): gradient written on the edge
    ("apple", "apple_price"): "2.2",
    ("apple_num", "apple_price"): "110",
    ("apple_price", "price"): "1.1",
    ("tax", "price"): "200",
}
FRUIT_NODES = {
    "apple": ("100", "2.2"),
    "apple_num": ("2", "110"),
    "orange": ("150", "3.3"),
    "orange_num": ("3", "165"),
    "tax": ("1.1", "650"),
    "apple_price": ("200", "1.1"),
    "orange_price": ("450", "1.1"),
    "all_price": ("650", "1.1"),
    "price": ("715", "1"),
}
FRUIT_EDGES = {
    ("apple", "apple_price"): "2.2",
    ("apple_num", "apple_price"): "110",
    ("orange", "orange_price"): "3.3",
    ("orange_num", "orange_price"): "165",
    ("apple_price", "all_price"): "1.1",
    ("orange_price", "all_price"): "1.1",
    ("all_price", "price"): "1.1",
    ("tax", "price"): "650",
}
EXAMPLES = [(viz.examples.apple, APPLE_NODES, APPLE_EDGES), (viz.examples.apples_and_oranges, FRUIT_NODES, FRUIT_EDGES)]


# ---- reading drawings back ---------------------------------------------------------------------------
def _label_lines(label: str) -> list[str]:
    """The text lines of a DOT label: an HTML-like one (tags dropped) or a plain one."""
    if label.startswith("<"):
        return [html.unescape(s).strip() for s in re.split(r"<[^>]*>", label[1:-1]) if s.strip()]
    return [label.strip('"')]


def dot_graph(source: str) -> tuple[dict[str, list[str]], list[tuple[str, str, list[str]]], dict[str, str]]:
    """From DOT source: node id -> label lines, (src, dst, label lines) per edge, node id -> its line."""
    label = r'label=(<<table.*?</table>>|"(?:[^"\\]|\\.)*"|[^\s\]]+)'
    nodes, lines, edges = {}, {}, []
    for line in source.splitlines():
        edge = re.match(r"\s*(\w+) -> (\w+)(.*)$", line)
        if edge:
            found = re.search(label, edge.group(3))
            edges.append((edge.group(1), edge.group(2), _label_lines(found.group(1)) if found else []))
            continue
        node = re.match(r"\s*(\w+) \[(.*)\]$", line)
        if node and node.group(1) not in ("graph", "node", "edge"):
            found = re.search(label, node.group(2))
            nodes[node.group(1)] = _label_lines(found.group(1)) if found else []
            lines[node.group(1)] = line
    return nodes, edges, lines


def svg_graph(svg: bytes) -> tuple[dict[str, list[str]], list[tuple[str, str, list[str]]], list[list[str]]]:
    """From SVG (parsed as XML): node id -> text lines, (src, dst, texts) per edge, texts of each cluster."""
    root = ET.fromstring(svg)
    nodes, edges, clusters = {}, [], []
    for g in root.iter(f"{SVG}g"):
        kind = g.get("class")
        if kind not in ("node", "edge", "cluster"):
            continue
        title = g.find(f"{SVG}title").text
        texts = [t.text.strip() for t in g.iter(f"{SVG}text") if t.text and t.text.strip()]
        if kind == "node":
            nodes[title] = texts
        elif kind == "edge":
            src, dst = title.split("->")
            edges.append((src, dst, texts))
        else:
            clusters.append(texts)
    return nodes, edges, clusters


def by_title(nodes: dict[str, list[str]], title: str) -> str:
    """The id of the node whose first line is `title`."""
    (found,) = [node for node, lines in nodes.items() if lines and lines[0] == title]
    return found


def producer(edges: list[tuple[str, str, list[str]]], value: str) -> str:
    """The operation node that makes `value`."""
    (op,) = [src for src, dst, _ in edges if dst == value]
    return op


def check_book_graph(nodes, edges, expected_nodes, expected_edges) -> None:
    """Each named value shows its value and gradient; each input edge shows the gradient along it."""
    for name, (value, grad) in expected_nodes.items():
        lines = nodes[by_title(nodes, name)]
        assert lines[1] == value, (name, lines)
        assert f"grad {grad}" in lines, (name, lines)
    for (src, made), grad in expected_edges.items():
        source, op = by_title(nodes, src), producer(edges, by_title(nodes, made))
        labels = [label for s, d, label in edges if s == source and d == op]
        assert labels == [[grad]], (src, made, labels)
        assert nodes[op] == ["+" if made == "all_price" else "×"], (made, nodes[op])


# ---- the book's graphs -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("example", "expected_nodes", "expected_edges"), EXAMPLES)
def test_book_graph_dot_source_has_values_and_backward_flow(kind, example, expected_nodes, expected_edges):
    nodes, edges, _ = dot_graph(viz.draw(example(kind), flow=True).source)
    check_book_graph(nodes, edges, expected_nodes, expected_edges)


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("example", "expected_nodes", "expected_edges"), EXAMPLES)
def test_book_graph_svg_has_values_and_backward_flow(renderer, kind, example, expected_nodes, expected_edges):
    svg = viz.pipe(example(kind), "svg", renderer=renderer, flow=True)
    nodes, edges, _ = svg_graph(svg)
    check_book_graph(nodes, edges, expected_nodes, expected_edges)


def test_examples_leave_the_books_gradients_on_the_leaves():
    price = viz.examples.apples_and_oranges()
    assert float(price._data) == pytest.approx(715)
    leaves = {}
    stack = [price.grad_fn]
    while stack:
        for x in stack.pop().inputs:
            if isinstance(x, Tensor):
                if x.grad_fn is None:
                    leaves[x.name] = float(x.grad._data)
                else:
                    stack.append(x.grad_fn)
    assert leaves == pytest.approx({"apple": 2.2, "apple_num": 110, "orange": 3.3, "orange_num": 165, "tax": 650})
    with pytest.raises(ValueError, match="kind"):
        viz.examples.apple("matrix")


def test_examples_main_writes_both_drawings(tmp_path):
    assert viz_main([str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["apple.svg", "apples_and_oranges.svg"]
    nodes, _, _ = svg_graph((tmp_path / "apple.svg").read_bytes())
    assert nodes[by_title(nodes, "price")][1] == "220"


# ---- what a node and an edge show ----------------------------------------------------------------------
def test_without_flow_nodes_show_grad_as_backward_stored_it():
    tensor_nodes, tensor_edges, _ = dot_graph(viz.draw(viz.examples.apple()).source)
    assert "grad 2.2" in tensor_nodes[by_title(tensor_nodes, "apple")]
    assert not any(line.startswith("grad") for line in tensor_nodes[by_title(tensor_nodes, "apple_price")])
    assert all(label == [] for _, _, label in tensor_edges)
    scalar_nodes, _, _ = dot_graph(viz.draw(viz.examples.apple("scalar")).source)
    assert "grad 1.1" in scalar_nodes[by_title(scalar_nodes, "apple_price")]


def test_flow_before_backward_leaves_grad_untouched():
    a = autograd.tensor(3.0, requires_grad=True)
    a.name = "a"
    y = a * a + a
    y.name = "y"
    nodes, edges, _ = dot_graph(viz.draw(y, flow=True).source)
    assert a.grad is None
    assert "grad 7" in nodes[by_title(nodes, "a")]
    a_id = by_title(nodes, "a")
    uses = [dst for src, dst, _ in edges if src == a_id]
    (square,) = {op for op in uses if uses.count(op) == 2}
    assert [label for src, dst, label in edges if src == a_id and dst == square] == [["3"], ["3"]]
    assert [label for src, dst, label in edges if src == a_id and dst != square] == [["1"]]


def test_flow_agrees_with_backward_through_broadcasting_and_reductions():
    autograd.manual_seed(0)
    x = autograd.randn(5, 3)
    w = autograd.randn(3, 4, requires_grad=True)
    b = autograd.randn(4, requires_grad=True)
    w.name, b.name = "w", "b"
    loss = ((x @ w + b).tanh() ** 2).mean(axis=0).sum()
    loss.backward(retain_graph=True)
    graph = build(loss)
    flows = backward_flow(graph)
    for value in graph.values:
        if value.obj is w or value.obj is b:
            np.testing.assert_allclose(flows.values[id(value)], value.obj.grad._data, rtol=1e-5)
        if value.obj is x:
            assert id(value) not in flows.values  # an input that needs no gradient gets none


def test_flow_after_backward_that_freed_the_graph_says_how_to_keep_it():
    a = autograd.tensor(2.0, requires_grad=True)
    y = a * a
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        viz.draw(y, flow=True)
    viz.draw(y)  # without the flow, the stored gradients are enough


def test_values_and_grads_can_be_hidden():
    price = viz.examples.apple()
    nodes, _, _ = dot_graph(viz.draw(price, values=False, grads=False).source)
    assert nodes[by_title(nodes, "apple")] == ["apple"]
    nodes, _, _ = dot_graph(viz.draw(price, grads=False).source)
    assert nodes[by_title(nodes, "apple")] == ["apple", "100"]
    nodes, _, _ = dot_graph(viz.draw(price, values=False).source)
    assert nodes[by_title(nodes, "apple")] == ["apple", "grad 2.2"]


def test_small_tensors_in_full_larger_ones_as_shape_dtype_and_summary():
    small = autograd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    large = autograd.ones((10, 10), requires_grad=True)
    out = (small.sum() * large).sum()
    out.backward()
    nodes, _, _ = dot_graph(viz.draw(out).source)
    texts = list(nodes.values())
    assert ["[1, 2, 3]", "grad [100, 100, 100]"] in texts
    assert ["float32 [10, 10]", "mean 1, std 0", "grad mean |g| 6"] in texts


def test_constants_are_drawn_as_plain_text():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges, lines = dot_graph(viz.draw(x * 2.5).source)
    (constant,) = [node for node in nodes if node.startswith("c")]
    assert nodes[constant] == ["2.5"] and "shape=plaintext" in lines[constant]
    assert any(src == constant for src, _, _ in edges)


def test_leaves_parameters_inputs_and_output_look_different():
    class Parameter(Tensor):
        """A stand-in for nn.Parameter: a Tensor subclass of that name."""

    weight = Parameter(np.ones(2, np.float32), requires_grad=True)
    weight.name = "weight"
    leaf = autograd.tensor([1.0, 2.0], requires_grad=True)
    leaf.name = "leaf"
    data = autograd.tensor([3.0, 4.0])
    data.name = "data"
    out = (weight * leaf * data).sum()
    out.name = "out"
    nodes, _, lines = dot_graph(viz.draw(out).source)
    styles = {}
    for name in ("weight", "leaf", "data", "out"):
        line = lines[by_title(nodes, name)]
        styles[name] = re.search(r'fillcolor="([^"]+)"', line).group(1), re.search(r' color="([^"]+)"', line).group(1)
    assert len(set(styles.values())) == 4
    assert "parameter" in lines[by_title(nodes, "weight")] and "output" in lines[by_title(nodes, "out")]


def test_drawing_something_that_is_not_a_graph_value_raises_type_error(tmp_path):
    for bad in ([1.0, 2.0], np.ones(3), 3.0, "price", None):
        with pytest.raises(TypeError, match="Tensor or Scalar"):
            viz.draw(bad)
    with pytest.raises(TypeError, match="Tensor or Scalar"):
        viz.render({"price": 220}, tmp_path / "bad.svg")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="max_nodes"):
        viz.draw(viz.examples.apple(), max_nodes=0)


# ---- whole models: clusters, folding, gradient colours -------------------------------------------------
class _Module:
    """A minimal module (named_modules / named_parameters, graph tagging) independent of nn."""

    def __call__(self, x):
        with module_scope(self):
            return self.forward(x)

    def named_modules(self, prefix=""):
        yield prefix, self
        for name, child in vars(self).items():
            if isinstance(child, _Module):
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self):
        for owner, module in self.named_modules():
            for name, value in vars(module).items():
                if isinstance(value, Tensor):
                    yield (f"{owner}.{name}" if owner else name), value


class _Linear(_Module):
    def __init__(self, n_in, n_out):
        self.weight = autograd.tensor(np.full((n_in, n_out), 0.5, np.float32), requires_grad=True)
        self.bias = autograd.tensor(np.zeros(n_out, np.float32), requires_grad=True)

    def forward(self, x):
        return x @ self.weight + self.bias


class _Net(_Module):
    def __init__(self):
        self.hidden = _Linear(3, 4)
        self.out = _Linear(4, 1)

    def forward(self, x):
        return self.out(self.hidden(x).tanh())


def _cluster_blocks(source: str) -> dict[str, str]:
    """Cluster label -> the DOT text inside that cluster (nested clusters included)."""
    blocks, starts = {}, []
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("subgraph cluster_"):
            starts.append(i)
        elif line.strip() == "}" and starts:
            start = starts.pop()
            body = "\n".join(lines[start : i + 1])
            blocks[re.search(r'label="?([^"\]]+?)"? labeljust', body).group(1)] = body
    return blocks


def test_model_graph_is_clustered_by_module_with_named_parameters():
    net = _Net()
    loss = net(autograd.ones((2, 3))).sum()
    loss.backward()
    source = viz.draw(loss, model=net).source
    blocks = _cluster_blocks(source)
    assert set(blocks) == {"_Net", "hidden (_Linear)", "out (_Linear)"}
    assert "<b>hidden.weight</b>" in blocks["hidden (_Linear)"]
    assert 'tooltip="MatMul in hidden (_Linear)"' in blocks["hidden (_Linear)"]
    assert "<b>out.bias</b>" in blocks["out (_Linear)"] and "<b>out.bias</b>" not in blocks["hidden (_Linear)"]
    assert "tanh" in blocks["_Net"] and "tanh" not in blocks["hidden (_Linear)"]
    assert source.index("hidden (_Linear)") > source.index("label=_Net")  # nested inside the model's cluster
    found = _cluster_blocks(viz.draw(loss).source)  # without the model: nested below the outermost module found
    assert set(found) == set(blocks) and "<b>hidden.weight</b>" in found["hidden (_Linear)"]
    assert set(_cluster_blocks(viz.draw(loss, model=net, clusters=False).source)) == set()


def test_modules_of_one_class_without_the_model_are_numbered():
    first, second = _Linear(2, 2), _Linear(2, 1)
    out = second(first(autograd.ones((1, 2)))).sum()
    assert set(_cluster_blocks(viz.draw(out).source)) == {"_Linear 1", "_Linear 2"}


@pytest.mark.parametrize("renderer", RENDERERS)
def test_nn_mlp_renders_with_a_cluster_per_module(renderer):
    nn = pytest.importorskip("nn", reason="the nn package is not available")
    autograd.manual_seed(0)
    model = nn.MLP(2, [4], 1, activation=nn.Tanh)
    loss = model(autograd.randn(3, 2)).sum()
    loss.backward(retain_graph=True)
    drawing = viz.draw(loss, model=model, flow=True, color_by_grad=True)
    assert isinstance(drawing, graphviz.Digraph)
    _, _, clusters = svg_graph(viz.pipe(drawing, renderer=renderer))
    titles = sorted(texts[0] for texts in clusters)
    assert titles == ["0 (Linear)", "1 (Tanh)", "2 (Linear)", "MLP"]
    blocks = _cluster_blocks(drawing.source)
    assert "<b>0.weight</b>" in blocks["0 (Linear)"] and "<b>2.bias</b>" in blocks["2 (Linear)"]


def _chain(length: int) -> Scalar:
    x = Scalar(0.5, label="x")
    for _ in range(length):
        x = (x * 0.9).tanh()
    x.label = "out"
    x.backward()
    return x


def test_node_limit_folds_the_far_end_into_one_summary():
    out = _chain(50)  # values: 1 leaf, 99 intermediate, the output; operations: 50 ×, 50 tanh
    source = viz.draw(out, max_nodes=30).source
    nodes, edges, lines = dot_graph(source)
    assert len(nodes) == 31 and "folded" in nodes
    assert nodes["folded"] == [
        "171 more nodes folded",
        "86 values: intermediate 85, leaf 1",
        "85 operations: × 43, tanh 42",
        "draw(..., max_nodes=None) shows them all",
    ]
    assert "shape=note" in lines["folded"]
    (joined,) = [dst for src, dst, _ in edges if src == "folded"]
    assert nodes[joined] == ["tanh"]  # the summary joins the drawing where the folded part feeds it
    assert re.search(rf"folded -> {joined} \[.*style=dashed", source)
    assert all(src in nodes and dst in nodes for src, dst, _ in edges)
    assert len(dot_graph(viz.draw(out, max_nodes=None).source)[0]) == 201
    assert len(dot_graph(viz.draw(out).source)[0]) == 201  # the default limit (200) folds one node
    assert len(dot_graph(viz.draw(_chain(10)).source)[0]) == 41  # small graphs are drawn whole


def test_gradient_colours_follow_the_gradient_magnitude():
    leaves = [autograd.tensor(1.0, requires_grad=True) for _ in range(5)]
    scales = [1e-8, 1e-5, 1e-2, 10.0, 1e4]
    out = sum(scale * leaf for scale, leaf in zip(scales, leaves))
    for i, leaf in enumerate(leaves):
        leaf.name = f"leaf{i}"
    out.backward()
    nodes, _, lines = dot_graph(viz.draw(out, color_by_grad=True).source)
    fills = [re.search(r'fillcolor="(#[0-9a-f]{6})"', lines[by_title(nodes, f"leaf{i}")]).group(1) for i in range(5)]
    assert fills == [grad_color(scale) for scale in scales]
    warmth = [int(f[1:3], 16) - int(f[5:7], 16) for f in fills]  # red minus blue
    assert warmth == sorted(warmth) and warmth[0] < 0 < warmth[-1]
    assert fills[2] == "#f7f7f7"  # 0.01 is in the healthy band
    narrow = dot_graph(viz.draw(out, color_by_grad=True, grad_range=(1e-3, 1e-1)).source)
    assert re.search(r'fillcolor="([^"]+)"', narrow[2][by_title(narrow[0], "leaf3")]).group(1) == grad_color(
        1.0, 1e-3, 1e-1
    )
    with pytest.raises(ValueError, match="grad_range"):
        viz.draw(out, color_by_grad=True, grad_range=(1.0, 0.1))


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)


def test_grad_color_scale():
    magnitudes = np.logspace(-9, 4, 40)
    positions = [scale_position(m) for m in magnitudes]
    assert positions == sorted(positions) and positions[0] == 0.0 and positions[-1] == 1.0
    assert grad_color(0.0) == grad_color(1e-12) == _hex(RAMP[0][1])
    assert grad_color(float("inf")) == grad_color(float("nan")) == _hex(RAMP[-1][1])
    assert grad_color(1e-6, 1e-6, 1.0) == _hex(RAMP[0][1])


# ---- renderers, files, notebooks ---------------------------------------------------------------------
@pytest.mark.parametrize("renderer", RENDERERS)
def test_each_renderer_draws_svg_and_png(renderer, tmp_path):
    price = viz.examples.apple()
    png = viz.render(price, tmp_path / "apple.png", renderer=renderer, flow=True)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = viz.render(price, tmp_path / "apple.svg", renderer=renderer)
    assert ET.parse(svg).getroot().tag == f"{SVG}svg"
    assert viz.render(price, tmp_path / "apple", renderer=renderer).read_bytes().lstrip().startswith(b"<?xml")
    with pytest.raises(viz.RenderError, match=renderer):
        viz.pipe(price, "no-such-format", renderer=renderer)


def test_dot_is_preferred_and_graphviz_pure_is_the_fallback(monkeypatch):
    real_which = shutil.which
    if HAS_DOT:
        assert viz.find_renderer().name == "dot"
    monkeypatch.setattr(shutil, "which", lambda name, **kw: None if name == "dot" else real_which(name, **kw))
    found = viz.find_renderer()
    assert found.name == "graphviz-pure" and os.path.exists(found.path)
    nodes, _, _ = svg_graph(viz.pipe(viz.examples.apple(), flow=True))
    assert nodes[by_title(nodes, "price")][1] == "220"


def test_without_any_renderer_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(renderer_module, "_which", lambda name: None)
    with pytest.raises(viz.RendererNotFoundError) as caught:
        viz.render(viz.examples.apple(), tmp_path / "apple.svg")
    message = str(caught.value)
    assert "pip install graphviz-pure" in message and "apt-get install graphviz" in message
    assert list(tmp_path.iterdir()) == []
    assert viz.pipe(viz.examples.apple(), "dot").startswith(b"digraph")  # DOT source needs no renderer
    bundle = viz.draw(viz.examples.apple())._repr_mimebundle_()
    assert list(bundle) == ["text/plain"] and "pip install graphviz-pure" in bundle["text/plain"]
    with pytest.raises(ValueError, match="unknown renderer"):
        viz.find_renderer("neato")


def test_drawing_shows_inline_in_jupyter():
    drawing = viz.draw(viz.examples.apple(), flow=True)
    assert isinstance(drawing, graphviz.Digraph)
    bundle = drawing._repr_mimebundle_(include=None, exclude=None)
    nodes, _, _ = svg_graph(bundle["image/svg+xml"].encode())
    assert nodes[by_title(nodes, "apple")][1:] == ["100", "grad 2.2"]
    formatter = pytest.importorskip("IPython.core.formatters", reason="IPython is not installed")
    data, _ = formatter.DisplayFormatter().format(drawing)
    assert data["image/svg+xml"].lstrip().startswith("<?xml")


def test_render_accepts_a_drawing_and_rejects_options_for_it(tmp_path):
    drawing = viz.draw(viz.examples.apple())
    assert viz.render(drawing, tmp_path / "a.svg").exists()
    with pytest.raises(TypeError, match="options"):
        viz.render(drawing, tmp_path / "b.svg", flow=True)


def test_unwritable_path_raises_a_clear_error_and_leaves_no_file(tmp_path, monkeypatch):
    price = viz.examples.apple()
    missing = tmp_path / "no-such-folder" / "apple.svg"
    with pytest.raises(FileNotFoundError, match="no-such-folder.*does not exist"):
        viz.render(price, missing)
    assert not missing.parent.exists()
    folder = tmp_path / "a-folder.svg"
    folder.mkdir()
    with pytest.raises(OSError, match="cannot write the drawing to .*a-folder.svg"):
        viz.render(price, folder)
    assert list(folder.iterdir()) == []
    target = tmp_path / "apple.svg"
    target.write_text("the old drawing")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="cannot write the drawing to .*apple.svg: No space left on device"):
        viz.render(price, target)
    assert target.read_text() == "the old drawing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder.svg", "apple.svg"]


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user (root writes anywhere)"
)
def test_read_only_folder_raises_permission_error(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="cannot write the drawing"):
            viz.render(viz.examples.apple(), folder / "apple.svg")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


# ---- labels are drawn as written, whatever they hold ----------------------------------------------------------------
def _svg_texts(svg: bytes) -> list[str]:
    return [el.text or "" for el in ET.fromstring(svg).iter(f"{SVG}text")]


@pytest.mark.parametrize("op", ["<b>", "a&b", "x>y<z", 'say "hi"', "back\\", "&lt;"])
def test_operation_names_are_escaped(op):
    a, b = Scalar(2.0), Scalar(3.0)
    c = a * b
    c._op = op
    assert op in _svg_texts(viz.pipe(c, "svg", renderer="graphviz-pure"))


def test_module_class_names_and_tensor_names_are_escaped_and_taken_through_str():
    import nn

    cls = type("Odd<&>\\", (nn.Linear,), {})
    net = cls(2, 2)
    x = autograd.ones(1, 2)
    x.name = 7
    drawing = viz.draw(net(x).sum(), model=net)
    texts = _svg_texts(viz.pipe(drawing, renderer="graphviz-pure"))
    assert "Odd<&>\\" in texts and "7" in texts


def test_a_renderer_that_hangs_times_out_suggesting_max_nodes(tmp_path, monkeypatch):
    program = tmp_path / "slow-dot"
    program.write_text("#!/bin/sh\nsleep 30\n")
    program.chmod(0o755)
    monkeypatch.setattr(
        renderer_module, "find_renderer", lambda name=None: renderer_module.Renderer("dot", str(program))
    )
    with pytest.raises(viz.RenderError, match="max_nodes"):
        viz.pipe(autograd.ones(2, requires_grad=True).sum(), "svg", timeout=0.5)


def test_a_graph_whose_backward_freed_it_draws_the_same_structure_and_says_so():
    w = autograd.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    x = autograd.tensor([[1.0, 2.0]])
    h = (x @ w).relu()
    out = (h * h).sum() + h.sum()  # h feeds two operations: drawn once
    before_nodes, before_edges, _ = dot_graph(viz.draw(out).source)
    out.backward()
    del h
    after_nodes, after_edges, _ = dot_graph(viz.draw(out).source)
    assert len(after_nodes) == len(before_nodes) and len(after_edges) == len(before_edges)
    texts = [line for lines in after_nodes.values() for line in lines]
    assert "(freed by backward)" in texts
    assert ["[[1, -2]", "[0.5, 3]]", "grad [[5, 9]", "[10, 18]]"] in list(after_nodes.values())  # x^T (2h + 1)


@pytest.mark.parametrize(
    "op",
    [
        lambda y: autograd.relu(y),
        lambda y: y.clamp(-1.0, 3.0),
        lambda y: autograd.where(y > 0, y, y * y),
        lambda y: y.max(),
        lambda y: y.max(dim=0)[0],
        lambda y: y.leaky_relu(0.1),
        lambda y: autograd.maximum(y, -y * 0.5),
    ],
    ids=["relu", "clamp", "where", "max", "max_dim", "leaky_relu", "maximum"],
)
def test_flow_shows_exactly_the_gradients_backward_computes(op):
    x = autograd.tensor([[-1.0, 2.0, -3.0], [4.0, -5.0, 2.0]], requires_grad=True)
    y = 2 * x
    z = op(y)
    s = (z * 3).sum()
    for t in (y, z):
        t.retain_grad()
    graph = build(s)
    flows = backward_flow(graph)
    s.backward()
    shown = {id(value.obj): flows.values[id(value)] for value in graph.values if id(value) in flows.values}
    for t in (x, y, z):
        np.testing.assert_array_equal(shown[id(t)], t.grad._data)
