#!/usr/bin/env bash
# The committed real run: the embedded Qwen2.5-Coder-0.5B (Q4_K_M) on the 2 CPU cores of this machine, every method
# on the same items. alu-paper (about 8 LLM calls an item) runs on the first items of each split only
# (--method-limit). Re-running resumes from each answers.jsonl / logprobs.jsonl: a finished run only rewrites the
# reports. The timings in the summaries are wall-clock on a shared machine; read them as relative.
set -euo pipefail
cd "$(dirname "$0")/../.."
ALU="${ALU:-python -m alu}"
R=docs/results
ALL="--methods vanilla,prompt,filter,icul,alu-paper,alu"
$ALU eval tofu --split forget01 --split-limit forget=40 --split-limit retain=40 --split-limit real_authors=10 \
  --split-limit world_facts=10 --max-tokens 64 $ALL --method-limit alu-paper=0 --method-limit alu-paper@forget=5 \
  --method-limit alu-paper@retain=3 --out $R/tofu
$ALU eval attacks --limit 40 --max-tokens 64 $ALL --method-limit alu-paper=2 --out $R/attacks
$ALU eval wmdp --split-limit bio=100 --split-limit cyber=100 --split-limit mmlu=200 $ALL \
  --method-limit alu-paper=3 --out $R/wmdp
$ALU eval scale --limit 20 --sizes 1,10,100,1000 --max-tokens 64 --methods alu,prompt,alu-paper \
  --method-limit alu-paper=0 --method-limit alu-paper@n1=3 --method-limit alu-paper@n10=3 --out $R/scale
$ALU eval wpu --limit 3 --max-tokens 64 $ALL --method-limit alu-paper=1 --out $R/wpu
# After the run above (made at the code of commit 976b212; attacks and WMDP were extended from 16 and 20/20/40 items
# with that same code, resuming from the cache): names in other scripts are matched through their Latin spelling,
# names masked down to their initials are matched, and the embedder runs int8 on ONNX Runtime. The masking and
# language attacks re-measured for the methods that use the matcher, with the code of commit a7873ff:
$ALU eval attacks --split-limit many_shot=0 --split-limit masking=40 --split-limit languages=40 --max-tokens 64 \
  --methods vanilla,filter,alu --out $R/attacks-new
