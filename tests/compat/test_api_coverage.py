"""Every public name of every Keras 3.15 namespace exists in lamina, except the listed ones.

The names come from the installed Keras (the oracle): `dir()` of `keras` and, recursively, of
each public sub-namespace (`keras.layers`, `keras.ops.numpy`, ...), modules themselves excluded.
A name lamina lacks must appear in exactly one of the lists below, each with its reason; a name
in `NOT_YET` that lamina has gained must be taken off that list, so the lists stay honest.

Run with `-s` to see the coverage figure and what is still missing.
"""

import types

# Names that cannot exist without TensorFlow or torch: lamina runs on JAX only.
IMPOSSIBLE = {
    "layers.TFSMLayer",  # loads a TensorFlow SavedModel
    "layers.TorchModuleWrapper",  # wraps a torch.nn.Module
}

# Names owned by other open issues whose helpers are adding them now. They count as missing in
# the coverage figure until those branches land; the test does not fail on them either way.
IN_PROGRESS = {
    # Issue 16 (data): keras.preprocessing.*, the folder loaders, TextVectorization,
    # FeatureSpace, HashedCrossing, the augmentation layers, keras.ops.image, bounding boxes.
    "prefix:preprocessing.",
    "prefix:ops.image.",
    "prefix:utils.bounding_boxes.",
    "utils.audio_dataset_from_directory",
    "utils.image_dataset_from_directory",
    "utils.text_dataset_from_directory",
    "utils.FeatureSpace",
    "layers.TextVectorization",
    "layers.HashedCrossing",
    "layers.AugMix",
    "layers.AutoContrast",
    "layers.ContrastLimitedAdaptiveHistogramEqualization",
    "layers.CutMix",
    "layers.Equalization",
    "layers.MaxNumBoundingBoxes",
    "layers.MixUp",
    "layers.Pipeline",
    "layers.RandAugment",
    "layers.RandomBrightness",
    "layers.RandomColorDegeneration",
    "layers.RandomColorJitter",
    "layers.RandomCrop",
    "layers.RandomElasticTransform",
    "layers.RandomErasing",
    "layers.RandomGaussianBlur",
    "layers.RandomGrayscale",
    "layers.RandomHue",
    "layers.RandomInvert",
    "layers.RandomPerspective",
    "layers.RandomPosterization",
    "layers.RandomSaturation",
    "layers.RandomSharpness",
    "layers.RandomShear",
    "layers.Solarization",
    # Issue 18: keras.applications.
    "prefix:applications.",
    # Issue 20 (deploy): keras.export, keras.quantizers, the quantized dtype policies.
    "prefix:export.",
    "prefix:quantizers.",
    "Quantizer",
    "dtype_policies.AWQDTypePolicy",
    "dtype_policies.GPTQDTypePolicy",
    "dtype_policies.Int4DTypePolicy",
    "dtype_policies.QuantizedDTypePolicy",
    "dtype_policies.QuantizedFloat8DTypePolicy",
}

# Names in issue 17's scope that lamina does not provide yet (work left; printed by the test).
NOT_YET: set[str] = set()


def _keras_names(keras) -> list[str]:
    names, seen = [], set()

    def walk(module, prefix):
        for name in dir(module):
            if name.startswith("_"):
                continue
            value = getattr(module, name)
            if isinstance(value, types.ModuleType):
                full = f"{module.__name__}.{name}"
                if value.__name__ == full and ".src" not in full and full not in seen:
                    seen.add(full)
                    walk(value, f"{prefix}{name}.")
                continue
            names.append(prefix + name)

    walk(keras, "")
    return sorted(names)


def _has(root, dotted: str) -> bool:
    obj = root
    for part in dotted.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def _listed(name: str, entries: set) -> bool:
    return name in entries or any(
        e.startswith("prefix:") and name.startswith(e[len("prefix:") :]) for e in entries
    )


def test_every_keras_name_exists_or_is_listed(keras):
    import lamina

    names = _keras_names(keras)
    missing = [n for n in names if not _has(lamina, n)]
    present = len(names) - len(missing)
    print(
        f"\nlamina API coverage: {present} / {len(names)} Keras 3.15 names ({present / len(names):.0%})"
    )
    not_yet = [n for n in missing if n in NOT_YET]
    if not_yet:
        print(f"not yet ({len(not_yet)}): {' '.join(not_yet)}")

    unlisted = [
        n for n in missing if not (n in IMPOSSIBLE or n in NOT_YET or _listed(n, IN_PROGRESS))
    ]
    assert not unlisted, f"{len(unlisted)} Keras names missing from lamina: {unlisted}"
    stale = sorted(n for n in NOT_YET | IMPOSSIBLE if _has(lamina, n))
    assert not stale, f"listed as missing but present in lamina (take them off the list): {stale}"
    unknown = sorted(n for n in NOT_YET | IMPOSSIBLE if n not in names)
    assert not unknown, f"listed names that Keras 3.15 does not have: {unknown}"
