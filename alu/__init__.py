"""alu: inference-time LLM unlearning with agents."""

from .config import PRESETS, PipelineConfig
from .errors import AluError, ConfigError, ModelCallError, ModelNotFoundError
from .pipeline import Result, Unlearner
from .targets import Target
from .trace import Trace

__version__ = "0.1.0"

__all__ = [
    "PRESETS",
    "AluError",
    "ConfigError",
    "ModelCallError",
    "ModelNotFoundError",
    "PipelineConfig",
    "Result",
    "Target",
    "Trace",
    "Unlearner",
    "__version__",
]
