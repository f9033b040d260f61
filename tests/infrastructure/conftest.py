"""The infrastructure tests' names; the synthesis fixtures themselves are in tests/cdk_synth.py."""

from tests.cdk_synth import REPO_ROOT, Synthesized, synthesize_variant

__all__ = ["REPO_ROOT", "Synthesized", "synthesize_variant"]
