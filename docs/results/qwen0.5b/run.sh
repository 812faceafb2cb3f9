#!/usr/bin/env bash
# Issue 15's TOFU and attack evaluation on the embedded Qwen2.5-Coder-0.5B (Q4_K_M), the TOFU backbone chosen in
# ../qwen1.5b/README.md, on the 2 CPU cores of this machine. The targets carry TOFU's forget QA as knowledge.
# Every command resumes from its answers.jsonl: re-running asks only what is missing (answers of a method whose
# code changed are asked again, never reused).
set -euo pipefail
cd "$(dirname "$0")/../../.."
ALU="${ALU:-python -m alu}"
R=docs/results/qwen0.5b
M="--model qwen2.5-coder-0.5b --max-tokens 64"
$ALU eval tofu $M --split forget01 --split-limit forget=40 --split-limit retain=40 --split-limit real_authors=10 \
  --split-limit world_facts=10 --methods vanilla,prompt,filter,icul,alu-paper,alu --method-limit alu-paper=5 \
  --out $R/tofu-forget01
$ALU eval tofu $M --split forget10 --split-limit forget=100 --split-limit retain=100 --split-limit real_authors=10 \
  --split-limit world_facts=10 --methods vanilla,prompt,filter,alu --out $R/tofu-forget10
# alu alone again on forget01 at 11eb33d (a last name beside another person's given name is none of its targets')
$ALU eval tofu $M --split forget01 --split-limit forget=40 --split-limit retain=40 --split-limit real_authors=10 \
  --split-limit world_facts=10 --methods alu --out $R/tofu-forget01-alu
# alu alone again at cbac40d (other years read in answer sentences and passage lines too), then at 11eb33d
$ALU eval tofu $M --split forget10 --split-limit forget=100 --split-limit retain=100 --split-limit real_authors=10 \
  --split-limit world_facts=10 --methods alu --out $R/tofu-forget10-alu
$ALU eval attacks $M --limit 40 --methods vanilla,prompt,filter,alu-paper,alu --method-limit alu-paper=3 \
  --out $R/attacks
# Other languages alone, after the declined-name rule (8ed5ffe)
$ALU eval attacks $M --limit 40 --split-limit many_shot=0 --split-limit masking=0 --split-limit paraphrased=0 \
  --split-limit injection=0 --split-limit multi_turn=0 --split-limit sampling=0 --methods vanilla,prompt,filter,alu \
  --out $R/attacks-languages
# alu alone on every family again at 11eb33d (a last name beside another person's given name is none of its targets')
$ALU eval attacks $M --limit 40 --methods alu --out $R/attacks-alu
# (attacks-alu was re-asked with the code of ef52c60 by the same command)
