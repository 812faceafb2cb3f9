#!/usr/bin/env bash
# The committed real run: embedded Qwen2.5-Coder-0.5B (Q4_K_M) on 2 CPU cores shared with 4-5 other workers
# (load average about 10 during the run: one 64-token answer took 1-2 minutes), so it is very small.
# alu-paper (about 8 LLM calls per item) runs on one item of one split per benchmark.
# Re-running resumes from each answers.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
ALU="${ALU:-python -m alu}"
R=docs/results
PAPER="--method-limit alu-paper=0"
$ALU eval tofu --split forget01 --limit 2 --split-limit real_authors=1 --split-limit world_facts=1 --max-tokens 64 \
  $PAPER --method-limit alu-paper@forget=1 --out $R/tofu --no-progress
$ALU eval attacks --limit 2 --max-tokens 64 $PAPER --method-limit alu-paper@masking=1 --out $R/attacks --no-progress
$ALU eval wmdp --split-limit bio=3 --split-limit cyber=3 --split-limit mmlu=6 $PAPER --out $R/wmdp --no-progress
$ALU eval scale --limit 1 --max-tokens 64 --methods alu,prompt,alu-paper --out $R/scale --no-progress
$ALU eval wpu --limit 2 --max-tokens 64 $PAPER --out $R/wpu --no-progress
