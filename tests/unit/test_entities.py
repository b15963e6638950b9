from voc_service.text.entities import EntityFinder
from voc_service.text.segment import build_segmenter

SEG = build_segmenter("rjieba")
FINDER = EntityFinder()


def entities(*texts: str, declared: dict[str, str] | None = None) -> list[list[tuple[str, str]]]:
    turns = [(t, *SEG.segment(t)) for t in texts]
    found = FINDER.find(turns, declared)
    out = []
    for text, ents in zip(texts, found, strict=True):
        assert all(text[e.start : e.end] == e.text for e in ents), "offsets must point into the turn text"
        out.append([(e.label, e.text) for e in ents])
    return out


def test_durations_money_dates_times() -> None:
    [ents] = entities("3个工作日内退款1999.00元，24小时内回电，明天下午3点，11月5日")
    assert ("DURATION", "3个工作日内") in ents
    assert ("DURATION", "24小时内") in ents
    assert ("MONEY", "1999.00元") in ents
    assert ("DATE", "明天") in ents and ("TIME", "下午3点") in ents and ("DATE", "11月5日") in ents


def test_ids_and_tracking_numbers() -> None:
    [ents] = entities("订单号289456123478 快递单号SF1234567890123 sku100045612378")
    assert ("ORDER_ID", "289456123478") in ents
    assert ("TRACKING_NO", "SF1234567890123") in ents
    assert ("SKU_ID", "sku100045612378") in ents


def test_declared_ids_are_labelled_and_offsets_are_per_turn() -> None:
    a, b = entities("您好", "我买的 100045612378 坏了", declared={"100045612378": "SKU_ID"})
    assert a == []
    assert b == [("SKU_ID", "100045612378")]


def test_no_entity_spans_two_turns() -> None:
    found = entities("退款3", "天内到吗")
    assert ("DURATION", "3\n天内") not in [e for turn in found for e in turn]


def test_plain_chat_has_no_entities() -> None:
    assert entities("请问什么时候发货呀") == [[]]
