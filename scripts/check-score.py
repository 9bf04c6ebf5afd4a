#!/usr/bin/env python3
"""Run the corpus scorer and fail when precision or recall is below the bar.

usage: check-score.py SCORE_PY GOLD_DIR PRED_CSV MIN [STRICT_FIELDS]
With STRICT_FIELDS (role,period,additive) a row counts only when those fields agree too."""
import re, subprocess, sys

score, gold, pred, bar = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
strict = ['--strict', sys.argv[5]] if len(sys.argv) > 5 else []
out = subprocess.run([sys.executable, score, gold, '--pred', pred, '--show', '15'] + strict,
                     capture_output=True, text=True, check=True).stdout
print(out)
m = re.search(r'precision ([\d.]+)\s+recall ([\d.]+)', out)
if not m:
    sys.exit('check-score: no precision/recall line in the scorer output')
p, r = float(m.group(1)), float(m.group(2))
if p < bar or r < bar:
    sys.exit(f'check-score: precision {p:.3f} / recall {r:.3f} below the bar {bar:.2f}')
print(f'corpus: 1 passed, 0 failed')
