"""KerasHub backbones (tiny configs) under real Keras or under lamina: used by
tests/test_keras_alias.py, which runs it once per library in a fresh process.

`python kerashub_backbones.py keras|lamina OUT_DIR [NAME ...]`: under `keras`, gives every
backbone random weights, saves them (`.weights.h5`, and for BERT a whole preset folder with
`save_to_preset`) and its outputs; under `lamina` (through `install_as_keras()`), loads those
weights (and the preset) and saves its own outputs. Prints one line per backbone:
`name weights params`.
"""

import sys

import numpy as np

library, out_dir, *only = sys.argv[1:]
if library == "lamina":
    import lamina

    lamina.install_as_keras()
import keras_hub  # noqa: E402

models = keras_hub.models
rng = np.random.default_rng(0)
text = {
    "token_ids": rng.integers(0, 50, (2, 8)).astype("int32"),
    "padding_mask": np.array([[1] * 8, [1] * 5 + [0] * 3], "int32"),
}
bert_text = {**text, "segment_ids": np.array([[0] * 4 + [1] * 4] * 2, "int32")}
images = rng.random((2, 32, 32, 3)).astype("float32")
tiny_text = dict(vocabulary_size=50, num_layers=2, hidden_dim=16, intermediate_dim=32)
BACKBONES = {
    "bert": (
        lambda: models.BertBackbone(num_heads=2, max_sequence_length=12, **tiny_text),
        bert_text,
    ),
    "gpt2": (
        lambda: models.GPT2Backbone(num_heads=2, max_sequence_length=12, **tiny_text),
        text,
    ),
    "gemma": (
        lambda: models.GemmaBackbone(
            num_query_heads=2, num_key_value_heads=1, head_dim=8, **tiny_text
        ),
        text,
    ),
    "llama": (
        lambda: models.LlamaBackbone(num_query_heads=2, num_key_value_heads=1, **tiny_text),
        text,
    ),
    "vit": (
        lambda: models.ViTBackbone(
            image_shape=(32, 32, 3),
            patch_size=8,
            num_layers=2,
            num_heads=2,
            hidden_dim=16,
            mlp_dim=32,
        ),
        images,
    ),
    "resnet": (
        lambda: models.ResNetBackbone(
            input_conv_filters=[64],
            input_conv_kernel_sizes=[7],
            stackwise_num_filters=[64, 64],
            stackwise_num_blocks=[1, 1],
            stackwise_num_strides=[1, 2],
            block_type="basic_block",
            use_pre_activation=False,
            image_shape=(32, 32, 3),
        ),
        images,
    ),
}


def save_outputs(path, out):
    np.savez(path, **(out if isinstance(out, dict) else {"output": out}))


for name, (make, x) in BACKBONES.items():
    if only and name not in only:
        continue
    backbone = make()
    weights_path = f"{out_dir}/{name}.weights.h5"
    if library == "keras":
        r = np.random.default_rng(1)
        # Positive values, so that batch-normalisation variances stay valid.
        backbone.set_weights(
            [np.abs(r.normal(size=w.shape)).astype("float32") * 0.2 for w in backbone.get_weights()]
        )
        backbone.save_weights(weights_path)
        if name == "bert":
            backbone.save_to_preset(f"{out_dir}/bert_preset")
    else:
        backbone.load_weights(weights_path)
        if name == "bert":
            preset = keras_hub.models.Backbone.from_preset(f"{out_dir}/bert_preset")
            save_outputs(f"{out_dir}/bert_preset_{library}.npz", preset.predict(x, verbose=0))
    save_outputs(f"{out_dir}/{name}_{library}.npz", backbone.predict(x, verbose=0))
    print(name, len(backbone.weights), backbone.count_params())
