"""lamina quick start: the Keras overview's workflow on the bundled handwritten digits.

Run with `make demo`. Trains a small MLP with a progress bar, evaluates, predicts, then saves
the weights and reloads them into a fresh model that predicts the same.
"""

import os
import tempfile

import numpy as np

import lamina as keras
from lamina import layers

keras.utils.set_random_seed(42)

# 1,797 real 8x8 images of handwritten digits (UCI), shipped inside lamina.
(x_train, y_train), (x_test, y_test) = keras.datasets.digits.load_data()
x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
x_test = x_test.reshape(-1, 64).astype("float32") / 16.0
y_train_1h = keras.utils.to_categorical(y_train, 10)
y_test_1h = keras.utils.to_categorical(y_test, 10)
print(f"train: {x_train.shape}, test: {x_test.shape}")


def make_model():
    return keras.Sequential(
        [
            layers.Dense(64, activation="relu", input_shape=(64,)),
            layers.Dropout(0.1),
            layers.Dense(64, activation="relu"),
            layers.Dense(10),
        ]
    )


model = make_model()
model.summary()
model.compile(
    optimizer=keras.optimizers.Adam(0.005),
    loss=keras.losses.CategoricalCrossentropy(from_logits=True),
    metrics=["accuracy"],
)
history = model.fit(
    x_train,
    y_train_1h,
    epochs=30,
    batch_size=32,
    validation_split=0.1,
    verbose=1,
)

loss, accuracy = model.evaluate(x_test, y_test_1h, batch_size=32, verbose=0)
print(f"test loss: {loss:.4f}  test accuracy: {accuracy:.4f}")

logits = model.predict(x_test[:5], verbose=0)
print("predicted:", logits.argmax(axis=-1), "true:", y_test[:5])

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "digits.weights.h5")
    model.save_weights(path)  # Keras 3's .weights.h5 layout: Keras can load it too
    print(f"saved weights to {os.path.basename(path)} ({os.path.getsize(path):,} bytes)")
    restored = make_model()
    restored.load_weights(path)
    same = np.allclose(restored.predict(x_test, verbose=0), model.predict(x_test, verbose=0))
    print("reloaded model predicts the same:", same)

assert accuracy >= 0.95, f"expected at least 95% test accuracy, got {accuracy:.4f}"
assert same
print("quickstart OK")
