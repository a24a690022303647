"""Run every benchmark of bench/ and print its figures."""

import importlib
import pkgutil
from pathlib import Path


def main() -> None:
    here = Path(__file__).parent
    found = False
    for module in pkgutil.iter_modules([str(here)]):
        if module.name.startswith("bench_"):
            found = True
            importlib.import_module(f"bench.{module.name}").main()
    if not found:
        print("no benchmark yet")


if __name__ == "__main__":
    main()
