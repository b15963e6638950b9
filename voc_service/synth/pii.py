"""Personal data and look-alike identifiers.

Personal data (phones, landlines, ID cards, bank cards, e-mails, street addresses) is generated
*valid* — ID cards carry a correct GB 11643 check character, bank cards pass Luhn — so a redactor
that validates checksums is tested honestly. The look-alikes (order ids, tracking numbers, prices,
dates, ticket numbers) are the hard negatives a redactor must leave alone; they are built so that
none of them *is* a phone number (order ids are 12 or 19 digits, never 11).
"""

from __future__ import annotations

import random
from datetime import date

# --- validators (also used by the tests) -------------------------------------------------------

ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits of a resident ID number."""
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def id_card_valid(value: str) -> bool:
    return (
        len(value) == 18
        and value[:17].isdigit()
        and value[17] in "0123456789X"
        and id_check_char(value[:17]) == value[17]
    )


def luhn_check_digit(partial: str) -> str:
    """Digit that makes `partial + digit` pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(value: str) -> bool:
    digits = value.replace(" ", "").replace("-", "")
    if not digits.isdigit():
        return False
    return luhn_check_digit(digits[:-1]) == digits[-1]


# --- fast draws ---------------------------------------------------------------------------------
# `random.choice/randint/randrange` are pure Python and ~10x slower than `random()`; these helpers
# keep generation fast. Determinism is unaffected (same Random instance, same call order).


def _ri(rng: random.Random, a: int, b: int) -> int:
    """Uniform integer in [a, b] (inclusive, like randint)."""
    return a + int(rng.random() * (b - a + 1))


def _ch(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _digits(rng: random.Random, n: int) -> str:
    """n random decimal digits, zero padded (modulo bias of getrandbits is negligible here)."""
    if n <= 15:
        return f"{int(rng.random() * 10**n):0{n}d}"
    return f"{rng.getrandbits(n * 4) % 10**n:0{n}d}"


# --- personal data ----------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 145 147 150 151 152 153 155 156 157 158 159 "
    "166 172 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 195 198 199"
)


def mobile_digits(rng: random.Random) -> str:
    return _ch(rng, _MOBILE_PREFIXES) + _digits(rng, 8)


def phone(rng: random.Random) -> str:
    """A mobile number in one of the ways people actually type it."""
    d = mobile_digits(rng)
    r = rng.random()
    if r < 0.55:
        return d
    if r < 0.70:
        return f"{d[:3]}-{d[3:7]}-{d[7:]}"
    if r < 0.85:
        return f"{d[:3]} {d[3:7]} {d[7:]}"
    if r < 0.95:
        return f"+86 {d}"
    return f"+86-{d}"


_AREA_CODES_3 = ("010", "020", "021", "022", "023", "024", "025", "027", "028", "029")
_AREA_CODES_4 = ("0755", "0571", "0512", "0532", "0731", "0591", "0592", "0371", "0531", "0769", "0757")


def landline(rng: random.Random) -> str:
    if rng.random() < 0.5:
        code, local = _ch(rng, _AREA_CODES_3), f"{_ri(rng, 2, 8)}{_digits(rng, 7)}"
    else:
        code = _ch(rng, _AREA_CODES_4)
        local = f"{_ri(rng, 2, 8)}{_digits(rng, 6 if rng.random() < 0.4 else 7)}"
    return f"{code}-{local}" if rng.random() < 0.85 else f"({code}){local}"


_ID_REGIONS = _words(
    "110101 110105 110108 310101 310104 310115 440103 440106 440305 440304 330106 330108 320102 "
    "320106 510107 420111 370102 370212 610113 410105 430104 350203 500112 120104 210102 220102 "
    "230103 340104 360102 450103 530102 520102 130102 140105 620102 650102"
)
_ID_DAY0 = date(1955, 1, 1).toordinal()
_ID_DAY1 = date(2006, 12, 31).toordinal()


def id_card(rng: random.Random) -> str:
    birth = date.fromordinal(_ri(rng, _ID_DAY0, _ID_DAY1))
    first17 = f"{_ch(rng, _ID_REGIONS)}{birth:%Y%m%d}{_ri(rng, 1, 999):03d}"
    return first17 + id_check_char(first17)


_CARD_BINS = (
    ("622202", 19),
    ("622848", 19),
    ("621700", 19),
    ("622588", 16),
    ("621483", 16),
    ("622700", 19),
    ("625807", 16),
    ("621661", 19),
    ("623058", 19),
    ("436742", 16),
    ("518710", 16),
    ("622609", 18),
    ("628288", 17),
)


def bank_card(rng: random.Random) -> str:
    """A Luhn-valid card number, sometimes grouped by four with spaces."""
    bin_, length = _ch(rng, _CARD_BINS)
    body = bin_ + _digits(rng, length - len(bin_) - 1)
    digits = body + luhn_check_digit(body)
    if rng.random() < 0.35:
        return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))
    return digits


_EMAIL_NAMES = _words(
    "zhangwei wangfang li_na liuyang chenjing yangli zhaolei huangmin zhoujie wuhao xuming sunli "
    "maxiaoyu hu.jun guo_yan linlin hexin gaofei luoqi zhengkai tangtang amy.chen kevin_wu "
    "lucy2008 tommy_li"
)
_EMAIL_DOMAINS = (
    "qq.com",
    "163.com",
    "126.com",
    "gmail.com",
    "outlook.com",
    "sina.com",
    "foxmail.com",
    "hotmail.com",
    "139.com",
    "yeah.net",
)


def email(rng: random.Random) -> str:
    if rng.random() < 0.25:
        return f"{_ri(rng, 10**7, 3 * 10**9)}@qq.com"
    name = _ch(rng, _EMAIL_NAMES)
    if rng.random() < 0.6:
        name += str(_ri(rng, *_ch(rng, ((1, 99), (1975, 2007), (100, 998)))))
    return f"{name}@{_ch(rng, _EMAIL_DOMAINS)}"


# province, city, districts, city-specific roads (None province = municipality)
_GEO: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "",
        "北京市",
        ("海淀区", "朝阳区", "东城区", "西城区", "丰台区", "昌平区"),
        ("中关村大街", "学院路", "建国路", "望京西路", "知春路", "长安街"),
    ),
    (
        "",
        "上海市",
        ("浦东新区", "徐汇区", "闵行区", "静安区", "杨浦区"),
        ("张江路", "漕溪北路", "南京西路", "世纪大道", "虹桥路"),
    ),
    ("", "天津市", ("南开区", "和平区", "河西区"), ("卫津路", "南京路", "友谊路")),
    ("", "重庆市", ("渝北区", "江北区", "沙坪坝区"), ("金开大道", "建新北路", "三峡广场")),
    ("广东省", "深圳市", ("南山区", "福田区", "宝安区", "龙岗区"), ("科技园南路", "深南大道", "滨海大道", "科苑路")),
    ("广东省", "广州市", ("天河区", "越秀区", "海珠区", "番禺区"), ("天河路", "中山大道", "环市东路", "新港中路")),
    ("广东省", "东莞市", ("南城街道", "松山湖"), ("鸿福路", "东城大道")),
    ("浙江省", "杭州市", ("西湖区", "余杭区", "滨江区", "拱墅区"), ("文三路", "文一西路", "莫干山路", "江南大道")),
    ("浙江省", "宁波市", ("鄞州区", "海曙区"), ("天童南路", "中山西路")),
    ("江苏省", "南京市", ("鼓楼区", "玄武区", "江宁区"), ("中山路", "汉中路", "珠江路")),
    ("江苏省", "苏州市", ("工业园区", "姑苏区", "吴中区"), ("星湖街", "干将路", "东环路")),
    ("四川省", "成都市", ("武侯区", "锦江区", "高新区"), ("天府大道", "人民南路", "科华北路")),
    ("湖北省", "武汉市", ("洪山区", "江汉区", "武昌区"), ("珞喻路", "解放大道", "中北路")),
    ("山东省", "青岛市", ("崂山区", "市南区"), ("香港中路", "海尔路")),
    ("山东省", "济南市", ("历下区", "市中区"), ("经十路", "泉城路")),
    ("陕西省", "西安市", ("雁塔区", "未央区"), ("长安南路", "科技路", "凤城八路")),
    ("河南省", "郑州市", ("金水区", "二七区"), ("花园路", "农业路")),
    ("湖南省", "长沙市", ("岳麓区", "天心区", "开福区"), ("麓山南路", "芙蓉中路")),
    ("福建省", "厦门市", ("思明区", "湖里区"), ("湖滨南路", "嘉禾路")),
)
_GENERIC_ROADS = ("人民路", "建设路", "解放路", "和平路", "新华路", "学府路", "长江路", "幸福路")
_COMMUNITIES = (
    "阳光花园",
    "碧桂园",
    "万科城",
    "幸福里小区",
    "金地名苑",
    "保利花园",
    "绿城桂花园",
    "华润城",
    "龙湖春江郦城",
    "恒大名都",
    "世纪新城",
    "翠苑二区",
)


def address(rng: random.Random) -> str:
    """A street-level address: province (not for municipalities), city, district, road, number, unit."""
    province, city, districts, roads = _ch(rng, _GEO)
    road = _ch(rng, roads) if rng.random() < 0.75 else _ch(rng, _GENERIC_ROADS)
    head = (province if rng.random() < 0.7 else "") + city + _ch(rng, districts) + road
    num = f"{_ri(rng, 1, 399)}号"
    r = rng.random()
    if r < 0.3:
        return head + num
    if r < 0.65:
        return f"{head}{num}{_ri(rng, 1, 12)}栋{_ri(rng, 1, 32)}0{_ri(rng, 1, 6)}室"
    if r < 0.85:
        return f"{head}{num}{_ch(rng, _COMMUNITIES)}{_ri(rng, 1, 20)}号楼{_ri(rng, 1, 4)}单元{_ri(rng, 1, 28)}0{_ri(rng, 1, 4)}"
    return f"{head}{num}{_ch(rng, _COMMUNITIES)}{_ri(rng, 1, 3)}期{_ri(rng, 1, 15)}栋{_ri(rng, 1, 33)}0{_ri(rng, 1, 4)}"


PII_FACTORIES = {
    "PHONE": phone,
    "LANDLINE": landline,
    "ID_CARD": id_card,
    "BANK_CARD": bank_card,
    "EMAIL": email,
    "ADDRESS": address,
}


# --- hard negatives ---------------------------------------------------------------------------


def order_id(rng: random.Random) -> str:
    """JD style (12 digits, starts 2-3) or Taobao style (19 digits). Never 11 digits, so never a
    phone number; some 19-digit ids pass Luhn by chance, which is intended (context decides)."""
    if rng.random() < 0.65:
        return f"{_ri(rng, 2, 3)}{_digits(rng, 11)}"
    return f"{_ri(rng, 1, 4)}{_digits(rng, 18)}"


def tracking_number(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.45:
        return f"JDV{_digits(rng, 12)}"
    if r < 0.75:
        return f"SF{_ri(rng, 1, 9)}{_digits(rng, 12)}"
    if r < 0.9:
        return f"YT{_ri(rng, 1, 9)}{_digits(rng, 12)}"
    return f"JD{_ri(rng, 1, 9)}{_digits(rng, 12)}"


def ticket_number(rng: random.Random) -> str:
    return str(_ri(rng, 4 * 10**9, 10**10 - 1))


def price_text(rng: random.Random, amount: float) -> str:
    """Prices as customers and agents write them: ¥1999.00, 2,399元, 1299.5元, 1999块."""
    whole = int(amount)
    r = rng.random()
    if r < 0.3:
        return f"¥{amount:.2f}"
    if r < 0.5:
        return f"{whole:,}元"
    if r < 0.65:
        return f"{amount:.1f}元".replace(".0元", "元")
    if r < 0.85:
        return f"{whole}块"
    return f"￥{whole}"


def date_text(rng: random.Random, d: date) -> str:
    r = rng.random()
    if r < 0.45:
        return f"{d.month}月{d.day}日"
    if r < 0.65:
        return f"{d.month}月{d.day}号"
    if r < 0.85:
        return d.isoformat()
    return f"{d.day}号"
