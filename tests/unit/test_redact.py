import pytest

from voc_service.domain import PiiKind
from voc_service.text.redact import Redactor, id_card_valid, luhn_valid

R = Redactor()


def kinds(text: str, known: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(text[s:e], k.value) for s, e, k in R.find(text, known)]


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("我的电话是13812345678谢谢", "13812345678", "PHONE"),
        ("手机 138-1234-5678 联系", "138-1234-5678", "PHONE"),
        ("打 138 1234 5678", "138 1234 5678", "PHONE"),
        ("号码+86 13912345678", "+86 13912345678", "PHONE"),
        ("座机010-62345678", "010-62345678", "LANDLINE"),
        ("打(0755)87654321找我", "(0755)87654321", "LANDLINE"),
        ("身份证11010519491231002X", "11010519491231002X", "ID_CARD"),
        ("卡号6222021234567890128", "6222021234567890128", "BANK_CARD"),
        ("卡号 6222 0212 3456 7890 128 谢谢", "6222 0212 3456 7890 128", "BANK_CARD"),
        ("邮箱abc.de_f@qq.com给我", "abc.de_f@qq.com", "EMAIL"),
        ("寄到浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区文三路90号", "ADDRESS"),
        ("我住北京市海淀区中关村大街27号", "北京市海淀区中关村大街27号", "ADDRESS"),
        # a community and an industrial park between the street office and the road (real Weibo text)
        ("在深圳市龙华新区福城街道福民社区在外径工业园狮径路13号", "深圳市龙华新区福城街道福民社区在外径工业园狮径路13号", "ADDRESS"),
        ("送到科技园南路18号3栋502室", "科技园南路18号3栋502室", "ADDRESS"),
        ("地址广东省深圳市南山区科技园南路18号3栋502室", "广东省深圳市南山区科技园南路18号3栋502室", "ADDRESS"),
    ],
)
def test_personal_data_is_found(text: str, value: str, kind: str) -> None:
    assert (value, kind) in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "订单号289456123478什么时候发货",  # 12-digit JD order id
        "订单号6222021234567890128",  # a Luhn-valid 19-digit Taobao order id: context says order
        "单号 11010519491231002X",  # checksum-valid ID shape after an order keyword
        "价格1999.00元，到手价2,399元",
        "¥1299.5 再减200",
        "快递单号SF1234567890123",
        "运单JDV012345678901已签收",
        "2026-11-05 下午3点 11月5日",
        "商品编号100045612378",
        "这条路不好走，七天无理由",
        "24小时内给您回电，3个工作日内退款",
        "型号BCD-470WDPG冰箱",
        "客服热线400-820-8820",  # a company hotline is not personal data
    ],
)
def test_non_personal_numbers_are_kept(text: str) -> None:
    assert kinds(text) == []


def test_declared_ids_are_never_redacted() -> None:
    text = "我的单13812345678到了吗"  # looks like a phone, but the caller declared it as the order id
    assert kinds(text) == [("13812345678", "PHONE")]
    assert kinds(text, known=("13812345678",)) == []


def test_redact_replaces_with_placeholders_and_offsets_point_at_them() -> None:
    red = R.redact("电话13812345678，邮箱a@b.cn，身份证11010519491231002X")
    assert red.text == "电话<PHONE>，邮箱<EMAIL>，身份证<ID_CARD>"
    assert [(red.text[r.start : r.end], r.kind) for r in red.redactions] == [
        ("<PHONE>", PiiKind.PHONE),
        ("<EMAIL>", PiiKind.EMAIL),
        ("<ID_CARD>", PiiKind.ID_CARD),
    ]


def test_text_without_digits_or_at_is_untouched() -> None:
    red = R.redact("您好，请问有什么可以帮您")
    assert red.text == "您好，请问有什么可以帮您" and red.redactions == []


def test_checks() -> None:
    assert id_card_valid("11010519491231002X")
    assert not id_card_valid("110105194912310021")
    assert luhn_valid("6222021234567890128")
    assert not luhn_valid("6222021234567890127")


def test_generated_personal_data_is_all_redacted_and_nothing_else() -> None:
    """Against the generator's ground truth: every planted value disappears, and the number of
    redactions of each kind equals the number planted (no extra hits on the hard negatives the
    generator mixes in: order ids, SKU ids, tracking numbers, prices, dates)."""
    from collections import Counter

    from voc_service.synth import GeneratorConfig, generate
    from voc_service.text.normalize import normalize

    planted: Counter[str] = Counter()
    found: Counter[str] = Counter()
    leaks = []
    for g in generate(GeneratorConfig(seed=21, conversations_per_day=3000, pii_rate=0.5)):
        conv = g.conversation
        known = (conv.order_id, *conv.sku_ids)
        for i, turn in enumerate(conv.turns):
            red = R.redact(normalize(turn.text), known)
            found.update(r.kind.value for r in red.redactions)
            for span in (p for p in g.labels.pii if p.turn_index == i):
                planted[span.kind] += 1
                if normalize(span.value) in red.text:
                    leaks.append((span.kind, span.value))
    assert sum(planted.values()) > 1000
    assert leaks == []
    assert found == planted
