#!/usr/bin/env bash
# Issue 15's evaluation on the embedded Qwen2.5-Coder-1.5B (Q4_K_M), the backbone that knows enough of WMDP for
# forgetting to show, on the 2 CPU cores of this machine. Every command resumes from its answers.jsonl: re-running
# asks only what is missing (answers of a method whose code changed are asked again, never reused).
set -euo pipefail
cd "$(dirname "$0")/../../.."
ALU="${ALU:-python -m alu}"
R=docs/results/qwen1.5b
M="--model qwen2.5-coder-1.5b"
$ALU eval wmdp $M --split-limit bio=200 --split-limit cyber=200 --split-limit mmlu=400 \
  --methods vanilla,filter,alu --out $R/wmdp
# The same suite after topics were decided by similarity alone (the LLM confirm left out for topics, docs/knowledge.md), half the size
# first; re-running with the full sizes above resumes from its answers.jsonl.
$ALU eval wmdp $M --split-limit bio=100 --split-limit cyber=100 --split-limit mmlu=200 \
  --methods vanilla,filter,alu --out $R/wmdp-topic-rule
# Then (in progress): the full sizes, the prompt baseline, and 140 MMLU questions of the neighbouring subjects; it
# resumes from the answers above (alu's are asked again whenever the library changed since).
$ALU eval wmdp $M --split-limit bio=200 --split-limit cyber=200 --split-limit mmlu=400 --split-limit mmlu_near=140 \
  --methods vanilla,filter,prompt,alu --out $R/wmdp-topic-rule
# alu alone again at cbac40d on the bio and neighbouring questions (the other methods' cache keys name files that changed
# since, so they would be asked again for answers their code does not change)
$ALU eval wmdp $M --split-limit bio=200 --split-limit cyber=0 --split-limit mmlu=0 --split-limit mmlu_near=140 \
  --methods alu --out $R/wmdp-bio-cbac40d
# ICUL and the paper's algorithm, small (about 12 and 17 s a question here)
$ALU eval wmdp $M --split-limit bio=20 --split-limit cyber=0 --split-limit mmlu=20 --split-limit mmlu_near=0 \
  --methods vanilla,icul,alu-paper --method-limit alu-paper=5 --out $R/wmdp-baselines
# Which embedded model reproduces TOFU's passages better (vanilla, the BM25 passages in its system prompt), on 10
# forget and 10 retain items each: the TOFU and WPU backbone.
for m in qwen2.5-coder-0.5b qwen2.5-coder-1.5b; do
  $ALU eval tofu --model $m --split-limit forget=10 --split-limit retain=10 --split-limit real_authors=0 \
    --split-limit world_facts=0 --max-tokens 64 --methods vanilla --out $R/tofu-backbone-$m
done
# alu alone again with the code of commit 4a0a3ba, every split at full size (the vanilla row is wmdp-topic-rule's)
$ALU eval wmdp $M --split-limit bio=200 --split-limit cyber=200 --split-limit mmlu=400 --split-limit mmlu_near=140 \
  --methods alu --out $R/wmdp-alu-4a0a3ba
