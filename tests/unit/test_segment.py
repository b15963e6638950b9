import pytest

from voc_service.synth import GeneratorConfig, generate
from voc_service.text.normalize import normalize
from voc_service.text.redact import Redactor
from voc_service.text.segment import build_segmenter, read_dictionary, segmenters

RJIEBA = build_segmenter("rjieba")
JIEBA = build_segmenter("jieba")


@pytest.mark.parametrize("word", ["七天无理由", "以换代修", "价保", "京东自营", "运费险", "上门取件", "增值税专用发票"])
def test_service_words_stay_whole(word: str) -> None:
    tokens, _ = RJIEBA.segment(f"请问支持{word}吗")
    assert word in tokens


def test_ids_and_placeholders_stay_whole() -> None:
    tokens, _ = RJIEBA.segment("订单号289456123478的sku100045612378,电话<PHONE>地址<ADDRESS>", keep_whole=())
    assert {"289456123478", "sku100045612378", "<PHONE>", "<ADDRESS>"} <= set(tokens)


def test_declared_ids_with_punctuation_stay_whole() -> None:
    tokens, _ = RJIEBA.segment("单号JD-2024-0001还没到", keep_whole=["JD-2024-0001"])
    assert "JD-2024-0001" in tokens


def test_emoji_sequences_are_single_tokens() -> None:
    tokens, _ = RJIEBA.segment("好评👍🏻❤️👨\u200d👩\u200d👧🇨🇳😡😡")
    assert tokens[-6:] == ["👍🏻", "❤️", "👨\u200d👩\u200d👧", "🇨🇳", "😡", "😡"]


def test_spaces_rebuild_the_text() -> None:
    text = "iPhone 15 Pro 到了 吗 😭"
    tokens, spaces = RJIEBA.segment(text)
    assert "".join(t + " " * s for t, s in zip(tokens, spaces, strict=True)) == text
    assert " " not in tokens


def test_rjieba_is_token_identical_to_jieba_on_generated_conversations() -> None:
    """The fast backend may replace the reference only because it cuts exactly the same way
    (jieba semantics, HMM off, same dictionary and frequencies)."""
    redactor = Redactor()
    texts = [
        redactor.redact(normalize(t.text)).text
        for g in generate(GeneratorConfig(seed=5, conversations_per_day=1500))
        for t in g.conversation.turns
    ]
    assert len(texts) > 10_000
    diffs = [(t, RJIEBA.segment(t), JIEBA.segment(t)) for t in texts if RJIEBA.segment(t) != JIEBA.segment(t)]
    assert diffs == []


def test_user_dictionary_extends_the_packaged_one(tmp_path) -> None:
    extra = tmp_path / "shop.dict"
    extra.write_text("鲸鱼耳机 3000 nz\n# comment\n", encoding="utf-8")
    entries = read_dictionary([extra])
    assert entries[-1] == ("鲸鱼耳机", 3000, "nz")
    assert "鲸鱼耳机" in build_segmenter("rjieba", [extra]).segment("我买的鲸鱼耳机坏了")[0]
    assert build_segmenter("rjieba", [extra]).version != RJIEBA.version  # the version names the dictionary


def test_backends_are_registered_by_name() -> None:
    assert {"jieba", "rjieba"} <= set(segmenters.get_all())
