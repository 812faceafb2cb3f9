#!/usr/bin/env bash
# The committed real run: embedded Qwen2.5-Coder-0.5B (Q4_K_M) on 2 CPU cores shared with 4-5 other workers
# (load average 8-11 during the run: one 64-token answer took 10-150 s), so it is small: read it as a
# smoke-scale measurement with wide intervals, not as benchmark numbers.
# alu-paper (about 8 LLM calls per item) runs only where a --method-limit alu-paper@SPLIT allows it.
# Re-running resumes from each answers.jsonl (a finished run only rewrites the reports); raise the limits to extend.
set -euo pipefail
cd "$(dirname "$0")/../.."
ALU="${ALU:-python -m alu}"
R=docs/results
BASE="--methods vanilla,prompt,filter,icul,alu --no-progress"
ALL="--methods vanilla,prompt,filter,icul,alu-paper,alu --method-limit alu-paper=0 --no-progress"
$ALU eval tofu --split forget01 --limit 20 --split-limit retain=20 --split-limit real_authors=4 \
  --split-limit world_facts=4 --max-tokens 64 $ALL --method-limit alu-paper@forget=2 --out $R/tofu
$ALU eval attacks --limit 8 --max-tokens 64 $ALL --method-limit alu-paper@masking=1 --out $R/attacks
$ALU eval wmdp --split-limit bio=3 --split-limit cyber=3 --split-limit mmlu=6 $BASE --out $R/wmdp
$ALU eval scale --limit 1 --sizes 1,1000 --max-tokens 64 --methods alu,prompt,alu-paper \
  --method-limit alu-paper=0 --method-limit alu-paper@n1=1 --out $R/scale --no-progress
$ALU eval wpu --limit 1 --max-tokens 64 $BASE --out $R/wpu
