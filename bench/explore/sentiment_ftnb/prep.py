"""Build the 80 % part exactly as bench/bench_sentiment.py train_8020 does, prepare it with the
CLI's text_preparer (normalise, redact, segment), assign CV folds, cache to $FTNB_CACHE/corpus.json.
The 20 % test part is never prepared or looked at."""
import hashlib, json, re, sys, time
from pathlib import Path
from common import CACHE, ROOT  # noqa: E402  (puts the repository on sys.path)
from bench.bench_sentiment import bucket, load_rows
from pipelines.build_sentiment_model import dedup_key
from voc_service.config import Settings
from voc_service.sentiment.commands import text_preparer
from voc_service.sentiment.train import parse_label

DATA = ROOT.parent / "shared/data/reviews/online_shopping_10_cats.csv"
rows = load_rows(DATA)
train_rows = [(t, y, c) for t, y, c in rows if (k := dedup_key(t)) and bucket("voc-sentiment-8020-v1", k) < 80]
n_test = sum(1 for t, y, c in rows if (k := dedup_key(t)) and bucket("voc-sentiment-8020-v1", k) >= 80)
print("rows", len(rows), "train(80%)", len(train_rows), "test(20%, not used)", n_test)
# train.csv round trip: read_labelled strips text, skips empty, parse_label(str(y))
texts = [t.strip() for t, _, _ in train_rows]
labels = [parse_label(str(y)) for _, y, _ in train_rows]
cats = [c for _, _, c in train_rows]
norm = lambda s: re.sub(r"[\W_]+", "", s).lower()
t0 = time.time()
corpus = text_preparer(Settings())(texts, labels)
# fold of the normalised (prepared) text: reproduces the documented 10,165 / 40,058 fold 0
fold = [int.from_bytes(hashlib.md5(("cvfold" + norm(t)).encode("utf-8")).digest()[:4], "little") % 5 for t in corpus.texts]
print("prepared in", round(time.time() - t0, 1), "s")
for f in range(5):
    print("fold", f, sum(1 for x in fold if x == f))
CACHE.mkdir(parents=True, exist_ok=True)
with open(CACHE / "corpus.json", "w", encoding="utf-8") as fh:
    json.dump({"texts": corpus.texts, "tokens": corpus.tokens, "labels": corpus.labels, "fold": fold, "cats": cats, "raw": texts}, fh, ensure_ascii=False)
