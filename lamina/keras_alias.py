"""`python -m lamina.keras_alias install-pth | uninstall-pth | status`: turn the `keras` ->
lamina alias on or off for every program of this Python environment, through a `.pth` file in
site-packages (Python runs the import lines of `.pth` files at start-up). The line it writes
imports only a tiny module, which imports lamina when a program first imports `keras`."""

from __future__ import annotations

import os
import sys
import sysconfig

PTH_NAME = "lamina_as_keras.pth"
PTH_LINE = "import _lamina_keras_alias; _lamina_keras_alias.install()\n"


def pth_path(directory: str | None = None) -> str:
    """Where the `.pth` file goes: `directory`, by default this environment's site-packages
    (purelib)."""
    return os.path.join(directory or sysconfig.get_paths()["purelib"], PTH_NAME)


def main(argv=None) -> int:
    """Command line: `install-pth`, `uninstall-pth` or `status`, optionally followed by
    `--dir DIRECTORY` (a site directory other than this environment's site-packages).

    Args:
        argv: the arguments (default: `sys.argv[1:]`).

    Returns:
        The exit status.
    """
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else "status"
    directory = argv[argv.index("--dir") + 1] if "--dir" in argv[:-1] else None
    path = pth_path(directory)
    if command == "install-pth":
        with open(path, "w") as f:
            f.write(PTH_LINE)
        print(f"wrote {path}: `import keras` now gives lamina in this environment")
    elif command == "uninstall-pth":
        if os.path.exists(path):
            os.remove(path)
            print(f"removed {path}")
        else:
            print(f"nothing to remove ({path} does not exist)")
    elif command == "status":
        state = "on" if os.path.exists(path) else "off"
        print(f"keras -> lamina alias for this environment: {state} ({path})")
    else:
        print("usage: python -m lamina.keras_alias [install-pth | uninstall-pth | status]")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
