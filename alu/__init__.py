"""alu: inference-time LLM unlearning with agents."""

__version__ = "0.1.0"

from .config import PRESETS, PipelineConfig  # noqa: E402 - the version above is read by the build without imports
from .errors import AluError, ConfigError, ModelCallError, ModelNotFoundError  # noqa: E402
from .pipeline import Result, Unlearner  # noqa: E402
from .prompts import Prompts  # noqa: E402
from .targets import Target  # noqa: E402
from .trace import Trace  # noqa: E402

__all__ = [
    "PRESETS",
    "AluError",
    "ConfigError",
    "ModelCallError",
    "ModelNotFoundError",
    "PipelineConfig",
    "Prompts",
    "Result",
    "Target",
    "Trace",
    "Unlearner",
    "__version__",
]
