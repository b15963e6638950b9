"""Index features shared by the NN experiments (numpy; same code at train and inference)."""
import hashlib
from collections import Counter
import numpy as np
from voc_service.sentiment.features import CharHasher

def inner_holdout(text, share=0.1):
    h = hashlib.md5(("inner" + text).encode()).digest()
    return int.from_bytes(h[:4], "little") % 1000 < share * 1000

class Featurizer:
    def __init__(self, bits=20, max_n=4, bigrams=False, min_df=2):
        self.hasher = CharHasher(bits=bits, max_n=max_n)
        self.bigrams, self.min_df = bigrams, min_df
        self.vocab = {}

    def fit(self, tokens):
        df = Counter()
        for toks in tokens:
            s = set(toks)
            if self.bigrams:
                s |= {a + "\x01" + b for a, b in zip(toks, toks[1:])}
            df.update(s)
        words = sorted(w for w, c in df.items() if c >= self.min_df)
        self.vocab = {w: i for i, w in enumerate(words)}
        return self

    @property
    def size(self):
        return self.hasher.size + len(self.vocab)

    def transform(self, texts, tokens):
        """flat ids (int64) and offsets (len n+1), ids grouped per text."""
        b, owner = self.hasher.buckets_many(texts)
        order = np.argsort(owner, kind="stable")
        b, owner = b[order].astype(np.int64), owner[order]
        cnt = np.bincount(owner, minlength=len(texts))
        starts = np.concatenate([[0], np.cumsum(cnt)])
        size, V = self.hasher.size, self.vocab
        ids, offs = [], [0]
        for i, toks in enumerate(tokens):
            w = [size + V[t] for t in toks if t in V]
            if self.bigrams:
                w += [size + V[k] for a, c in zip(toks, toks[1:]) if (k := a + "\x01" + c) in V]
            ids.append(b[starts[i]:starts[i + 1]])
            ids.append(np.asarray(w, dtype=np.int64))
            offs.append(offs[-1] + starts[i + 1] - starts[i] + len(w))
        return np.concatenate(ids), np.asarray(offs, dtype=np.int64)
