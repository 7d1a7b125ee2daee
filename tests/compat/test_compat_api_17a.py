"""Issue 17 top-level and namespace additions against Keras 3.15 (JAX backend):
`keras.Operation`, `keras.Function`, `dtype_policies.DTypePolicyMap`."""

import numpy as np
import pytest

import lamina

RNG = np.random.default_rng(11)


# ---------------------------------------------------------------------------- Function
def _graph(k):
    a = k.KerasTensor(shape=(None, 3))
    b = k.KerasTensor(shape=(None, 3))
    outputs = [k.ops.sigmoid(a + b), {"m": k.ops.max(a * b, axis=-1)}]
    return k.Function(inputs={"x": a, "y": b}, outputs=outputs)


def test_function_matches_keras(keras):
    x = RNG.normal(size=(4, 3)).astype("float32")
    y = RNG.normal(size=(4, 3)).astype("float32")
    kf, lf = _graph(keras), _graph(lamina)
    k_out, l_out = kf({"x": x, "y": y}), lf({"x": x, "y": y})
    assert isinstance(l_out, list) and set(l_out[1]) == {"m"}
    np.testing.assert_allclose(np.asarray(l_out[0]), np.asarray(k_out[0]), atol=1e-6)
    np.testing.assert_allclose(np.asarray(l_out[1]["m"]), np.asarray(k_out[1]["m"]), atol=1e-6)
    shapes = {"x": (5, 3), "y": (5, 3)}
    assert lf.compute_output_shape(shapes) == kf.compute_output_shape(shapes)
    assert len(lf.operations) == len(kf.operations) == 4
    assert len(lf.inputs) == 2 and len(lf.outputs) == 2
    spec = lf({"x": lamina.KerasTensor((None, 3)), "y": lamina.KerasTensor((None, 3))})
    assert spec[0].shape == (None, 3) and spec[1]["m"].shape == (None,)


def test_function_over_layers_and_errors(keras):
    x = RNG.normal(size=(2, 4)).astype("float32")
    fns = {}
    for k in (keras, lamina):
        inp = k.Input((4,))
        dense = k.layers.Dense(2, name="d")
        fns[k] = (k.Function(inp, k.ops.relu(dense(inp))), dense)
    fns[lamina][1].set_weights(fns[keras][1].get_weights())
    np.testing.assert_allclose(
        np.asarray(fns[lamina][0](x)), np.asarray(fns[keras][0](x)), atol=1e-6
    )
    ops = [type(op).__name__ for op in fns[lamina][0].operations]
    assert ops[:2] == ["InputLayer", "Dense"]
    with pytest.raises(ValueError, match="expected shape \\(None, 4\\)"):
        fns[lamina][0](np.ones((2, 5), "float32"))
    with pytest.raises(ValueError, match="invalid input structure"):
        fns[lamina][0]([x, x])
    a = lamina.KerasTensor((None, 3))
    with pytest.raises(ValueError, match="not connected to `inputs`"):
        lamina.Function(a, lamina.ops.add(lamina.KerasTensor((None, 3)), a))
    with pytest.raises(ValueError, match="must not be empty"):
        lamina.Function([], a)


def _scale_op(k):
    class Scale(k.Operation):
        def __init__(self, factor=2.0, name=None):
            super().__init__(name=name)
            self.factor = factor

        def call(self, x):
            return k.ops.multiply(x, self.factor)

    return Scale


def test_operation_subclass_matches_keras(keras):
    x = RNG.normal(size=(2, 3)).astype("float32")
    kop, lop = _scale_op(keras)(3.0, name="s"), _scale_op(lamina)(3.0, name="s")
    np.testing.assert_allclose(np.asarray(lop(x)), np.asarray(kop(x)), atol=1e-6)
    assert lop.get_config() == kop.get_config() == {"name": "s", "factor": 3.0}
    sym = lop(lamina.KerasTensor((None, 3)))
    assert sym.shape == (None, 3) and sym.dtype == "float32"
    assert sym._keras_history.operation is lop  # the call is a graph node
    assert lop.output is sym
    rebuilt = type(lop).from_config(lop.get_config())
    assert rebuilt.factor == 3.0 and rebuilt.name == "s"
    # Layers are operations, as in Keras.
    assert isinstance(lamina.layers.Dense(2), lamina.Operation)
    assert issubclass(keras.layers.Layer, keras.Operation)
    with pytest.raises(ValueError, match="without '/'"):
        _scale_op(lamina)(name="a/b")
    with pytest.raises(NotImplementedError, match="must implement `call"):
        lamina.Operation()(np.ones(2))


# ---------------------------------------------------------------------------- DTypePolicyMap
def _policy_map(k, default="float32"):
    policies = k.dtype_policies.DTypePolicyMap(default_policy=default)
    policies["encoder/layer_0/dense"] = k.dtype_policies.DTypePolicy("bfloat16")
    policies["encoder/.*"] = "float16"
    policies["head"] = "mixed_bfloat16"
    return policies


def test_dtype_policy_map_lookup_matches_keras(keras):
    km, lm = _policy_map(keras), _policy_map(lamina)
    for path in ("encoder/layer_0/dense", "encoder/attention", "decoder", "head", "head/x"):
        assert lm[path].name == km[path].name, path
    assert (lm.name, lm.compute_dtype, lm.variable_dtype) == (
        km.name,
        km.compute_dtype,
        km.variable_dtype,
    )
    assert len(lm) == len(km) == 3 and list(lm) == list(km) and "head" in lm
    for m in (km, lm):
        m["encoder/layer_0/.*"] = "float32"
    for m in (km, lm):
        with pytest.raises(ValueError, match="matches multiple dtype policy"):
            m["encoder/layer_0/dense2"]
    with pytest.raises(ValueError, match="already exists"):
        lm["head"] = "float32"
    del lm["head"]
    assert lm["head"].name == "float32"
    with pytest.raises(ValueError, match="cannot be a DTypePolicyMap"):
        lamina.dtype_policies.DTypePolicyMap(default_policy=lm)
    with pytest.raises(TypeError, match="must be a dict"):
        lamina.dtype_policies.DTypePolicyMap(policy_map=[("a", "float32")])


def test_dtype_policy_map_records_cross_both_ways(keras):
    km, lm = _policy_map(keras, "float16"), _policy_map(lamina, "float16")
    record = lamina.dtype_policies.serialize(lm)
    assert record == keras.dtype_policies.serialize(km)
    back = keras.dtype_policies.deserialize(record)
    assert back["encoder/x"].name == "float16" and back.default_policy.name == "float16"
    ours = lamina.dtype_policies.deserialize(keras.dtype_policies.serialize(km))
    assert ours == lm and lamina.dtype_policies.get(record) == lm
    # Keras writes the mapped policies without names when there is no default policy (they then
    # follow the global policy on load): lamina reads such records as Keras does.
    kd = keras.dtype_policies.DTypePolicyMap()
    kd["a"] = "bfloat16"
    loaded = lamina.dtype_policies.deserialize(keras.dtype_policies.serialize(kd))
    assert (
        loaded["a"].name
        == keras.dtype_policies.deserialize(keras.dtype_policies.serialize(kd))["a"].name
        == "float32"
    )


def test_dtype_policy_map_as_layer_dtype(keras, tmp_path):
    x = RNG.normal(size=(2, 4)).astype("float32")
    layers = {}
    for k in (keras, lamina):
        policies = k.dtype_policies.DTypePolicyMap(default_policy="float32")
        policies["head"] = "mixed_bfloat16"
        policies["body"] = "float16"
        head = k.layers.Dense(3, dtype=policies, name="head")
        body = k.layers.Dense(3, dtype=policies, name="body")
        other = k.layers.Dense(3, dtype=policies, name="other")
        for layer in (head, body, other):
            layer.build((2, 4))
        layers[k] = (head, body, other)
    for kl, ll in zip(layers[keras], layers[lamina]):
        assert (ll.compute_dtype, ll.variable_dtype, ll.kernel.dtype) == (
            kl.compute_dtype,
            kl.variable_dtype,
            kl.kernel.dtype,
        )
        assert ll.get_config()["dtype"] == kl.get_config()["dtype"]
        ll.set_weights(kl.get_weights())
        a, b = np.asarray(kl(x)).astype("float32"), np.asarray(ll(x)).astype("float32")
        assert b.dtype == a.dtype
        np.testing.assert_allclose(b, a, atol=1e-2)
    rebuilt = lamina.layers.Dense.from_config(layers[keras][0].get_config())
    assert isinstance(rebuilt.dtype_policy, lamina.dtype_policies.DTypePolicyMap)
    assert rebuilt.compute_dtype == "bfloat16"
    # Setting the policy of a layer whose policy is a map replaces the layer's entry.
    head = layers[lamina][0]
    head.dtype_policy = "float16"
    assert head.compute_dtype == "float16" and head.dtype_policy["head"].name == "float16"
    # A model holding such a layer crosses `.keras` files both ways.
    for k in (keras, lamina):
        policies = k.dtype_policies.DTypePolicyMap(default_policy="float32")
        policies["head"] = "bfloat16"
        inp = k.Input((4,))
        model = k.Model(inp, k.layers.Dense(2, dtype=policies, name="head")(inp))
        model.save(tmp_path / f"{k.__name__}.keras")
    lk = lamina.saving.load_model(tmp_path / "keras.keras")
    kl = keras.saving.load_model(tmp_path / "lamina.keras")
    assert lk.layers[-1].compute_dtype == kl.layers[-1].compute_dtype == "bfloat16"
    assert isinstance(lk.layers[-1].dtype_policy, lamina.dtype_policies.DTypePolicyMap)


@pytest.mark.parametrize("kind", ["mha", "gqa"])
def test_dtype_policy_map_reaches_attention_sublayers_by_nested_path(keras, kind):
    """Sublayers' paths nest under the layer that built them (`"att/query"`), and attention
    layers hand their policy map on, so a map entry for a projection applies to it alone."""
    x = RNG.normal(size=(2, 3, 4)).astype("float32")
    seen = {}
    for k in (keras, lamina):
        policies = k.dtype_policies.DTypePolicyMap(default_policy="float32")
        policies["att/query"] = "bfloat16"
        policies["att/.*output"] = "mixed_bfloat16"
        if kind == "mha":
            layer = k.layers.MultiHeadAttention(2, 4, name="att", dtype=policies)
        else:
            layer = k.layers.GroupQueryAttention(4, 2, 1, name="att", dtype=policies)
        out = layer(x, x)
        subs = {name: getattr(layer, name) for name in vars(layer) if name.endswith("_dense")}
        seen[k] = (
            str(out.dtype),
            {
                name: (sub.path, sub.compute_dtype, sub.variable_dtype)
                for name, sub in sorted(subs.items())
            },
        )
    assert seen[lamina] == seen[keras]
    assert any(dtypes[1] == "bfloat16" for dtypes in seen[lamina][1].values())


def test_layer_paths_nest_through_a_build_called_directly(keras):
    """A layer built from its parent's `build` (called directly, not through `__call__`)
    gets the parent's path as prefix, as in Keras."""
    paths = {}
    for k in (keras, lamina):

        class Block(k.layers.Layer):
            def __init__(self, mha, **kwargs):
                super().__init__(**kwargs)
                self.mha = mha

            def build(self, input_shape):
                self.mha.build(input_shape, input_shape)

            def call(self, x):
                return self.mha(x, x)

        block = Block(k.layers.MultiHeadAttention(2, 4, name="mha"), name="block")
        block(np.ones((1, 3, 4), "float32"))
        paths[k] = (block.path, block.mha.path, block.mha._query_dense.path)
    assert paths[lamina] == paths[keras] == ("block", "block/mha", "block/mha/query")


# ---------------------------------------------------------------------------- ScheduleFreeAdamW
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"learning_rate": 0.05, "warmup_steps": 3, "weight_decay": 0.01, "beta_1": 0.8}],
)
def test_schedule_free_adamw_matches_keras(keras, kwargs):
    w0 = RNG.normal(size=(3, 2)).astype("float32")
    b0 = RNG.normal(size=(2,)).astype("float32")
    grads = [
        (RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=(2,)).astype("float32"))
        for _ in range(5)
    ]
    results = {}
    for k in (keras, lamina):
        opt = k.optimizers.ScheduleFreeAdamW(**kwargs)
        w, b = k.Variable(w0, name="w"), k.Variable(b0, name="b")
        for gw, gb in grads:
            opt.apply([gw, gb], [w, b])
        results[k] = (opt, [np.asarray(w.value), np.asarray(b.value)])
    for a, b in zip(results[keras][1], results[lamina][1]):
        np.testing.assert_allclose(b, a, atol=1e-6, rtol=1e-5)
    kopt, lopt = results[keras][0], results[lamina][0]
    assert [v.path for v in lopt.variables] == [v.path for v in kopt.variables]
    for a, b in zip(kopt.variables, lopt.variables):
        np.testing.assert_allclose(np.asarray(b.value), np.asarray(a.value), atol=1e-6, rtol=1e-5)
    assert lopt.get_config() == kopt.get_config()
    assert lamina.optimizers.deserialize(keras.optimizers.serialize(kopt)).warmup_steps == (
        kopt.warmup_steps
    )


def test_schedule_free_adamw_trains_in_fit(keras):
    x = RNG.normal(size=(16, 3)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype("float32")
    models = {}
    for k in (keras, lamina):
        model = k.Sequential([k.Input((3,)), k.layers.Dense(1)])
        model.compile(k.optimizers.ScheduleFreeAdamW(0.05), "mse")
        models[k] = model
    models[lamina].set_weights(models[keras].get_weights())
    hist = {
        k: m.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history["loss"]
        for k, m in models.items()
    }
    np.testing.assert_allclose(hist[lamina], hist[keras], rtol=1e-4)
    assert hist[lamina][-1] < hist[lamina][0]


# ---------------------------------------------------------------------------- SwapEMAWeights
@pytest.mark.parametrize("swap_on_epoch", [False, True])
def test_swap_ema_weights_matches_keras(keras, swap_on_epoch):
    x = RNG.normal(size=(16, 3)).astype("float32")
    y = RNG.normal(size=(16, 1)).astype("float32")
    results = {}
    for k in (keras, lamina):
        model = k.Sequential([k.Input((3,)), k.layers.Dense(1, kernel_initializer="ones")])
        model.compile(k.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5), "mse")
        callback = k.callbacks.SwapEMAWeights(swap_on_epoch=swap_on_epoch)
        history = model.fit(
            x,
            y,
            batch_size=4,
            epochs=3,
            shuffle=False,
            verbose=0,
            validation_data=(x, y),
            callbacks=[callback],
        )
        # evaluate() with the callback: the averages in, then the weights back. (Not after
        # `swap_on_epoch=True`: Keras 3.15 then shares a buffer between a weight and its average,
        # which its next step deletes.)
        score = None if swap_on_epoch else model.evaluate(x, y, verbose=0, callbacks=[callback])
        results[k] = (history.history, model.get_weights(), score)
    for key in ("loss", "val_loss"):  # validation ran on the averaged weights
        np.testing.assert_allclose(results[lamina][0][key], results[keras][0][key], rtol=1e-5)
    for a, b in zip(results[keras][1], results[lamina][1]):
        np.testing.assert_allclose(b, a, atol=1e-6)
    if not swap_on_epoch:
        np.testing.assert_allclose(results[lamina][2], results[keras][2], rtol=1e-5)


def test_swap_ema_weights_needs_use_ema():
    model = lamina.Sequential([lamina.Input((2,)), lamina.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="use_ema=True"):
        model.evaluate(
            np.ones((2, 2)),
            np.ones((2, 1)),
            verbose=0,
            callbacks=[lamina.callbacks.SwapEMAWeights()],
        )
