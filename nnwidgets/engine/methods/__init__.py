"""Attribution methods, one module per family; importing this registers them all."""

import importlib
import pkgutil

# Every module here registers its methods on import; listing them by hand
# would be one more place to forget a new family.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
