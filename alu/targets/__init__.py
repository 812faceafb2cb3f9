"""Forget targets: what the system must stop revealing, the registry's records of them, and target files."""

from .files import FORMATS, file_format, load_targets_file, read_knowledge, read_requests, write_records
from .records import Change, ErasureRequest, TargetRecord
from .target import KINDS, Target, as_targets, check_target, parse_target_line

__all__ = [
    "FORMATS",
    "KINDS",
    "Change",
    "ErasureRequest",
    "Target",
    "TargetRecord",
    "as_targets",
    "check_target",
    "file_format",
    "load_targets_file",
    "parse_target_line",
    "read_knowledge",
    "read_requests",
    "write_records",
]
