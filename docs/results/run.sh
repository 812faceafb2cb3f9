#!/usr/bin/env bash
# The committed real run: embedded Qwen2.5-Coder-0.5B (Q4_K_M) on 2 CPU cores shared with 4-5 other workers
# (load average 8-11 during the run: one 64-token answer took 90-150 s), so it is tiny: read it as a smoke-scale
# measurement, not as benchmark numbers. alu-paper (about 8 LLM calls per item) runs on one TOFU forget item.
# Re-running resumes from each answers.jsonl; raise the limits to extend a run.
set -euo pipefail
cd "$(dirname "$0")/../.."
ALU="${ALU:-python -m alu}"
R=docs/results
BASE="--methods vanilla,prompt,filter,icul,alu --no-progress"
$ALU eval tofu --split forget01 --limit 2 --split-limit retain=1 --split-limit real_authors=0 \
  --split-limit world_facts=0 --max-tokens 64 --methods vanilla,prompt,filter,icul,alu-paper,alu \
  --method-limit alu-paper=0 --method-limit alu-paper@forget=1 --out $R/tofu --no-progress
$ALU eval attacks --limit 1 --max-tokens 64 $BASE --out $R/attacks
$ALU eval scale --limit 1 --sizes 1,1000 --max-tokens 64 --methods alu,prompt --out $R/scale --no-progress
$ALU eval wmdp --split-limit bio=1 --split-limit cyber=1 --split-limit mmlu=2 $BASE --out $R/wmdp
$ALU eval wpu --limit 1 --max-tokens 64 $BASE --out $R/wpu
