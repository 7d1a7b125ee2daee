"""`keras.export`: a model's inference function as ONNX or serialized StableHLO."""

from lamina.export.archive import ExportArchive, ExportedArtifact, load

__all__ = ["ExportArchive", "ExportedArtifact", "load"]
