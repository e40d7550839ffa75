"""Route-matrix rows and world objects of each feature package, one module per feature.

A module here defines EXPECT (the same shape as tests/test_route_matrix.py's table), and may
define extend(app, w) to add the objects its paths name to the matrix's world and
value_for(w, rule, name) answering the value for a path parameter, or None when it is not its own.
Feature branches add a module instead of editing the shared table, so merging them never conflicts.
"""

import importlib
import pkgutil


def modules() -> list:
    return [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
