#!/usr/bin/env bash
# The committed real run: embedded Qwen2.5-Coder-0.5B (Q4_K_M) on 2 shared CPU cores.
# Sized to the time available on a machine shared with other workers; re-running resumes from answers.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."
ALU="${ALU:-python -m alu}"
R=docs/results
SLOW="--method-limit alu-paper=2"
$ALU eval tofu --split forget01 --limit 5 --split-limit real_authors=2 --split-limit world_facts=2 $SLOW --out $R/tofu --no-progress
$ALU eval wmdp --split-limit bio=6 --split-limit cyber=6 --split-limit mmlu=12 $SLOW --out $R/wmdp --no-progress
$ALU eval attacks --limit 4 $SLOW --out $R/attacks --no-progress
$ALU eval scale --limit 2 --methods alu,prompt,alu-paper --method-limit alu-paper=1 --out $R/scale --no-progress
$ALU eval wpu --limit 4 $SLOW --out $R/wpu --no-progress
