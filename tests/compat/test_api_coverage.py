"""Every public name of every Keras 3.15 namespace exists in lamina, except the listed ones.

The names come from the installed Keras (the oracle): `dir()` of `keras` and, recursively, of
each public sub-namespace (`keras.layers`, `keras.ops.numpy`, ...), modules themselves excluded.
A name lamina lacks must appear in one of the lists below (`IMPOSSIBLE`, `IN_PROGRESS`,
`NOT_YET`), each with its reason; a listed name that lamina has gained fails the test until it
is taken off its list, so the lists stay honest. `PARTIAL` names exist with part of their
behaviour missing (docs/differences.md).

Run with `-s` to see the coverage figure and what is still missing.
"""

import types

# Names that cannot exist without TensorFlow or torch: lamina runs on JAX only.
IMPOSSIBLE = {
    "layers.TFSMLayer",  # loads a TensorFlow SavedModel
    "layers.TorchModuleWrapper",  # wraps a torch.nn.Module
}

# Names owned by other open issues whose helpers are adding them now. They count as missing in
# the coverage figure; the test fails once one of them exists (a "prefix:" entry: once no name
# under it is missing), so that it is taken off this list.
IN_PROGRESS: set[str] = set()

# Names in issue 17's scope that lamina does not provide yet (work left; printed by the test).
NOT_YET: set[str] = set()

# Names lamina has, with part of their behaviour not built (docs/differences.md, "Partly
# provided"). They count as present; the test checks they exist.
PARTIAL = {
    # Keras's configs, checks and records, and the matching dtype policies; the calibration
    # (`model.quantize("gptq"/"awq", config=...)`) raises NotImplementedError.
    "quantizers.GPTQConfig",
    "quantizers.AWQConfig",
    "dtype_policies.GPTQDTypePolicy",
    "dtype_policies.AWQDTypePolicy",
}


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
    for entry in sorted(IN_PROGRESS):
        if entry.startswith("prefix:"):
            under = [n for n in names if n.startswith(entry[len("prefix:") :])]
            if under and not any(n in missing for n in under):
                stale.append(entry)
        elif _has(lamina, entry):
            stale.append(entry)
    assert not stale, f"listed as missing but present in lamina (take them off the list): {stale}"
    absent = sorted(n for n in PARTIAL if not _has(lamina, n))
    assert not absent, f"listed as partly provided but absent from lamina: {absent}"
    unknown = sorted(
        n
        for n in NOT_YET | IMPOSSIBLE | PARTIAL | IN_PROGRESS
        if not n.startswith("prefix:") and n not in names
    )
    assert not unknown, f"listed names that Keras 3.15 does not have: {unknown}"
    if PARTIAL:
        print(f"partly provided ({len(PARTIAL)}): {' '.join(sorted(PARTIAL))}")
