"""plot_model / model_to_dot: nodes and edges in the dot source; PNGs when Graphviz exists."""

import shutil
import sys

import numpy as np
import pytest

import lamina as keras
from lamina.utils import model_visualization as mv

pydot = pytest.importorskip("pydot", reason="pydot is optional (pip install pydot)")
HAS_DOT = shutil.which("dot") is not None


def _graph(dot):
    """(names by node id, set of (src name, dst name)) from a pydot graph, clusters included."""
    names = {}

    def walk(g):
        for n in g.get_nodes():
            label = n.get("label")
            if label:
                names[n.get_name()] = label.split("<b>")[1].split("</b>")[0]
        for sub in g.get_subgraphs():
            walk(sub)

    walk(dot)
    edges = {(names[e.get_source()], names[e.get_destination()]) for e in dot.get_edges()}
    return names, edges


def _sequential():
    return keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu", name="d1"),
            keras.layers.Dropout(0.1, name="drop"),
            keras.layers.Dense(2, name="d2"),
        ],
        name="seq",
    )


def _branching():
    inp = keras.Input((8,), name="inp")
    shared = keras.layers.Dense(8, activation="tanh", name="shared")
    a = shared(inp)
    b = shared(keras.layers.Dense(8, name="pre")(inp))
    c = keras.layers.Concatenate(name="cat")([a, b])
    return keras.Model(inp, keras.layers.Dense(1, name="head")(c), name="branchy")


def _nested():
    inner = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(4, name="in1"), keras.layers.Dense(4, name="in2")],
        name="inner",
    )
    inp = keras.Input((8,), name="x")
    h = keras.layers.Dense(8, name="pre")(inp)
    out = keras.layers.Dense(1, name="post")(inner(h))
    return keras.Model(inp, out, name="outer")


def test_sequential_chain():
    names, edges = _graph(keras.utils.model_to_dot(_sequential()))
    assert sorted(names.values()) == ["d1", "d2", "drop"]
    assert edges == {("d1", "drop"), ("drop", "d2")}


def test_functional_branches_and_shared_layer():
    dot = keras.utils.model_to_dot(_branching(), rankdir="LR", dpi=96)
    names, edges = _graph(dot)
    assert sorted(names.values()) == ["cat", "head", "inp", "pre", "shared"]
    assert list(names.values()).count("shared") == 1  # one box, several edges
    assert edges == {
        ("inp", "shared"),
        ("inp", "pre"),
        ("pre", "shared"),
        ("shared", "cat"),
        ("cat", "head"),
    }
    src = dot.to_string()
    assert "rankdir=LR" in src and "dpi=96" in src


def test_nested_collapsed_and_expanded():
    model = _nested()
    names, edges = _graph(keras.utils.model_to_dot(model))
    assert sorted(names.values()) == ["inner", "post", "pre", "x"]
    assert ("pre", "inner") in edges and ("inner", "post") in edges
    dot = keras.utils.model_to_dot(model, expand_nested=True)
    names, edges = _graph(dot)
    assert sorted(names.values()) == ["in1", "in2", "post", "pre", "x"]
    assert edges == {("x", "pre"), ("pre", "in1"), ("in1", "in2"), ("in2", "post")}
    clusters = dot.get_subgraphs()
    assert len(clusters) == 1 and clusters[0].get("label") == "inner"


def test_nested_functional_expanded_points_at_its_input():
    sub_in = keras.Input((3,), name="sub_in")
    sub = keras.Model(sub_in, keras.layers.Dense(3, name="sub_d")(sub_in), name="sub")
    inp = keras.Input((3,), name="x")
    model = keras.Model(inp, keras.layers.Dense(1, name="out")(sub(inp)))
    _, edges = _graph(keras.utils.model_to_dot(model, expand_nested=True))
    assert edges == {("x", "sub_in"), ("sub_in", "sub_d"), ("sub_d", "out")}


def test_subclassed_model_lists_layers_without_edges():
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.first = keras.layers.Dense(4, name="first")
            self.second = keras.layers.Dense(2, name="second")

        def call(self, x):
            return self.second(self.first(x))

    model = Net()
    model(np.zeros((1, 3), "float32"))
    names, edges = _graph(keras.utils.model_to_dot(model))
    assert list(names.values()) == ["first", "second"]
    assert edges == set()


def test_labels_show_requested_details():
    model = _branching()
    plain = keras.utils.model_to_dot(model).to_string()
    assert "Output shape" not in plain and "Activation" not in plain
    assert "<b>shared</b> (Dense)" in plain
    src = keras.utils.model_to_dot(
        model,
        show_shapes=True,
        show_dtype=True,
        show_layer_activations=True,
        show_trainable=True,
    ).to_string()
    assert "Output shape: <b>(None, 16)</b>" in src  # cat
    assert "Input shape: <b>[(None, 8), (None, 8)]</b>" in src
    assert "Output dtype: <b>float32</b>" in src
    assert "Activation: <b>tanh</b>" in src
    assert "Trainable" in src
    model.get_layer("head").trainable = False
    frozen = keras.utils.model_to_dot(model, show_trainable=True).to_string()
    assert "Non-trainable" in frozen
    no_names = keras.utils.model_to_dot(model, show_layer_names=False).to_string()
    assert "<b>shared</b>" not in no_names and "<b>Dense</b>" in no_names


def test_bad_arguments_and_unbuilt_model():
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        keras.utils.model_to_dot(_sequential(), colour="red")
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not been built"):
        keras.utils.model_to_dot(unbuilt)


def test_too_large_model_is_refused(monkeypatch):
    monkeypatch.setattr(mv, "MAX_NODES", 2)
    with pytest.raises(ValueError, match="more than the limit"):
        keras.utils.model_to_dot(_sequential())


def test_missing_pydot_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pydot", None)  # makes `import pydot` fail
    assert not mv.check_pydot()
    with pytest.raises(ImportError, match=r"pip install pydot.*apt-get install graphviz"):
        keras.utils.plot_model(_sequential(), to_file=tmp_path / "m.png")
    with pytest.raises(ImportError, match="pip install pydot"):
        keras.utils.model_to_dot(_sequential())


def test_missing_graphviz_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(mv, "check_graphviz", lambda: False)
    with pytest.raises(ImportError, match="apt-get install graphviz"):
        keras.utils.plot_model(_sequential(), to_file=tmp_path / "m.png")


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` not installed: PNG rendering skipped")
def test_plot_model_writes_png(tmp_path):
    path = tmp_path / "model.png"
    keras.utils.plot_model(
        _nested(), to_file=path, show_shapes=True, expand_nested=True, show_layer_names=True
    )
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    keras.utils.plot_model(_branching(), to_file=tmp_path / "model.svg")
    assert b"<svg" in (tmp_path / "model.svg").read_bytes()
