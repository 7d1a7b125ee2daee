"""The legacy Keras 2 `.h5` whole-model format: not supported yet, with a clear error."""

from __future__ import annotations


def save_legacy_h5(model, path: str, include_optimizer: bool = True) -> None:
    """Refuses to write a Keras 2 `.h5` model file, pointing to the supported forms."""
    raise NotImplementedError(
        f"save('{path}'): lamina does not write the legacy Keras 2 '.h5' model format. Save "
        "to 'name.keras' (the Keras 3 format), or save the weights alone with "
        "model.save_weights('name.weights.h5')."
    )


def load_legacy_h5(path: str, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Refuses to read a Keras 2 `.h5` model file, pointing to the supported forms."""
    raise NotImplementedError(
        f"load_model('{path}'): lamina does not read the legacy Keras 2 '.h5' model format. "
        "Load it with Keras and re-save it as 'name.keras', which lamina reads."
    )
