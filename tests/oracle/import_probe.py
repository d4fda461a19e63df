"""Run by the interpreter under test: which file import picks for one module
of an unpacked wheel, and whether ExtensionFileLoader loads it.

Usage: python -S -s import_probe.py TREE MODULE [SITE ...]

TREE goes first on sys.path, each SITE (the packages modules need at init,
such as cffi's _cffi_backend) last, where site-packages would be. The module's parent packages are set up from
their specs without running their __init__ (which may need other projects);
their __path__ is what import would use, so importlib.util.find_spec(MODULE)
runs the interpreter's own path finders and extension suffixes.

Prints two lines starting with MARK, each a JSON object: the spec (origin
relative to TREE, loader class), then the load result. A crash while loading
leaves only the first line; the caller reads the signal. When loading
raises, the load line also says whether the file dlopens on its own with
RTLD_NOW (every symbol resolved) and which module hooks it exports, so a
failure at init can be told from one at link time.
"""

import ctypes
import importlib.machinery
import importlib.util
import json
import os
import sys
import traceback

MARK = "@@import-oracle "


def say(**fields):
    sys.stdout.write(MARK + json.dumps(fields) + "\n")
    sys.stdout.flush()


def set_up_parents(module):
    parts = module.split(".")
    path = None
    for i in range(1, len(parts)):
        name = ".".join(parts[:i])
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.submodule_search_locations is None:
            return f"parent package {name} not found (or not a package)"
        parent = importlib.util.module_from_spec(spec)
        sys.modules[name] = parent
        path = list(spec.submodule_search_locations)
    return None


def link_check(path, leaf):
    try:
        lib = ctypes.CDLL(path, mode=os.RTLD_NOW)
    except OSError as e:
        return {"dlopen": str(e), "hooks": []}
    hooks = [h for h in (f"PyInit_{leaf}", f"PyModExport_{leaf}") if hasattr(lib, h)]
    return {"dlopen": None, "hooks": hooks}


def main():
    tree, module, sites = sys.argv[1], sys.argv[2], sys.argv[3:]
    sys.path.insert(0, tree)
    sys.path.extend(sites)
    problem = set_up_parents(module)
    if problem is not None:
        say(stage="spec", origin=None, loader=None, problem=problem)
        return
    spec = importlib.util.find_spec(module)
    if spec is None:
        say(stage="spec", origin=None, loader=None, problem=f"find_spec({module!r}) found nothing")
        return
    origin = spec.origin
    if origin and os.path.isabs(origin):
        origin = os.path.relpath(origin, tree)
    extension = isinstance(spec.loader, importlib.machinery.ExtensionFileLoader)
    say(stage="spec", origin=origin, loader=type(spec.loader).__name__, problem=None)
    if not extension:
        return
    try:
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[module] = loaded
        spec.loader.exec_module(loaded)
    except BaseException as e:  # noqa: BLE001 - every failure is the answer
        say(
            stage="load",
            loads=False,
            error_type=type(e).__name__,
            error=str(e),
            traceback=traceback.format_exc(limit=4),
            **link_check(spec.origin, module.rsplit(".", 1)[-1]),
        )
        return
    say(stage="load", loads=True)


main()
