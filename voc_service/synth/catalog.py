"""A product catalog that looks like a Chinese marketplace: real brands, model numbers, variants.

Category metadata that the `Sku` record does not carry (the noun customers use, typical faults,
price range, whether the product is installed / repaired / has a battery) lives in `CATEGORIES`,
so the dialogue layer can say "冰箱不制冷" rather than "商品有问题".
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from voc_service.synth.model import Sku

INSTALL, REPAIR, BATTERY, FRESH = "install", "repair", "battery", "fresh"


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    noun: str
    weight: float  # share of catalog entries
    price: tuple[int, int]
    flags: frozenset[str]
    faults: tuple[str, ...]
    brands: tuple[tuple[str, tuple[str, ...]], ...]  # brand -> models (display text incl. brand when natural)
    variants: tuple[str, ...]
    name_format: str = "{model} {variant}"


def _cat(
    name: str,
    noun: str,
    weight: float,
    price: tuple[int, int],
    flags: str,
    faults: str,
    brands: dict[str, str],
    variants: str,
    name_format: str = "{model} {variant}",
) -> Category:
    return Category(
        name,
        noun,
        weight,
        price,
        frozenset(flags.split()),
        tuple(faults.split("|")),
        tuple((b, tuple(m.split("|"))) for b, m in brands.items()),
        tuple(variants.split("|")),
        name_format,
    )


CATEGORIES: tuple[Category, ...] = (
    _cat(
        "手机",
        "手机",
        1.6,
        (999, 9999),
        "repair battery",
        "屏幕闪烁|充不进电|自动关机重启|发烫严重|信号很差|听筒没声音|拍照模糊",
        {
            "Apple": "iPhone 16 Pro|iPhone 16 Pro Max|iPhone 16|iPhone 15",
            "华为": "HUAWEI Mate 70 Pro|华为 Pura 70|华为 nova 13",
            "小米": "小米14 Pro|小米15|Redmi K70|Redmi Note 13",
            "OPPO": "OPPO Find X8|OPPO Reno12",
            "vivo": "vivo X200|iQOO 13",
            "荣耀": "荣耀Magic7|荣耀X60",
            "一加": "一加13",
        },
        "8+256G|12+256G|12+512G|16+1T|256GB 黑色|512GB 白色|128GB 蓝色",
    ),
    _cat(
        "笔记本电脑",
        "电脑",
        0.8,
        (2999, 19999),
        "repair battery",
        "蓝屏死机|键盘失灵|屏幕有坏点|开不了机|风扇噪音特别大|触控板没反应",
        {
            "联想": "ThinkPad X1 Carbon|联想小新Pro 16|拯救者Y9000P",
            "Apple": "MacBook Air 13 M3|MacBook Pro 14 M4",
            "华为": "HUAWEI MateBook X Pro",
            "戴尔": "戴尔 XPS 13|戴尔 灵越14",
            "华硕": "华硕 天选5",
            "惠普": "惠普 战66",
        },
        "i5 16G 512G|i7 32G 1T|16G+512G|Ultra7 32G 1T|R7 16G 1T",
    ),
    _cat(
        "平板",
        "平板",
        0.5,
        (1299, 8999),
        "repair battery",
        "触屏失灵|充电特别慢|屏幕漏光|连不上WiFi",
        {
            "Apple": "iPad Air 11|iPad Pro 13|iPad mini 7",
            "华为": "HUAWEI MatePad 11.5|华为 MatePad Pro 13.2",
            "小米": "小米平板6|Redmi Pad Pro",
            "联想": "联想小新Pad Pro",
        },
        "128G WiFi|256G WiFi|8+256G|512G 5G版",
    ),
    _cat(
        "耳机",
        "耳机",
        0.7,
        (99, 2999),
        "repair battery",
        "左耳没声音|连不上蓝牙|有电流声|充不进电|降噪没效果",
        {
            "Apple": "AirPods Pro 2|AirPods 4",
            "索尼": "Sony WH-1000XM5|Sony WF-1000XM5",
            "华为": "华为 FreeBuds Pro 3",
            "漫步者": "漫步者 Lolli Pro 3",
            "Bose": "Bose QC45",
            "小米": "小米 Buds 5",
        },
        "黑色|白色|USB-C版|标准版",
    ),
    _cat(
        "冰箱",
        "冰箱",
        0.6,
        (1999, 12999),
        "install repair",
        "不制冷|噪音很大|冷藏室结冰|门关不严|显示屏不亮",
        {
            "海尔": "BCD-470WDPG|BCD-510WGHTD",
            "美的": "BCD-508WKPZM|BCD-606WKPZM",
            "西门子": "KA92NV02TI",
            "容声": "BCD-529WD",
            "海信": "BCD-406WTDGVBP",
        },
        "冰箱|十字对开门冰箱|法式多门冰箱|对开门冰箱",
        "{brand} {model} {variant}",
    ),
    _cat(
        "洗衣机",
        "洗衣机",
        0.5,
        (1299, 8999),
        "install repair",
        "不脱水|漏水|噪音很大|显示E3故障码|滚筒不转",
        {
            "海尔": "EG100MATE33S|XQG100-BD14376LU1",
            "小天鹅": "TG100V88WMUIADY5",
            "美的": "MG100V11F",
            "西门子": "WG54A1A00W",
            "松下": "XQG100-E1B5",
        },
        "10公斤滚筒洗衣机|洗烘一体机|滚筒洗衣机",
        "{brand} {model} {variant}",
    ),
    _cat(
        "空调",
        "空调",
        0.6,
        (1999, 8999),
        "install repair",
        "不制冷|外机声音很大|漏水|遥控没反应|制热效果差",
        {
            "格力": "KFR-35GW 云佳|KFR-72LW 云锦",
            "美的": "KFR-35GW/N8MJA3 酷省电",
            "海尔": "KFR-35GW/01KGC81U1",
            "奥克斯": "KFR-26GW",
            "小米": "米家 KFR-35GW",
        },
        "1.5匹 新一级能效 挂机空调|3匹 柜机空调|大1匹 变频挂机",
        "{brand} {model} {variant}",
    ),
    _cat(
        "热水器",
        "热水器",
        0.35,
        (999, 5999),
        "install repair",
        "不出热水|漏水|显示E1故障|水温忽冷忽热",
        {"海尔": "EC6001-GC", "美的": "F6030-JE5", "A.O.史密斯": "E60VDP", "万和": "JSQ25-13ET", "林内": "RUS-16QD31"},
        "60升电热水器|16升燃气热水器|80升 一级能效热水器",
        "{brand} {model} {variant}",
    ),
    _cat(
        "电视",
        "电视",
        0.5,
        (1499, 12999),
        "install repair",
        "黑屏|屏幕有亮线|开机很慢|有声音没画面|遥控器失灵",
        {"小米": "Redmi A75", "海信": "75E3N", "TCL": "65T7K", "索尼": "XR-65X90L", "创维": "65A23"},
        "75英寸 4K电视|65英寸 液晶电视|85英寸 Mini LED电视",
        "{brand} {model} {variant}",
    ),
    _cat(
        "扫地机器人",
        "扫地机",
        0.35,
        (1499, 5999),
        "repair battery",
        "不回充|一直原地转圈|吸力变小|拖布不出水|APP连不上",
        {"科沃斯": "T30 Pro|X5 Pro", "石头": "G20S|P10S Pro", "追觅": "X40 Ultra", "云鲸": "J4"},
        "扫拖一体机器人|全能基站版|标准版",
        "{brand} {model} {variant}",
    ),
    _cat(
        "服装",
        "衣服",
        1.2,
        (59, 1599),
        "",
        "开线了|掉色严重|起球|有污渍|拉链坏了",
        {
            "优衣库": "UNIQLO 摇粒绒外套|UNIQLO 轻型羽绒服",
            "波司登": "波司登 羽绒服 B30145021",
            "Nike": "Nike 连帽卫衣",
            "李宁": "李宁 运动裤",
            "ZARA": "ZARA 风衣",
            "森马": "森马 纯棉衬衫",
            "太平鸟": "太平鸟 毛呢大衣",
        },
        "黑色 L|白色 M|藏青 XL|灰色 XXL|卡其 S",
    ),
    _cat(
        "鞋靴",
        "鞋子",
        0.9,
        (99, 1499),
        "",
        "开胶了|鞋底断了|磨脚|两只颜色不一样|有异味",
        {
            "Nike": "Nike Air Force 1|Nike Pegasus 41",
            "安踏": "安踏 C202 跑鞋",
            "李宁": "李宁 超轻21",
            "adidas": "adidas Samba OG",
            "特步": "特步 160X",
            "回力": "回力 帆布鞋",
        },
        "42码|39码|41码 白色|43码 黑色|37码",
    ),
    _cat(
        "美妆",
        "护肤品",
        0.9,
        (99, 1999),
        "",
        "用了过敏|用了起痘|泵头按不出来|味道不对|质地和之前买的不一样",
        {
            "兰蔻": "兰蔻 小黑瓶精华",
            "雅诗兰黛": "雅诗兰黛 小棕瓶精华",
            "欧莱雅": "欧莱雅 紫熨斗眼霜",
            "珀莱雅": "珀莱雅 双抗精华",
            "花西子": "花西子 散粉",
            "SK-II": "SK-II 神仙水",
        },
        "30ml|50ml|100ml|230ml 礼盒装",
    ),
    _cat(
        "洗发水",
        "洗发水",
        0.6,
        (29, 199),
        "",
        "漏液了|味道不对|瓶子破了|用了头皮痒",
        {
            "海飞丝": "海飞丝 去屑洗发水",
            "潘婷": "潘婷 3分钟奇迹",
            "清扬": "清扬 男士洗发水",
            "阿道夫": "阿道夫 精油洗发水",
            "吕": "吕 Ryo 红吕",
            "飘柔": "飘柔 兰花洗发水",
        },
        "750ml|500ml×2瓶|400ml|1L 家庭装",
    ),
    _cat(
        "奶粉/母婴",
        "奶粉",
        0.8,
        (89, 599),
        "",
        "罐子瘪了|有结块|封口没封好|生产日期不对",
        {
            "飞鹤": "飞鹤 星飞帆 3段|飞鹤 臻稚 2段",
            "君乐宝": "君乐宝 至臻 2段",
            "爱他美": "爱他美 卓萃 3段",
            "惠氏": "惠氏 启赋 1段",
            "a2": "a2 至初 3段",
            "美赞臣": "美赞臣 蓝臻 2段",
        },
        "700g|800g×2罐|900g|400g 试用装",
    ),
    _cat(
        "生鲜水果",
        "水果",
        0.7,
        (29, 299),
        "fresh",
        "烂了好几个|不新鲜|有坏果|个头太小了|压坏了",
        {
            "佳沛": "佳沛 阳光金奇异果 12粒",
            "褚橙": "褚橙 冰糖橙 5kg",
            "京鲜生": "智利车厘子 JJ级 2斤|阳光玫瑰葡萄 2斤",
            "都乐": "都乐 Dole 香蕉 3kg",
            "百果园": "百果园 砂糖橘 5斤",
        },
        "礼盒装|家庭装|中果|大果",
    ),
    _cat(
        "零食",
        "零食",
        0.8,
        (19, 199),
        "",
        "过期了|受潮了|有异物|包装漏气",
        {
            "三只松鼠": "三只松鼠 每日坚果 750g",
            "良品铺子": "良品铺子 猪肉脯",
            "百草味": "百草味 夏威夷果",
            "卫龙": "卫龙 大面筋辣条",
            "旺旺": "旺旺 雪饼",
            "乐事": "乐事 薯片",
        },
        "30袋|礼盒装|量贩装|500g",
    ),
    _cat(
        "图书",
        "书",
        0.5,
        (19, 299),
        "",
        "缺页|印刷模糊|封面破损|有折痕",
        {
            "重庆出版社": "《三体》全集",
            "作家出版社": "《活着》",
            "机械工业出版社": "《深入理解计算机系统》",
            "中信出版社": "《人类简史》",
            "人民文学出版社": "《红楼梦》",
            "上海人民出版社": "《置身事内》",
        },
        "平装|精装|典藏版|第3版",
    ),
    _cat(
        "家具",
        "家具",
        0.4,
        (399, 9999),
        "install",
        "有划痕|少螺丝|安装孔对不上|有异味|板材开裂",
        {
            "顾家家居": "顾家家居 布艺沙发",
            "林氏家居": "林氏家居 实木床",
            "宜家": "IKEA 宜家 书桌",
            "源氏木语": "源氏木语 实木餐桌",
            "全友": "全友 衣柜",
        },
        "1.8米|三人位|1.5米|四门|120cm",
    ),
    _cat(
        "小家电",
        "小家电",
        0.8,
        (99, 3999),
        "repair",
        "通电没反应|有焦味|按键失灵|噪音很大|加热不了",
        {
            "Dyson": "Dyson 吹风机 HD15",
            "美的": "美的 电饭煲 MB-FB40",
            "九阳": "九阳 豆浆机 DJ13",
            "苏泊尔": "苏泊尔 空气炸锅 KJ50",
            "小熊": "小熊 养生壶",
            "飞利浦": "飞利浦 电动牙刷 HX6730",
        },
        "标准版|礼盒装|升级款|4L|白色",
    ),
)

CATEGORY_BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORIES}

# Words that are a better noun than the category's when they occur in the product name.
_NAME_NOUNS = (
    "吹风机",
    "电饭煲",
    "豆浆机",
    "空气炸锅",
    "养生壶",
    "电动牙刷",
    "沙发",
    "床",
    "书桌",
    "餐桌",
    "衣柜",
    "羽绒服",
    "卫衣",
    "运动裤",
    "风衣",
    "衬衫",
    "大衣",
    "外套",
    "精华",
    "眼霜",
    "散粉",
    "神仙水",
    "车厘子",
    "葡萄",
    "香蕉",
    "砂糖橘",
    "奇异果",
    "冰糖橙",
    "坚果",
    "猪肉脯",
    "夏威夷果",
    "辣条",
    "雪饼",
    "薯片",
    "跑鞋",
    "帆布鞋",
)


def product_noun(sku: Sku) -> str:
    """What a customer would call the item ("吹风机", not "小家电")."""
    for word in _NAME_NOUNS:
        if word in sku.name:
            return word
    return CATEGORY_BY_NAME[sku.category].noun


def build_catalog(n_skus: int, seed: int) -> list[Sku]:
    """`n_skus` unique SKUs spread over all categories in proportion to their weight.

    SKU ids are JD style: numeric, 10-12 digits, starting with "10".
    """
    rng = random.Random(f"catalog:{seed}")
    total = sum(c.weight for c in CATEGORIES)
    counts = [max(1, round(n_skus * c.weight / total)) for c in CATEGORIES]
    # fix rounding so the sum is exactly n_skus (trim/add on the heaviest categories first)
    order = sorted(range(len(CATEGORIES)), key=lambda i: -CATEGORIES[i].weight)
    k = 0
    while sum(counts) > n_skus and any(c > 0 for c in counts):
        i = order[k % len(order)]
        if counts[i] > 0:
            counts[i] -= 1
        k += 1
    k = 0
    while sum(counts) < n_skus:
        counts[order[k % len(order)]] += 1
        k += 1

    ids: set[str] = set()
    skus: list[Sku] = []
    for cat, count in zip(CATEGORIES, counts):
        combos = [(b, m, v) for b, models in cat.brands for m in models for v in cat.variants]
        rng.shuffle(combos)
        for j in range(count):
            brand, model, variant = combos[j % len(combos)]
            name = cat.name_format.format(brand=brand, model=model, variant=variant)
            if j >= len(combos):  # more SKUs than combinations: disambiguate like shops do
                name += f" {2025 + j // len(combos)}款"
            while True:
                length = rng.choice((10, 11, 12, 12, 12))
                sku_id = f"10{rng.randrange(10 ** (length - 2)):0{length - 2}d}"
                if sku_id not in ids:
                    ids.add(sku_id)
                    break
            skus.append(Sku(sku_id, cat.name, brand, name))
    rng.shuffle(skus)
    return skus
