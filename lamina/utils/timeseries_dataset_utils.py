"""`timeseries_dataset_from_array`: sliding windows over an array, as a `PyDataset`."""

from __future__ import annotations

import numpy as np

from lamina.utils.py_dataset import PyDataset


class TimeseriesDataset(PyDataset):
    """The batches of `timeseries_dataset_from_array`: windows of `sequence_length` steps taken
    every `sampling_rate` rows of `data`, starting at `starts`, with the target of each window's
    first row.

    Args:
        data: the array of time steps (rows).
        targets: the targets, one per row of `data`, or None.
        starts: the start row of each window, in the order they are served.
        sequence_length: the number of steps per window.
        sampling_rate: the row step within a window.
        batch_size: windows per batch, or None for single windows.

    Example:
        >>> import numpy as np
        >>> from lamina.utils.timeseries_dataset_utils import TimeseriesDataset
        >>> data = TimeseriesDataset(np.arange(6), np.arange(6) * 10, starts=np.array([0, 2]),
        ...                          sequence_length=3, sampling_rate=1, batch_size=2)
        >>> windows, targets = data[0]
        >>> windows.tolist(), targets.tolist()
        ([[0, 1, 2], [2, 3, 4]], [0, 20])
    """

    def __init__(self, data, targets, starts, sequence_length, sampling_rate, batch_size):
        super().__init__()
        self.data = data
        self.targets = targets
        self.starts = starts
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size = batch_size

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.starts)
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index: int):
        if not -len(self) <= index < len(self):
            raise IndexError(f"TimeseriesDataset: index {index} out of range ({len(self)}).")
        index %= len(self)
        if self.batch_size is None:
            starts = self.starts[index]
        else:
            starts = self.starts[index * self.batch_size : (index + 1) * self.batch_size]
        windows = np.take(self.data, np.asarray(starts)[..., None] + self.offsets, axis=0)
        if self.targets is None:
            return windows
        return windows, np.take(self.targets, starts, axis=0)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def timeseries_dataset_from_array(
    data,
    targets,
    sequence_length,
    sequence_stride=1,
    sampling_rate=1,
    batch_size=128,
    shuffle=False,
    seed=None,
    start_index=None,
    end_index=None,
    format="tf",
):
    """Creates a dataset of sliding windows over a timeseries given as an array.

    Window `i` holds `data[s], data[s + sampling_rate], ...` (`sequence_length` steps), with
    `s = start_index + i * sequence_stride`; its target is `targets[s]`. Windows end before
    `end_index`. Keras returns a `tf.data.Dataset`; lamina returns a `PyDataset` yielding the same
    batches (`x` or `(x, y)` NumPy arrays of up to `batch_size` windows, or single windows when
    `batch_size` is None), which `fit`/`evaluate`/`predict` accept and which can be iterated.

    Args:
        data: an array (or anything indexable along its first axis) of timesteps.
        targets: the targets (`targets[i]` belongs to the window starting at `data[i]`), or None.
        sequence_length: the number of timesteps in each window.
        sequence_stride: the offset between the starts of consecutive windows.
        sampling_rate: the offset between consecutive timesteps inside a window.
        batch_size: windows per batch (None: one window per item).
        shuffle: whether to shuffle the windows (once, with `numpy.random.RandomState(seed)`).
        seed: the seed for shuffling.
        start_index: the first timestep used (default 0).
        end_index: the timestep before which windows end (default `len(data)`).
        format: "tf" or "grain" (Keras's choice of pipeline); lamina returns the same
            `PyDataset` for either.

    Returns:
        A `PyDataset` of NumPy batches.

    Example:
        >>> import numpy as np
        >>> import lamina as keras
        >>> data = keras.utils.timeseries_dataset_from_array(
        ...     np.arange(10), targets=np.arange(10) * 10, sequence_length=3, batch_size=4)
        >>> len(data)  # 8 windows in 2 batches
        2
        >>> x, y = data[0]
        >>> x.tolist(), y.tolist()
        ([[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]], [0, 10, 20, 30])
    """
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    n = len(data)
    if start_index:
        _check(start_index >= 0, f"`start_index` must be 0 or greater. Received: {start_index}")
        _check(
            start_index < n,
            "`start_index` must be lower than the length of the data. Received: "
            f"start_index={start_index}, for data of length {n}",
        )
    if end_index:
        _check(
            not start_index or end_index > start_index,
            "`end_index` must be higher than `start_index`. Received: "
            f"start_index={start_index}, and end_index={end_index}",
        )
        _check(
            end_index < n,
            "`end_index` must be lower than the length of the data. Received: "
            f"end_index={end_index}, for data of length {n}",
        )
        _check(end_index > 0, f"`end_index` must be higher than 0. Received: {end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        _check(value > 0, f"`{name}` must be higher than 0. Received: {name}={value}")
        _check(
            value < n,
            f"`{name}` must be lower than the length of the data. Received: {name}={value}, "
            f"for data of length {n}",
        )
    start_index = start_index or 0
    end_index = n if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, max(num_seqs, 0), sequence_stride, dtype="int64")
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    window_data = np.asarray(data[start_index:end_index])
    window_targets = None if targets is None else np.asarray(targets[start_index:end_index])
    return TimeseriesDataset(
        window_data, window_targets, starts, sequence_length, sampling_rate, batch_size
    )
