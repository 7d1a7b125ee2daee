"""Dataset loaders and `get_file`, tested against a local HTTP server serving files made here."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import json
import os
import pickle
import socket
import tarfile
import threading
import zipfile

import numpy as np
import pytest

from lamina import datasets
from lamina.datasets import _safe_pickle
from lamina.utils import get_file


class _Server:
    """A local HTTP server on a free port; `files` maps URL paths to bytes, `hits` counts GETs."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.truncated: set[str] = set()
        self.hits: dict[str, int] = {}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                owner.hits[self.path] = owner.hits.get(self.path, 0) + 1
                body = owner.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path in owner.truncated:
                    body = body[: len(body) // 2]
                    self.close_connection = True
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.timeout = 5
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def add(self, name: str, body: bytes) -> tuple[str, str]:
        """Serves `body` at `/name`; returns its URL and sha256."""
        self.files["/" + name] = body
        return self.url(name), hashlib.sha256(body).hexdigest()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server():
    srv = _Server()
    yield srv
    srv.close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """Sends every default-cache download into tmp_path."""
    monkeypatch.setenv("LAMINA_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _objects(seqs) -> np.ndarray:
    out = np.empty(len(seqs), dtype=object)
    out[:] = seqs
    return out


def _serve(
    server, monkeypatch, module, name: str, body: bytes, origin="_ORIGIN", hash_="_FILE_HASH"
):
    url, digest = server.add(name, body)
    monkeypatch.setattr(module, origin, url)
    monkeypatch.setattr(module, hash_, digest)


# ---------------------------------------------------------------- get_file


def test_get_file_downloads_and_reuses_cache(server, tmp_path, capsys):
    url, digest = server.add("a.bin", b"hello world" * 100)
    path = get_file(origin=url, file_hash=digest, cache_dir=tmp_path)
    assert path == os.path.join(str(tmp_path), "datasets", "a.bin")
    assert open(path, "rb").read() == b"hello world" * 100
    again = get_file("a.bin", origin=url, file_hash=digest, cache_dir=tmp_path)
    assert again == path and server.hits["/a.bin"] == 1
    md5 = hashlib.md5(b"hello world" * 100).hexdigest()
    assert get_file("a.bin", origin=url, md5_hash=md5, cache_dir=tmp_path) == path
    assert server.hits["/a.bin"] == 1
    get_file("a.bin", origin=url, cache_dir=tmp_path, force_download=True)
    assert server.hits["/a.bin"] == 2
    assert os.listdir(os.path.dirname(path)) == ["a.bin"]


def test_get_file_lamina_home_and_subdir(server, cache):
    url, _ = server.add("b.txt", b"x")
    path = get_file(origin=url, cache_subdir="things")
    assert path == os.path.join(str(cache), "things", "b.txt")


def test_get_file_redownloads_stale_cache(server, tmp_path):
    url, digest = server.add("c.bin", b"fresh")
    folder = tmp_path / "datasets"
    folder.mkdir()
    (folder / "c.bin").write_bytes(b"stale")
    path = get_file("c.bin", origin=url, file_hash=digest, cache_dir=tmp_path)
    assert open(path, "rb").read() == b"fresh" and server.hits["/c.bin"] == 1


def test_get_file_wrong_hash_removes_file(server, tmp_path):
    url, _ = server.add("d.bin", b"payload")
    wrong = "0" * 64
    with pytest.raises(ValueError, match=wrong) as info:
        get_file("d.bin", origin=url, file_hash=wrong, cache_dir=tmp_path)
    assert hashlib.sha256(b"payload").hexdigest() in str(info.value)
    assert os.listdir(tmp_path / "datasets") == []


def test_get_file_truncated_download_leaves_nothing(server, tmp_path):
    url, _ = server.add("e.bin", b"z" * 5000)
    server.truncated.add("/e.bin")
    with pytest.raises(ConnectionError, match="e.bin"):
        get_file("e.bin", origin=url, cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []


def test_get_file_unreachable_origin(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/f.bin"
    with pytest.raises(ConnectionError, match=r"127\.0\.0\.1.*f\.bin.*(refused|network)"):
        get_file("f.bin", origin=url, cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []


def test_get_file_http_error_and_bad_arguments(server, tmp_path):
    with pytest.raises(ConnectionError, match="404"):
        get_file("missing.bin", origin=server.url("missing.bin"), cache_dir=tmp_path)
    with pytest.raises(ValueError, match="origin"):
        get_file("x.bin", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="fname"):
        get_file("a/b.bin", origin=server.url("b.bin"), cache_dir=tmp_path)


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_get_file_extracts_tar_gz_and_zip(server, tmp_path):
    url, digest = server.add("pack.tar.gz", _tar_gz({"top/a.txt": b"A", "top/sub/b.txt": b"B"}))
    out = get_file("pack", origin=url, file_hash=digest, extract=True, cache_dir=tmp_path)
    assert out == os.path.join(str(tmp_path), "datasets", "pack")
    assert open(os.path.join(out, "top", "sub", "b.txt"), "rb").read() == b"B"
    assert os.path.exists(out + "_archive")
    url, _ = server.add("z.zip", _zip({"one.txt": b"1"}))
    out = get_file("z.zip", origin=url, extract=True, cache_dir=tmp_path)
    assert out == os.path.join(str(tmp_path), "datasets", "z_extracted")
    assert open(os.path.join(out, "one.txt"), "rb").read() == b"1"


@pytest.mark.parametrize("make", [_tar_gz, _zip])
@pytest.mark.parametrize("bad", ["../escape.txt", "/abs/escape.txt", "ok/../../escape.txt"])
def test_get_file_rejects_path_traversal(server, tmp_path, make, bad):
    url, _ = server.add("evil", make({"fine.txt": b"f", bad: b"x"}))
    with pytest.raises(ValueError, match="unsafe"):
        get_file("evil", origin=url, extract=True, cache_dir=tmp_path / "c")
    assert not (tmp_path / "escape.txt").exists()
    assert not (tmp_path / "c" / "escape.txt").exists()
    assert not (tmp_path / "c" / "datasets" / "evil").exists()


# ---------------------------------------------------------------- safe pickle


def test_safe_unpickler_refuses_globals():
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo unsafe",))

    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        _safe_pickle.safe_load(io.BytesIO(pickle.dumps({"data": Evil()}, protocol=2)))
    payload = pickle.dumps(np.zeros(3, dtype=[("a", "f4")]), protocol=2)
    with pytest.raises(pickle.UnpicklingError):
        _safe_pickle.safe_load(io.BytesIO(payload))


# ---------------------------------------------------------------- loaders


def test_mnist(server, cache, monkeypatch):
    rng = np.random.RandomState(0)
    arrays = {
        "x_train": rng.randint(0, 256, (5, 28, 28)).astype(np.uint8),
        "y_train": np.arange(5, dtype=np.uint8),
        "x_test": rng.randint(0, 256, (2, 28, 28)).astype(np.uint8),
        "y_test": np.array([7, 8], dtype=np.uint8),
    }
    _serve(server, monkeypatch, datasets.mnist, "mnist.npz", _npz(**arrays))
    (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
    assert x_train.shape == (5, 28, 28) and x_train.dtype == np.uint8
    np.testing.assert_array_equal(x_test, arrays["x_test"])
    np.testing.assert_array_equal(y_train, arrays["y_train"])
    assert y_test.dtype == np.uint8
    assert (cache / "datasets" / "mnist.npz").exists()


def _idx(array: np.ndarray, images: bool) -> bytes:
    header = (b"\x00\x00\x08\x03" if images else b"\x00\x00\x08\x01") + len(array).to_bytes(
        4, "big"
    )
    if images:
        header += (28).to_bytes(4, "big") * 2
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist(server, cache, monkeypatch):
    x = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 256
    y = np.array([1, 2, 9])
    for prefix in ("train", "t10k"):
        server.add(f"{prefix}-labels-idx1-ubyte.gz", _idx(y, False))
        server.add(f"{prefix}-images-idx3-ubyte.gz", _idx(x, True))
    monkeypatch.setattr(datasets.fashion_mnist, "_BASE_URL", server.url(""))
    (x_train, y_train), (x_test, y_test) = datasets.fashion_mnist.load_data()
    assert x_train.shape == (3, 28, 28) and x_train.dtype == np.uint8
    np.testing.assert_array_equal(x_test, x)
    np.testing.assert_array_equal(y_train, y)
    assert (cache / "datasets" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").exists()


def _cifar_batch(images: np.ndarray, labels: dict[str, list[int]]) -> bytes:
    batch = {"batch_label": "testing", "data": images.reshape(len(images), 3072)}
    batch.update(labels)
    return pickle.dumps(batch, protocol=2)


def _cifar_images(n: int, offset: int) -> np.ndarray:
    return ((np.arange(n * 3072).reshape(n, 3, 32, 32) + offset) % 251).astype(np.uint8)


def test_cifar10(server, cache, monkeypatch):
    members = {}
    for i in range(1, 6):
        members[f"cifar-10-batches-py/data_batch_{i}"] = _cifar_batch(
            _cifar_images(2, i), {"labels": [i, i + 1]}
        )
    members["cifar-10-batches-py/test_batch"] = _cifar_batch(
        _cifar_images(3, 0), {"labels": [0, 5, 9]}
    )
    _serve(server, monkeypatch, datasets.cifar10, "cifar-10-python.tar.gz", _tar_gz(members))
    (x_train, y_train), (x_test, y_test) = datasets.cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (3, 32, 32, 3) and y_test.ravel().tolist() == [0, 5, 9]
    np.testing.assert_array_equal(x_train[2], _cifar_images(2, 2)[0].transpose(1, 2, 0))
    assert y_train.ravel().tolist() == [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    assert (cache / "datasets" / "cifar-10-batches-py-target_archive").exists()


def test_cifar100_label_modes(server, cache, monkeypatch):
    labels = {"fine_labels": [10, 99], "coarse_labels": [1, 19]}
    members = {
        "cifar-100-python/train": _cifar_batch(_cifar_images(2, 1), labels),
        "cifar-100-python/test": _cifar_batch(_cifar_images(2, 2), labels),
    }
    _serve(server, monkeypatch, datasets.cifar100, "cifar-100-python.tar.gz", _tar_gz(members))
    (x_train, y_train), (x_test, y_test) = datasets.cifar100.load_data()
    assert x_train.shape == (2, 32, 32, 3) and y_train.ravel().tolist() == [10, 99]
    (_, y_train), _ = datasets.cifar100.load_data(label_mode="coarse")
    assert y_train.shape == (2, 1) and y_train.ravel().tolist() == [1, 19]
    with pytest.raises(ValueError, match="label_mode"):
        datasets.cifar100.load_data(label_mode="medium")


_IMDB_TRAIN = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [11]]
_IMDB_TEST = [[2, 2], [3, 4, 5, 6], [20]]


def _serve_imdb(server, monkeypatch) -> None:
    body = _npz(
        x_train=_objects(_IMDB_TRAIN),
        y_train=np.array([0, 1, 0, 1]),
        x_test=_objects(_IMDB_TEST),
        y_test=np.array([1, 0, 1]),
    )
    _serve(server, monkeypatch, datasets.imdb, "imdb.npz", body)
    words = json.dumps({"the": 1, "and": 2}).encode()
    _serve(server, monkeypatch, datasets.imdb, "imdb_word_index.json", words,
           "_WORD_INDEX_ORIGIN", "_WORD_INDEX_HASH")  # fmt: skip


def _shuffled(seqs, seed, skip_first_shuffle=False):
    rng = np.random.RandomState(seed)
    order = np.arange(len(_IMDB_TRAIN))
    rng.shuffle(order)
    if skip_first_shuffle:
        order = np.arange(len(seqs))
        rng.shuffle(order)
    return [seqs[i] for i in order], order


def _keras_encoded(seqs, top):
    """Start char, +3 shift, and (as Keras does) the largest index itself becoming oov 2."""
    return [[w if w < top else 2 for w in [1] + [w + 3 for w in s]] for s in seqs]


def test_imdb_defaults(server, cache, monkeypatch):
    _serve_imdb(server, monkeypatch)
    (x_train, y_train), (x_test, y_test) = datasets.imdb.load_data()
    assert x_train.dtype == object and x_train.shape == (4,) and x_test.shape == (3,)
    train, order = _shuffled(_IMDB_TRAIN, 113)
    assert [list(s) for s in x_train] == _keras_encoded(train, 23)
    assert y_train.tolist() == [[0, 1, 0, 1][i] for i in order]
    test, order = _shuffled(_IMDB_TEST, 113, skip_first_shuffle=True)
    assert [list(s) for s in x_test] == _keras_encoded(test, 23)
    assert y_test.tolist() == [[1, 0, 1][i] for i in order]
    assert datasets.imdb.get_word_index() == {"the": 1, "and": 2}


def test_imdb_options(server, cache, monkeypatch):
    _serve_imdb(server, monkeypatch)
    (x_train, _), (x_test, _) = datasets.imdb.load_data(num_words=8, skip_top=5, index_from=2)
    for seq in list(x_train) + list(x_test):
        assert seq[0] == 2  # start_char 1 is below skip_top, so it becomes oov_char
        assert all(w == 2 or 5 <= w < 8 for w in seq)
    (x_train, y_train), (x_test, _) = datasets.imdb.load_data(maxlen=4)
    assert all(len(s) < 4 for s in list(x_train) + list(x_test))
    assert len(x_train) == 2 and len(y_train) == 2
    (x_train, _), _ = datasets.imdb.load_data(start_char=None, oov_char=None, num_words=8)
    assert all(all(w < 8 for w in s) for s in x_train)
    with pytest.raises(ValueError, match="maxlen"):
        datasets.imdb.load_data(maxlen=1)
    with pytest.raises(TypeError, match="nb_words"):
        datasets.imdb.load_data(nb_words=3)


def test_reuters(server, cache, monkeypatch):
    seqs = [[i, i + 1, i + 2][: 1 + i % 3] for i in range(10)]
    body = _npz(x=_objects(seqs), y=np.arange(10) % 46)
    _serve(server, monkeypatch, datasets.reuters, "reuters.npz", body)
    words = json.dumps({"said": 1}).encode()
    _serve(server, monkeypatch, datasets.reuters, "reuters_word_index.json", words,
           "_WORD_INDEX_ORIGIN", "_WORD_INDEX_HASH")  # fmt: skip
    (x_train, y_train), (x_test, y_test) = datasets.reuters.load_data()
    assert len(x_train) == 8 and len(x_test) == 2 and x_train.dtype == object
    order = np.arange(10)
    np.random.RandomState(113).shuffle(order)
    assert y_train.tolist() + y_test.tolist() == (order % 46).tolist()
    assert list(x_train[0]) == _keras_encoded([seqs[order[0]]], 14)[0]
    (x_train, _), (x_test, _) = datasets.reuters.load_data(test_split=0.5, num_words=5)
    assert len(x_train) == 5 and len(x_test) == 5
    assert all(w < 5 for s in x_train for w in s)
    assert datasets.reuters.get_word_index() == {"said": 1}
    names = datasets.reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn"


def test_boston_housing(server, cache, monkeypatch):
    x = np.arange(20 * 13, dtype=np.float64).reshape(20, 13)
    y = np.arange(20, dtype=np.float64)
    _serve(server, monkeypatch, datasets.boston_housing, "boston_housing.npz", _npz(x=x, y=y))
    (x_train, y_train), (x_test, y_test) = datasets.boston_housing.load_data()
    assert x_train.shape == (16, 13) and x_test.shape == (4, 13) and y_test.shape == (4,)
    assert x_train.dtype == np.float64
    np.testing.assert_array_equal(x_train[:, 0] / 13, y_train)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == y.tolist()
    (x_train, _), (x_test, _) = datasets.boston_housing.load_data(test_split=0.5, seed=1)
    assert len(x_train) == 10 and len(x_test) == 10
    with pytest.raises(ValueError, match="test_split"):
        datasets.boston_housing.load_data(test_split=1.0)


def test_california_housing(server, cache, monkeypatch):
    x = np.arange(700 * 8, dtype=np.float32).reshape(700, 8)
    y = np.arange(700, dtype=np.float32)
    _serve(
        server, monkeypatch, datasets.california_housing, "california_housing.npz", _npz(x=x, y=y)
    )
    (x_train, y_train), (x_test, _) = datasets.california_housing.load_data()
    assert x_train.shape == (560, 8) and x_test.shape == (140, 8) and y_train.shape == (560,)
    (x_train, y_train), (x_test, y_test) = datasets.california_housing.load_data(version="small")
    assert len(x_train) + len(x_test) == 600 and y_train.max() < 600
    with pytest.raises(ValueError, match="version"):
        datasets.california_housing.load_data(version="medium")
    assert server.hits["/california_housing.npz"] == 1
