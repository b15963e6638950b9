from voc_service.text.normalize import normalize


def test_full_width_ascii_becomes_half_width() -> None:
    assert normalize("ＳＫＵ１２３，ｉＰｈｏｎｅ！") == "SKU123,iPhone!"


def test_whitespace_collapses_and_strips() -> None:
    assert normalize("  你好\u3000\u3000请问\t\n在吗  ") == "你好 请问 在吗"


def test_chinese_punctuation_without_half_width_twin_is_kept() -> None:
    assert normalize("好的。谢谢、再见") == "好的。谢谢、再见"


def test_emoji_sequences_survive_and_invisible_chars_go() -> None:
    text = "好评👍🏻❤️👨\u200d👩\u200d👧\u200b\x07"
    assert normalize(text) == "好评👍🏻❤️👨\u200d👩\u200d👧"


def test_ascii_fast_path_still_cleans_controls() -> None:
    assert normalize("a\x00b  c") == "ab c"


def test_same_result_as_plain_nfkc_on_generated_text() -> None:
    import re
    import unicodedata

    from voc_service.synth import GeneratorConfig, generate

    def reference(text: str) -> str:
        from voc_service.text.normalize import _DROP

        text = unicodedata.normalize("NFKC", text).translate(_DROP)
        return re.sub(r"\s+", " ", text).strip()

    texts = [t.text for g in generate(GeneratorConfig(seed=3, conversations_per_day=500)) for t in g.conversation.turns]
    texts += ["ＡＢＣ　１２３…①㎡ ﬁ", "\u3000 全角　空格 ", "tab\there", "x\u200by", "Ｘ\x07"]
    assert [normalize(t) for t in texts] == [reference(t) for t in texts]
