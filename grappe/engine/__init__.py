"""Framework-free algorithms: affinity between reviewers and proposals, reviewer assignment.

Nothing here imports Django or a Grappe app (import-linter checks it); inputs and outputs are
arrays and frozen dataclasses; every function is deterministic given its ``seed``.
"""

ENGINE_VERSION = "0.5.0"
