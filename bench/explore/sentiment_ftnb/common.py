import json, os, sys, time
from pathlib import Path
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[3]  # the repository
sys.path.insert(0, str(ROOT))
import numpy as np
from voc_service.sentiment.train import Corpus
from voc_service.sentiment.model import load_model, default_model_dir

CACHE = Path(os.environ.get("FTNB_CACHE", "/tmp/ftnb_cache"))

def load_all():
    with open(CACHE / "corpus.json", encoding="utf-8") as fh:
        return json.load(fh)

def split(fold):
    d = load_all()
    tr = [f != fold for f in d["fold"]]
    c = Corpus(d["texts"], d["tokens"], d["labels"])
    return c.subset(tr), c.subset([not x for x in tr])

def lexicon():
    return load_model(default_model_dir()).lexicon

def acc(scores, labels):
    s = np.asarray(scores); y = np.asarray(labels)
    return float(((s > 0) == (y == 1)).mean())
