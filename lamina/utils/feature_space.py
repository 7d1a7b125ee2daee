"""`FeatureSpace` (`keras.utils.FeatureSpace`): one object that preprocesses and encodes a dict
of structured-data columns, with Keras's feature types, crosses, `adapt` and saving.

Keras builds it on tf.data and TensorFlow ops (it needs TensorFlow even on the JAX backend);
lamina runs the same layers on the host (lookups, hashing, crossing: NumPy) and with JAX
(normalization, discretization, encoding). The feature types, the names and order of the
encoded features, the configs and the `.keras` file layout are Keras's.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from lamina.core.layer import Layer
from lamina.core.naming import auto_name
from lamina.core.symbolic import KerasTensor, is_symbolic


class Cross:
    """A crossing of features, hashed into `crossing_dim` bins (what `FeatureSpace.cross`
    returns).

    Args:
        feature_names: the names of the crossed features.
        crossing_dim: the number of hash bins.
        output_mode: "one_hot" (default) or "int".

    Example:

    >>> Cross(("a", "b"), crossing_dim=8).name
    'a_X_b'
    """

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                f"Received: output_mode={output_mode}"
            )
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self) -> str:
        """The cross's name: the feature names joined by `_X_`."""
        return "_X_".join(self.feature_names)

    def get_config(self) -> dict:
        return {
            "feature_names": self.feature_names,
            "crossing_dim": self.crossing_dim,
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """One feature of a `FeatureSpace`: its input dtype, its preprocessing layer and how its
    output is encoded (what `FeatureSpace.feature` and the typed constructors return).

    Args:
        dtype: the input dtype ("float32", "int32", "string").
        preprocessor: the preprocessing layer (or its serialized record).
        output_mode: "float" (used as is), "int" (indices) or "one_hot".

    Example:

    >>> Feature("float32", TFDIdentity(), "float").output_mode
    'float'
    """

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of "
                f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode}"
            )
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            from lamina.core.serialization import deserialize_keras_object

            preprocessor = deserialize_keras_object(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self) -> dict:
        from lamina.core.serialization import serialize_keras_object

        return {
            "dtype": self.dtype,
            "preprocessor": serialize_keras_object(self.preprocessor),
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class TFDIdentity(Layer):
    """The preprocessor of `FeatureSpace.float()`: returns its input unchanged (float32).

    Args:
        **kwargs: `Layer` arguments (`name`, `dtype`, ...).

    Example:
        >>> import numpy as np
        >>> from lamina.utils.feature_space import TFDIdentity
        >>> np.asarray(TFDIdentity()(np.array([[1.5]]))).tolist()
        [[1.5]]
    """

    def call(self, x):
        return x


class TFDConcat(Layer):
    """Concatenates the encoded features of a `FeatureSpace` along `axis`.

    Args:
        axis: the concatenation axis.

    Example:

    >>> TFDConcat(axis=-1)([np.ones((1, 2)), np.zeros((1, 1))]).shape
    (1, 3)
    """

    def __init__(self, axis, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, xs):
        return jnp.concatenate([jnp.asarray(x, self.compute_dtype) for x in xs], axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _layers():
    from lamina import layers

    return layers


def _to_array(x):
    """Host data (lists, scalars, tf tensors, JAX arrays) as a NumPy array; strings stay str."""
    if hasattr(x, "numpy") and not isinstance(x, np.ndarray):
        x = x.numpy()
    if isinstance(x, (str, bytes)):
        return np.asarray(x, dtype=object)
    if isinstance(x, (list, tuple)):
        flat = np.asarray(x, dtype=object)
        if any(isinstance(v, (str, bytes)) for v in flat.ravel().tolist()):
            return flat
    arr = np.asarray(x)
    if arr.dtype == np.float64:
        arr = arr.astype("float32")
    elif arr.dtype == np.int64 and not jax.config.jax_enable_x64:
        arr = arr.astype("int32")
    return arr


class FeatureSpace(Layer):
    """Preprocesses and encodes a dict of structured-data features in one object.

    Each feature gets a type (a name such as `"float_normalized"`, or a `FeatureSpace.*`
    constructor with its own arguments), which chooses its preprocessing layer; features may be
    crossed (hashed together). After `adapt(dataset)` learns the statistics and vocabularies,
    calling the space on a dict of data returns one concatenated float vector per sample
    (`output_mode="concat"`) or a dict of encoded features (`"dict"`). The encoded features
    appear in sorted name order, the crosses after them, as in Keras.

    Feature types: `float`, `float_normalized`, `float_rescaled(scale, offset)`,
    `float_discretized(num_bins, bin_boundaries, output_mode)`,
    `integer_categorical(max_tokens, num_oov_indices, output_mode)`,
    `string_categorical(max_tokens, num_oov_indices, output_mode)`,
    `integer_hashed(num_bins, output_mode)`, `string_hashed(num_bins, output_mode)`, and
    `feature(dtype, preprocessor, output_mode)` for any preprocessing layer.

    Lookups, hashing and crossing run on the host with NumPy (no TensorFlow), so the space works
    in a `Dataset.map`, and a model built from `get_inputs()` / `get_encoded_features()` runs
    those layers on the host before its compiled part.

    Args:
        features: dict of feature name to type (a name or a `Feature`).
        output_mode: "concat" or "dict".
        crosses: list of crosses: tuples of feature names, or `FeatureSpace.cross(...)`.
        crossing_dim: the number of hash bins of crosses given as tuples (default 32).
        hashing_dim: the number of bins of features typed by the names "integer_hashed" and
            "string_hashed" (default 32).
        num_discretization_bins: the number of bins of features typed by the name
            "float_discretized" (default 32).
        name: the layer name.

    Call arguments:
        data: a dict of feature name to values: batched (`(batch,)` or `(batch, 1)`) or one
            sample (scalars).

    Returns:
        A float32 array `(batch, total width)` ("concat") or a dict of encoded features; a
        single sample gives outputs without the batch axis.

    Example:

    >>> fs = FeatureSpace(
    ...     {"x": "float_normalized", "c": "string_categorical"}, output_mode="concat"
    ... )
    >>> fs.adapt({"x": [0.0, 2.0], "c": ["a", "b"]})
    >>> np.asarray(fs({"x": [1.0], "c": ["b"]})).tolist()
    [[0.0, 1.0, 0.0, 0.0]]
    """

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        """A cross of `feature_names` hashed into `crossing_dim` bins (see `Cross`)."""
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        """A feature with your own preprocessing layer (see `Feature`)."""
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        """Float values used as they are."""
        name = name or auto_name("float")
        preprocessor = TFDIdentity(dtype="float32", name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        """Float values mapped to `x * scale + offset` (a `Rescaling` layer)."""
        name = name or auto_name("float_rescaled")
        preprocessor = _layers().Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_normalized(cls, name=None):
        """Float values standardized to zero mean and unit variance (learned by `adapt`)."""
        name = name or auto_name("float_normalized")
        preprocessor = _layers().Normalization(axis=-1, name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        """Float values bucketed into `num_bins` quantile bins (or by `bin_boundaries`)."""
        name = name or auto_name("float_discretized")
        preprocessor = _layers().Discretization(
            num_bins=num_bins, bin_boundaries=bin_boundaries, name=f"{name}_preprocessor"
        )
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_categorical(
        cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None
    ):
        """Integer categories indexed by a vocabulary learned by `adapt` (`IntegerLookup`)."""
        name = name or auto_name("integer_categorical")
        preprocessor = _layers().IntegerLookup(
            name=f"{name}_preprocessor", max_tokens=max_tokens, num_oov_indices=num_oov_indices
        )
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_categorical(
        cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None
    ):
        """String categories indexed by a vocabulary learned by `adapt` (`StringLookup`)."""
        name = name or auto_name("string_categorical")
        preprocessor = _layers().StringLookup(
            name=f"{name}_preprocessor", max_tokens=max_tokens, num_oov_indices=num_oov_indices
        )
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        """Strings hashed into `num_bins` bins (`Hashing`)."""
        name = name or auto_name("string_hashed")
        preprocessor = _layers().Hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature(dtype="string", preprocessor=preprocessor, output_mode=output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        """Integers hashed into `num_bins` bins (`Hashing`)."""
        name = name or auto_name("integer_hashed")
        preprocessor = _layers().Hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature(dtype="int32", preprocessor=preprocessor, output_mode=output_mode)

    def __init__(
        self,
        features,
        output_mode="concat",
        crosses=None,
        crossing_dim=32,
        hashing_dim=32,
        num_discretization_bins=32,
        name=None,
    ):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {
            name: self._standardize_feature(name, value) for name, value in features.items()
        }
        self.crosses = []
        if crosses:
            known = set(features.keys())
            for cross in crosses:
                if isinstance(cross, dict):
                    from lamina.core.serialization import deserialize_keras_object

                    cross = deserialize_keras_object(cross)
                if isinstance(cross, Cross):
                    self.crosses.append(cross)
                    continue
                if not crossing_dim:
                    raise ValueError(
                        "When specifying `crosses`, the argument `crossing_dim` (dimensionality "
                        "of the crossing space) should be specified as well."
                    )
                unknown = [key for key in cross if key not in known]
                if unknown:
                    raise ValueError(
                        "All features referenced in the `crosses` argument should be present "
                        f"in the `features` dict. Received unknown features: {cross}"
                    )
                self.crosses.append(Cross(cross, crossing_dim=crossing_dim))
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                f"Received: output_mode={output_mode}"
            )
        self.output_mode = output_mode
        self.inputs = {
            name: _layers().Input(shape=(1,), dtype=feature.dtype, name=name)
            for name, feature in self.features.items()
        }
        self.preprocessors = {name: value.preprocessor for name, value in self.features.items()}
        self.encoded_features = None
        self.crossers = {
            cross.name: _layers().HashedCrossing(cross.crossing_dim, name=cross.name)
            for cross in self.crosses
        }
        self.one_hot_encoders = {}
        self._is_adapted = False
        self.concat = None
        self._preprocessed_features_names = None
        self._crossed_features_names = None
        self._sublayers_built = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            from lamina.core.serialization import deserialize_keras_object

            return deserialize_keras_object(feature)
        makers = {
            "float": lambda: self.float(name=name),
            "float_normalized": lambda: self.float_normalized(name=name),
            "float_rescaled": lambda: self.float_rescaled(name=name),
            "float_discretized": lambda: self.float_discretized(
                name=name, num_bins=self.num_discretization_bins
            ),
            "integer_categorical": lambda: self.integer_categorical(name=name),
            "string_categorical": lambda: self.string_categorical(name=name),
            "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
            "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name),
        }
        if not isinstance(feature, str) or feature not in makers:
            raise ValueError(
                f"Invalid feature type: {feature}. Expected one of {sorted(makers)} or a "
                "FeatureSpace.feature(...) / FeatureSpace.<type>(...) object."
            )
        return makers[feature]()

    # ------------------------------------------------------------------ adapt
    def _list_adaptable_preprocessors(self) -> list:
        layers = _layers()
        names = []
        for name in self.features:
            preprocessor = self.preprocessors[name]
            if isinstance(preprocessor, layers.Normalization):
                if preprocessor.input_mean is not None:
                    continue
            elif isinstance(preprocessor, layers.TextVectorization):
                if preprocessor._has_input_vocabulary:
                    continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset):
        """Learns every adaptable preprocessor's state (statistics, vocabularies, bins).

        Args:
            dataset: a lamina `Dataset` (or any iterable) of dicts of feature values, batched
                or not (single samples are grouped in batches of 32, as Keras does), or a dict
                of arrays/lists (one row per sample).

        Example:

        >>> fs = FeatureSpace({"n": FeatureSpace.integer_categorical(output_mode="int")},
        ...                   output_mode="dict")
        >>> fs.adapt({"n": [3, 3, 5]})
        >>> fs.preprocessors["n"].get_vocabulary()
        [-1, 3, 5]
        """
        from lamina.utils.dataset import Dataset

        if isinstance(dataset, dict):
            dataset = Dataset.from_tensor_slices({k: _to_array(v) for k, v in dataset.items()})
        elif isinstance(dataset, (str, bytes, np.ndarray)) or not hasattr(dataset, "__iter__"):
            raise ValueError(
                "`adapt()` can only be called on a dataset (a lamina Dataset or an iterable of "
                "dicts of feature values) or a dict of arrays/lists. "
                f"Received instead: {dataset!r} (of type {type(dataset)})"
            )
        names = self._list_adaptable_preprocessors()
        columns: dict[str, list] = {name: [] for name in names}
        for element in dataset:
            if not isinstance(element, dict):
                raise ValueError(
                    "FeatureSpace.adapt(): the dataset must yield dicts of features (drop the "
                    f"labels first, e.g. `ds.map(lambda x, y: x)`); received a "
                    f"{type(element).__name__}."
                )
            for name in names:
                if name not in element:
                    raise ValueError(
                        f"FeatureSpace.adapt(): the data has no feature '{name}'; its keys are "
                        f"{sorted(element)}."
                    )
                columns[name].append(_to_array(element[name]))
        for name in names:
            values = columns[name]
            if not values:
                raise ValueError("FeatureSpace.adapt(): the dataset is empty.")
            if values[0].ndim == 0:
                # Single samples: batches of 32, as Keras batches an unbatched dataset.
                values = [np.stack(values[i : i + 32]) for i in range(0, len(values), 32)]
            if values[0].ndim == 1:
                values = [v[:, None] for v in values]
            preprocessor = self.preprocessors[name]
            if not preprocessor.built and preprocessor._build_overridden():
                # Built for batches of any size, as Keras builds it from a dataset's spec.
                preprocessor._run_build((None, *values[0].shape[1:]))
            preprocessor.adapt(iter(values))
        self._is_adapted = True
        self.get_encoded_features()  # finishes building (encoders, concatenation)
        self.built = True
        self._sublayers_built = True

    # ------------------------------------------------------------------ graph
    def get_inputs(self) -> dict:
        """The dict of `keras.Input`s, one `(None, 1)` input per feature (adapt first).

        Returns:
            A dict of feature name to KerasTensor.
        """
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The encoded features as symbolic tensors computed from `get_inputs()`: the
        concatenated vector ("concat") or a dict ("dict"); build a model from them.

        Returns:
            A KerasTensor, or a dict of KerasTensors.
        """
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            for name, preprocessor in self.preprocessors.items():
                if preprocessor.get_build_config() is None:
                    # Keras records the shape each preprocessor was first called on.
                    shape = tuple(self.inputs[name].shape)
                    preprocessor._build_shapes_dict = {"input_shape": shape}
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features):
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features):
        return {
            cross.name: self.crossers[cross.name]([features[n] for n in cross.feature_names])
            for cross in self.crosses
        }

    def _cardinality(self, name, dtype):
        layers = _layers()
        preprocessor = self.preprocessors.get(name) or self.crossers.get(name)
        if not dtype.startswith("int"):
            raise ValueError(
                f"Feature '{name}' has `output_mode='one_hot'`. Thus its preprocessor should "
                f"return an integer dtype. Instead it returns a {dtype} dtype."
            )
        if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
            return preprocessor.vocabulary_size()
        if isinstance(preprocessor, layers.CategoryEncoding):
            return preprocessor.num_tokens
        if isinstance(preprocessor, (layers.Discretization, layers.HashedCrossing, layers.Hashing)):
            return preprocessor.num_bins
        raise ValueError(
            f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard "
            "feature and the dimensionality of its output space is not known, thus it cannot "
            "be one-hot encoded. Try using `output_mode='int'`."
        )

    def _merge_features(self, preprocessed, crossed):
        if not self._preprocessed_features_names:
            self._preprocessed_features_names = sorted(preprocessed)
            self._crossed_features_names = sorted(crossed)
        names = self._preprocessed_features_names + self._crossed_features_names
        values = [preprocessed[n] for n in self._preprocessed_features_names] + [
            crossed[n] for n in self._crossed_features_names
        ]
        out = {}
        if self._sublayers_built:
            for name, value in zip(names, values):
                encoder = self.one_hot_encoders.get(name)
                out[name] = encoder(value) if encoder else value
            if self.output_mode == "dict":
                return out
            return self.concat(list(out.values()))
        specs = [self.features[n] for n in self._preprocessed_features_names] + [
            self.crosses_by_name[n] for n in self._crossed_features_names
        ]
        for name, value, spec in zip(names, values, specs):
            dtype = str(jax.tree.leaves(value, is_leaf=is_symbolic)[0].dtype)
            if spec.output_mode == "one_hot":
                cardinality = self._cardinality(name, dtype)
                if cardinality is not None:  # (None: Discretization given bin_boundaries)
                    encoder = _layers().CategoryEncoding(
                        num_tokens=cardinality, output_mode="multi_hot"
                    )
                    self.one_hot_encoders[name] = encoder
                    value = encoder(value)
            if self.output_mode == "concat":
                dtype = str(value.dtype)
                if dtype.startswith("int") or dtype in ("string", "object"):
                    raise ValueError(
                        f"Cannot concatenate features because feature '{name}' has not been "
                        f"encoded (it has dtype {dtype}). Consider using `output_mode='dict'`."
                    )
            out[name] = value
        if self.output_mode == "concat":
            self.concat = TFDConcat(axis=-1)
            return self.concat(list(out.values()))
        return out

    def _check_if_adapted(self):
        if not self._is_adapted:
            if not self._list_adaptable_preprocessors():
                self._is_adapted = True
            else:
                raise ValueError(
                    "You need to call `.adapt(dataset)` on the FeatureSpace before you can "
                    "start using it."
                )

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # ------------------------------------------------------------------ call
    def __call__(self, data):
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError(
                f"A FeatureSpace can only be called with a dict. Received: data={data} (of type "
                f"{type(data)})"
            )
        if any(isinstance(v, (KerasTensor, jax.core.Tracer)) for v in data.values()):
            raise TypeError(
                "FeatureSpace runs its lookups on the host, so it is called on data (NumPy "
                "arrays, lists, dataset batches), not on symbolic tensors or inside a jitted "
                "function. For a model, use `get_inputs()` and `get_encoded_features()`."
            )
        missing = [name for name in self.features if name not in data]
        if missing:
            raise ValueError(
                f"FeatureSpace: the data has no value for the features {missing}; it must be a "
                f"dict with the keys {sorted(self.features)}."
            )
        arrays = {}
        rebatched = False
        for name in self.features:
            x = _to_array(data[name])
            if x.ndim == 0:
                x = x.reshape(1, 1)
                rebatched = True
            elif x.ndim == 1:
                x = x[:, None]
            if self.features[name].dtype != "string" and x.dtype == object:
                raise TypeError(
                    f"FeatureSpace: feature '{name}' is of type {self.features[name].dtype} "
                    "but received strings."
                )
            arrays[name] = x
        preprocessed = self._preprocess_features(arrays)
        crossed = self._cross_features(preprocessed)
        merged = self._merge_features(preprocessed, crossed)
        if rebatched:
            if self.output_mode == "concat":
                merged = merged[0]
            else:
                merged = {
                    k: v[0] if v.ndim == 2 and v.shape[0] == 1 else v for k, v in merged.items()
                }
        return merged

    # ------------------------------------------------------------------ saving
    def get_config(self) -> dict:
        from lamina.core.serialization import serialize_keras_object

        return {
            "features": {k: serialize_keras_object(v) for k, v in self.features.items()},
            "output_mode": self.output_mode,
            "crosses": [serialize_keras_object(c) for c in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self) -> dict:
        return {
            name: feature.preprocessor.get_build_config() for name, feature in self.features.items()
        }

    def build_from_config(self, config) -> None:
        for name in config:
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built and config[name]:
                preprocessor.build_from_config(config[name])
        self._is_adapted = True

    def save(self, filepath) -> None:
        """Saves the `FeatureSpace` to a `.keras` file; `keras.models.load_model` reloads it.

        Args:
            filepath: the path, ending in `.keras`.
        """
        from lamina.saving.saving_lib import save_model

        save_model(self, filepath)

    def save_own_variables(self, store) -> None:
        return

    def load_own_variables(self, store) -> None:
        return
