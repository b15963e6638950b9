"""Text banks for customers, agents, bots and the system, plus the lexicons that define the labels.

Why the lexicons live here: a label is only exact if the text that earns it and the text that must
not earn it are kept apart. Clean agent lines never contain a greeting word outside greetings, a
closing word outside closings, or any forbidden / absolute / extreme word; customer lines carry an
emotion exactly when they contain one of its marker words (emotions are derived from those
markers on the final text, sentiments come from the bank a line was drawn from).

Templates use `{slot}` placeholders filled per conversation (see `dialogue._Slots`).
"""

from __future__ import annotations

from dataclasses import dataclass


def _lines(block: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in block.strip().splitlines() if s.strip())


# --- lexicons that define labels (used by the generator's self-checks and by the tests) -------

GREETING_WORDS = ("您好", "你好", "亲", "欢迎", "很高兴为您服务")
CLOSING_WORDS = ("还有其他", "祝您", "愉快", "再见", "随时联系", "随时找我")
FORBIDDEN_WORDS = (
    "你自己看",
    "不知道",
    "没办法",
    "爱买不买",
    "你不会自己查吗",
    "不归我管",
    "你问我我问谁",
    "听不懂吗",
    "系统就这样",
    "自己去查",
    "别问了",
)
ABSOLUTE_WORDS = ("保证", "绝对", "百分百", "一定", "肯定", "100%")
EXTREME_WORDS = ("最好", "最低", "最先进", "第一", "国家级", "顶级", "全网最低", "史上", "独一无二", "冠军", "首选")

EMOTION_MARKERS: dict[str, tuple[str, ...]] = {
    "anger": (
        "😡",
        "🤬",
        "气死",
        "什么破",
        "神马破",
        "破服务",
        "搞什么",
        "搞神马",
        "什么玩意",
        "神马玩意",
        "垃圾",
        "离谱",
        "坑人",
        "耍人",
        "什么态度",
        "神马态度",
        "听不懂人话",
        "无语",
        "服了",
    ),
    "anxiety": ("急", "快点", "尽快", "赶紧", "等不及", "等着用"),
    "disappointment": ("失望", "后悔", "心寒", "太差", "不满意", "不太满意", "白买", "再也不", "不会再买", "😭"),
    "escalation": ("投诉", "12315", "消协", "曝光", "差评", "起诉", "律师", "工商局", "媒体"),
    "human_request": ("转人工", "人工客服", "人工服务", "找人工", "要人工", "真人"),
}

# --- per-intent banks --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntentPhrases:
    """Banks of one intent. A line starting with "E|" only fits devices (phones, appliances ...):
    `intent_phrases(intent, device=False)` drops those lines and technician visits."""

    ask: tuple[str, ...]  # NEUTRAL openers, not a complaint
    complain: tuple[str, ...]  # NEGATIVE complaint openers
    report: tuple[str, ...]  # NEUTRAL-toned complaint openers (problem stated calmly)
    follow_neu: tuple[str, ...]
    follow_neg: tuple[str, ...]
    core_q: tuple[str, ...]  # one question, several wordings: used only for repeated_question
    bot: tuple[str, ...]  # FAQ auto-reply
    solve: tuple[str, ...]  # agent resolution lines
    info: tuple[str, ...]  # agent answers to follow-up questions
    promise_kinds: tuple[str, ...]
    promise_rate: float


INTENTS: dict[str, IntentPhrases] = {
    "logistics_delay": IntentPhrases(
        ask=_lines("""
            我的快递到哪了
            订单号{order}，什么时候发货啊
            买的{product}什么时候能到
            请问{name}今天能发货吗
            物流一直显示已揽收，正常吗
            帮我查下物流呗
            我{pdate}下的单，大概几天能到
            想问下{product}发的什么快递
            物流好几天没更新了，能帮忙看看吗
            能不能帮我催一下发货
            快递显示派送中，大概几点能送到
            可以改一下配送时间吗，白天家里没人
            我的包裹现在到哪个站点了
            还没发货的话能不能改地址
            京东自营的一般几天到啊
            订单显示已出库，但是物流没信息
            查一下订单{order}的物流
            {product}到哪儿了，查一下呗
            请问下单以后多久发货
            可以送货上门吗，不想去驿站拿
        """),
        complain=_lines("""
            都{days}天了还没发货，你们怎么回事
            快递三天没动了，到底还送不送
            说好的次日达，现在都第{days}天了
            物流一直不更新，你们是不是把我的快递弄丢了
            {pdate}下的单到现在还没到，太慢了吧
            你们物流一点都不快，还说京东快
            派送员说今天送，结果又没来，耍人呢
            等了{days}天了，{product}还没到，不太满意
            显示已签收但我根本没收到！
            催了好几次了，还是没动静
            订单号{order}，到底什么时候能到？？等得花都谢了
            快递员不送上门，让我自己去驿站拿，什么破服务
            物流慢得离谱，{days}天了还在路上
            买个{product}等了快一周，太失望了
        """),
        report=_lines("""
            物流{days}天没更新了，麻烦查一下是什么情况
            显示已签收，但是我没有收到货
            快递好像卡在中转站了，能帮我看看吗
            订单{order}超过预计时间了还没到
            送货时间比预计的晚了{days}天，想问下原因
            包裹一直在{city}转运中心没动
        """),
        follow_neu=_lines("""
            那大概还要几天呢||正常情况下1-2天内就能送到
            能帮我催一下吗||可以的，已经帮您联系站点加急派送
            可以直接送到家门口吗||可以的，我给您备注送货上门
            那要是明天还不到怎么办||如果明天还没送到，您再联系我们，这边继续帮您跟进
            能发个新的物流单号给我吗||物流单号是{tracking}，您可以在订单详情里查看
            是哪家快递在送||是京东物流在配送，单号{tracking}
            那我明天在家等着||好的，派送前快递员会电话联系您的
        """),
        follow_neg=_lines("""
            每次都说在路上，到底在哪
            我都等了{days}天了
            上次也是这么说的
            这也太慢了吧
            你们的物流能不能靠谱一点
            我等着用呢，一点都不快
        """),
        core_q=_lines("""
            到底什么时候能到？
            我就想知道什么时候能到
            所以什么时候到啊？？
            什么时候能送到？
        """),
        bot=_lines("""
            您可以在【我的订单】-【查看物流】中实时查看包裹状态哦～
            小京查询到您的订单正在配送中，预计送达时间以物流页面为准
        """),
        solve=_lines("""
            查询到您的包裹目前在{city}转运中心，预计{date}送达，快递单号{tracking}
            看到您的订单已经出库了，物流单号{tracking}，近期单量较大配送稍有延迟，实在抱歉
            已经帮您联系站点催促派送了，预计今天下午送达
            您的包裹因天气原因在中转站滞留，物流恢复后会尽快为您派送
            帮您查了，快递员已经在派送途中了，请保持电话畅通
            这边已经给站点留言，让配送员送货上门
        """),
        info=_lines("""
            派送前快递员会电话联系您的
            如果签收时发现问题可以拒收
            物流信息更新会有一些延迟，以实际派送为准
            可以的，我给您备注一下送货时间
            送货上门已经帮您备注好了
        """),
        promise_kinds=("handle", "callback"),
        promise_rate=0.22,
    ),
    "return_exchange": IntentPhrases(
        ask=_lines("""
            买的{product}不太合适，可以退吗
            这个支持七天无理由吗
            {name}想换个颜色可以吗
            退货的话运费谁出啊
            我想申请退货，怎么操作
            退货可以上门取件吗
            拆了包装还能退吗
            有运费险吗
            退货需要原包装吗
            买错型号了，想换成别的款
            退货退款大概要多久
            收到的{product}不喜欢，怎么退
            订单{order}想换货，怎么弄
            七天无理由是从签收开始算吗
        """),
        complain=_lines("""
            才用了两天就想退了，太失望了
            申请了退货一直没人处理
            说好的七天无理由，凭什么不给退
            退货申请被驳回了，什么意思
            上门取件的人一直没来，搞什么
            买了就降价，我要退货
            质量这么差，我要退货退款
            退个货这么麻烦，后悔在你们家买了
            退货申请提交{days}天了还是审核中，太慢了
        """),
        report=_lines("""
            收到的{product}不合适，想退货
            想换货，之前的申请好像没通过
            退货的快递员还没来取件
            我提交了退货申请，显示审核中好几天了
            订单{order}申请了换货，一直没有进展
        """),
        follow_neu=_lines("""
            那我需要自己寄回去吗||不需要，提交申请后会安排快递上门取件
            退回的运费能报销吗||您的订单有运费险，退货运费会自动理赔
            换货的话多久能收到新的||仓库收到退回商品后1-2天内给您发出新的
            包装盒扔了还能退吗||质量问题不影响退货，无理由退货的话需要配件齐全哦
            可以，那麻烦帮我安排上门取件||好的，已经帮您预约了上门取件，快递员会提前联系您
            退款是退到原来的支付方式吗||是的，退款会原路返回您的支付账户
        """),
        follow_neg=_lines("""
            怎么这么麻烦
            凭什么要我出运费
            你们的规定也太不合理了
            我不想等了，一点都不方便
        """),
        core_q=_lines("""
            到底能不能退？
            我就问能不能给我退
            所以能退吗？？
        """),
        bot=_lines("""
            符合七天无理由退货条件的商品可在【我的订单】-【申请售后】自助提交哦
            退换货进度可在【客户服务】-【进度查询】中查看
        """),
        solve=_lines("""
            该商品支持七天无理由退货，您在【我的订单】-【申请售后】提交申请，审核通过后会安排快递上门取件
            您的订单有运费险，退货运费会自动理赔到您的账户
            换货需要先寄回原商品，仓库收到后会给您重新发一件
            已经帮您提交了退货申请，服务单号{ticket}，审核通过后会有短信通知
            E|拆封后不影响二次销售的话也是可以退的，需要配件齐全哦
        """),
        info=_lines("""
            退款会原路返回您的支付账户
            取件时间可以在申请时自己选择
            商品包装和配件保持完整就可以
            换货的新商品会在收到退回商品后发出
        """),
        promise_kinds=("refund", "visit", "handle"),
        promise_rate=0.22,
    ),
    "quality_fault": IntentPhrases(
        ask=_lines("""
            {product}{fault}正常吗
            刚买的{product}好像有点问题，{fault}
            想问下{fault}是什么原因
            {name}用着{fault}，要怎么处理
            收到的{product}{fault}，可以换吗
            新买的{product}有点小问题想咨询下
            E|{product}有点{fault}，是我操作不对吗
            E|请问{fault}这种情况能保修吗
        """),
        complain=_lines("""
            刚收到的{product}就{fault}，什么质量啊
            才用了{days}天就{fault}，太失望了
            E|你们卖的{product}{fault}，是不是二手的
            买的{name}{fault}，后悔死了
            质量太差了，{fault}
            {product}{fault}，你们怎么检查的
            新买的东西就{fault}，真的无语
            {fault}！！这是新的吗？
            花了{price}买的{product}，结果{fault}
        """),
        report=_lines("""
            {product}出现了{fault}的情况
            收到的{product}有质量问题，{fault}
            用了一周，{product}{fault}，麻烦看一下
            {name}{fault}，需要怎么处理
            订单{order}的{product}{fault}
        """),
        follow_neu=_lines("""
            需要拍视频吗||方便的话拍一段问题视频，这样处理会快一些
            照片已经发了，你看一下||照片收到了，这边帮您登记
            E|那可以直接换新的吗||符合以换代修条件的话可以直接给您换新
            检测要多久||检测一般需要3-5个工作日
            E|保修期是多久||保修期是一年，从签收日算起
            换新的话需要我做什么||您保持商品和配件完整就可以，快递上门取件时交给快递员
        """),
        follow_neg=_lines("""
            新买的就坏，这质量也太差了
            还要我自己寄回去检测？
            我不想修，直接给我换新
            每次都让我等，问题根本没解决
        """),
        core_q=_lines("""
            这个到底怎么处理？
            我就问怎么处理
            所以到底给不给换？
            能不能给个处理方案？
        """),
        bot=_lines("""
            商品出现质量问题可在【申请售后】中选择“质量问题”提交，上传照片后会有专人处理哦
        """),
        solve=_lines("""
            非常抱歉给您带来不好的体验，麻烦您拍一下问题部位的照片或视频发给我们
            根据您描述的情况属于质量问题，可以给您办理退货或者换新，您看倾向哪一种
            E|京东自营商品支持以换代修，符合条件的可以直接换新
            E|建议先尝试重启或恢复出厂设置，如果还是不行我们安排检测
            已经给您登记了质量问题反馈，服务单号{ticket}
        """),
        info=_lines("""
            检测一般需要3-5个工作日
            换新的话运费由我们承担
            E|保修期是一年，从签收日算起
            照片收到了，这边帮您登记
        """),
        promise_kinds=("handle", "visit", "refund"),
        promise_rate=0.25,
    ),
    "installation": IntentPhrases(
        ask=_lines("""
            {product}什么时候能安排安装
            买的{name}包安装吗
            安装要另外收费吗
            能预约周末上门安装吗
            安装师傅会带支架吗
            {product}安装需要打孔吗
            可以约{date}安装吗
            送货和安装是一起的吗
            安装前我需要准备什么
            {product}到了，怎么预约安装
        """),
        complain=_lines("""
            约好的安装师傅没来，白等了一天
            都送到{days}天了还没人来安装
            安装师傅乱收费，辅材要了好几百
            师傅装完就走了，{product}都没调试，太不负责了
            预约了三次安装都改期，什么破服务
            安装师傅态度很差，还把墙弄坏了
            {product}装得歪歪扭扭的，太差了
        """),
        report=_lines("""
            {product}到了，还没有安排安装
            安装师傅一直没联系我
            需要改一下安装时间
            安装的时候发现少了个配件
            订单{order}的安装还没预约上
        """),
        follow_neu=_lines("""
            师傅大概几点到||师傅上门前会提前电话和您确认具体时间
            安装费是多少||基础安装免费，辅材按实际使用收费
            可以改到周末吗||可以的，已经帮您改约到周末
            要提前把旧的拆掉吗||不用的，需要拆旧机的话师傅可以一起处理
            好的，那我等师傅电话||嗯嗯，师傅会尽快联系您
        """),
        follow_neg=_lines("""
            我请假在家等了一天
            每次都说安排，人呢
            这都第几次改期了
            这服务真的不太满意
        """),
        core_q=_lines("""
            师傅到底什么时候来？
            我就问什么时候能装
            所以到底哪天上门？
        """),
        bot=_lines("""
            大家电送货后会有安装师傅联系您预约上门时间哦，也可以在【服务预约】中自助预约
        """),
        solve=_lines("""
            您购买的{product}是包安装的，安装师傅会在送货后联系您预约时间
            已经帮您预约了{date}上门安装，师傅上门前会电话联系您
            基础安装免费，辅材按实际使用收费，收费标准师傅可以出示
            已经为您改约安装时间，服务单号{ticket}
        """),
        info=_lines("""
            安装前请确认电源和水路已经准备好
            师傅会带基础安装工具
            如果需要拆旧机也可以一起预约
            安装完成后可以在订单里评价师傅的服务
        """),
        promise_kinds=("visit", "callback"),
        promise_rate=0.4,
    ),
    "invoice": IntentPhrases(
        ask=_lines("""
            怎么开发票
            能开增值税专用发票吗
            发票抬头写错了，能改吗
            电子发票在哪下载
            可以开公司抬头的发票吗
            发票能补开吗
            我要开专票，需要提供什么资料
            订单{order}的发票怎么还没发给我
            发票可以开明细吗
            买的{product}能开发票报销吗
        """),
        complain=_lines("""
            发票申请了一周了还没开出来
            开的发票抬头是错的，耽误我报销了
            专票到现在都没寄到，财务天天催我
            说好的电子发票呢，一直没收到
            开个发票这么麻烦，不太满意
        """),
        report=_lines("""
            发票金额和实际付款不一致
            收到的发票税号错了
            电子发票一直显示开具中
            订单{order}的发票信息有误
        """),
        follow_neu=_lines("""
            税号是必须填的吗||公司抬头需要填写税号，个人抬头不需要
            专票是寄纸质的吗||是的，专票开具后会单独寄出纸质发票
            换开需要多久||换开一般1-2个工作日完成
            可以发到我邮箱吗||可以的，电子发票会发送到您预留的邮箱
            好的，我去发票中心申请||好的，提交后这边会尽快处理
        """),
        follow_neg=_lines("""
            我报销都过期了
            你们开票也太慢了
            怎么每次都要重新提交
        """),
        core_q=_lines("""
            发票到底什么时候能开？
            我就问发票什么时候给我
            所以发票什么时候开出来？
        """),
        bot=_lines("""
            电子发票可在【订单详情】-【查看发票】中下载，如需换开请在【发票中心】申请
        """),
        solve=_lines("""
            电子发票会在订单完成后开具，您可以在【订单详情】-【查看发票】下载
            增值税专用发票需要提供公司名称、税号、开户行及账号等信息，可以在发票中心申请
            已经帮您重新开具了电子发票，会发送到您预留的邮箱
            发票抬头可以修改，订单完成后180天内都可以申请换开
        """),
        info=_lines("""
            专票开具后会随包裹或单独寄出
            换开一般1-2个工作日完成
            个人抬头不需要税号
        """),
        promise_kinds=("handle",),
        promise_rate=0.12,
    ),
    "price_protection": IntentPhrases(
        ask=_lines("""
            买了{days}天就降价了，可以价保吗
            你们家支持价保吗
            价保怎么申请
            我{pdate}买的{product}现在便宜了{diff}块，能退差价吗
            这个是保价30天吗
            双11的价格可以价保吗
            订单{order}降价了，能申请价保吗
        """),
        complain=_lines("""
            刚买完就降价{diff}，你们这不是坑人吗
            申请价保被拒了，什么意思
            我买的时候{price}，现在才{price2}，太失望了
            价保说好的，怎么又不给了
            别家都给价保，你们凭什么不给
        """),
        report=_lines("""
            下单后降价了，想申请价保
            价保申请提交了还没到账
            现在的价格比我买的时候低了{diff}元
        """),
        follow_neu=_lines("""
            差价什么时候退||价保成功后差价会原路退回，一般1-3个工作日
            是退到原来的卡里吗||是的，原路退回到您的支付账户
            那我需要自己申请吗||您可以在【我的】-【价格保护】里一键申请，这边也可以帮您提交
            以后降价还能再申请吗||同一订单在价保周期内只能申请一次哦
        """),
        follow_neg=_lines("""
            这不就是欺骗消费者吗
            早知道就晚点买了，后悔
            一点都不合理
        """),
        core_q=_lines("""
            到底能不能价保？
            我就问能不能退差价
            所以差价给不给退？
        """),
        bot=_lines("""
            京东自营商品支持价保服务，可在【我的】-【价格保护】中一键申请哦
        """),
        solve=_lines("""
            您的商品在价保周期内，可以申请价保，差价会原路退回
            这边看到您下单价格是{price}，现在活动价{price2}，已经帮您提交价保申请
            很抱歉，这次降价属于限时秒杀活动，不在价保范围内
            价保需要在签收后30天内申请，您的订单已经超过价保期了
        """),
        info=_lines("""
            价保成功后差价会原路退回
            同一订单只能申请一次价保哦
            优惠券部分不参与价保计算
        """),
        promise_kinds=("refund",),
        promise_rate=0.2,
    ),
    "presale_question": IntentPhrases(
        ask=_lines("""
            {name}有现货吗
            这款{product}和上一代有什么区别
            {product}支持分期吗
            现在下单什么时候能发货
            有没有优惠券
            这个是正品吗
            能便宜点吗
            {name}有几种颜色
            送不送赠品
            {product}质保多久
            双11还会再降吗
            这个是京东自营的吗
            可以买延保吗
            {name}的尺寸是多少
            有没有现货啊 想今天下单
            跟{brand}官方旗舰店的是一样的吗
            {product}能用国补吗
            买两件有优惠吗
        """),
        complain=_lines("""
            问了半天没人回，还买不买了
            详情页写的和你说的不一样，到底哪个对
            价格一天一变，太坑了
            昨天还{price}，今天就涨价了，什么意思
        """),
        report=_lines("""
            下单的时候显示无货
            加入购物车后价格变了
        """),
        follow_neu=_lines("""
            那我现在下单吧||好的，下单后会尽快为您发货
            有赠品吗||目前下单有赠品，以商品页面展示为准
            好的，我再考虑一下||好的，有需要可以再来咨询
            支持以旧换新吗||支持的，在商品页选择以旧换新就可以
            能送货上门吗||可以的，京东物流送货上门
            可以开发票吗||可以的，下单后可以在订单里开具电子发票
            这个保修多久||全国联保，保修一年
            不同颜色价格一样吗||不同颜色价格是一样的
        """),
        follow_neg=_lines("""
            那算了，不太想买了
            这么贵还没赠品
            说了半天也没说清楚
        """),
        core_q=_lines("""
            到底有没有货？
            我就问有没有现货
            所以现在能不能买？
        """),
        bot=_lines("""
            商品参数可在详情页【规格参数】中查看，如需咨询请直接描述您的问题哦
        """),
        solve=_lines("""
            这款{name}目前有现货，今天下单明天就能送到
            具体参数可以在商品详情页的【规格参数】里查看，我也可以帮您解答
            目前有满减活动，叠加优惠券到手价{price}
            支持购买延保服务，可以选1年或2年
            京东自营发货，支持七天无理由退货，可以放心购买
            这款有{color}和{color2}两个颜色可选
        """),
        info=_lines("""
            支持12期免息分期
            正品行货，全国联保
            下单后可以在订单里开具电子发票
            满299元包邮
        """),
        promise_kinds=("callback",),
        promise_rate=0.02,
    ),
    "refund_progress": IntentPhrases(
        ask=_lines("""
            退款什么时候到账
            我的退款进度怎么样了
            退货已经寄回去了，什么时候退款
            退款是退到哪里
            订单{order}退款显示成功了，怎么还没收到
            退款要几天啊
            申请的退款审核通过了吗
        """),
        complain=_lines("""
            退货寄回去{days}天了，钱还没退
            说好的退款呢？一直拖
            退款一直显示处理中，你们到底退不退
            钱退不回来，我要急死了
            退个款这么慢，太失望了
            {price}的退款拖了{days}天，什么意思
        """),
        report=_lines("""
            退款显示成功但是银行卡没收到
            退货仓库已经签收了，退款还没到
            退款金额不对，少退了{diff}元
            订单{order}的退款一直没到账
        """),
        follow_neu=_lines("""
            是原路退回吗||是的，原路退回到您的支付账户
            信用卡的话要多久||信用卡一般3-7个工作日到账，以银行处理为准
            退款成功会有短信吗||退款成功后会有短信通知
            好的，那我再等等||好的，有进展会及时通知您
        """),
        follow_neg=_lines("""
            一直说在处理
            钱都压着不给退
            再这么拖下去我真的生气了
        """),
        core_q=_lines("""
            钱到底什么时候退？
            我就问什么时候退款
            所以退款什么时候到账？
        """),
        bot=_lines("""
            退款进度可在【我的订单】-【退款/售后】中查看，原路退回一般1-7个工作日到账
        """),
        solve=_lines("""
            查询到您的退款已经处理成功，退款金额{price}已原路退回，银行到账需要1-3个工作日
            您的退货商品仓库已签收，正在质检中，质检完成后会为您退款
            已经帮您催促财务处理了
            退款会原路退回到您的支付账户，信用卡到账时间稍长一些
        """),
        info=_lines("""
            退款成功后会有短信通知
            到账时间以银行处理为准
            退款明细可以在订单详情里看到
        """),
        promise_kinds=("refund", "callback"),
        promise_rate=0.35,
    ),
    "wrong_or_missing_item": IntentPhrases(
        ask=_lines("""
            买了两件怎么只收到一件
            收到的颜色和我买的不一样
            赠品没收到，正常吗
            是不是分开发货的
            包裹里少了说明书
            发的型号好像不对，我买的是{name}
            E|订单{order}少了一个配件
        """),
        complain=_lines("""
            发错货了！我买的{name}，给我发的什么东西
            少发了{qty}件，你们仓库怎么干活的
            收到的是空盒子，太离谱了
            赠品说好送的，结果什么都没有，被坑了
            E|外包装都破了，里面还少了配件
            发错两次了，真的很失望
        """),
        report=_lines("""
            收到的商品和订单不一致
            包裹里少了一件
            E|配件少了一个
            外包装破损，里面东西还在但是有划痕
            订单{order}只收到{qty}件
        """),
        follow_neu=_lines("""
            需要我拍照吗||麻烦拍一下收到的商品和外包装照片
            照片发你了||照片收到了，这边帮您核实
            那是补发还是退款||两种都可以，您看倾向哪一种
            补发大概几天到||补发的商品一般2-3天送达
            错发的东西需要寄回吗||错发的商品会安排快递上门取回，您不需要承担费用
        """),
        follow_neg=_lines("""
            我还得自己跑一趟寄回去？
            这么简单的事都能出错
            浪费我时间
        """),
        core_q=_lines("""
            少的那件到底什么时候补发？
            我就问什么时候给我补发
            所以到底补不补发？
        """),
        bot=_lines("""
            如收到商品有错发漏发，请在【申请售后】中选择“少件/错件”并上传照片哦
        """),
        solve=_lines("""
            非常抱歉，麻烦您拍一下收到的商品和外包装照片，我们核实一下
            核实了一下确实是仓库发错货了，给您补发一件，运费由我们承担
            少件的情况可能是分开包裹发货，另一个包裹单号是{tracking}
            已经为您登记补发，服务单号{ticket}
        """),
        info=_lines("""
            错发的商品会安排快递上门取回
            补发的商品一般2-3天送达
            您不需要承担任何费用
        """),
        promise_kinds=("handle", "refund"),
        promise_rate=0.3,
    ),
    "after_sales_repair": IntentPhrases(
        ask=_lines("""
            {product}坏了能修吗
            保修期内维修收费吗
            怎么申请售后维修
            可以上门维修吗
            {name}过了保修期还能修吗
            维修要多久
            买了延保怎么用
            附近有售后网点吗
            {product}{fault}，在保修范围吗
        """),
        complain=_lines("""
            送修{days}天了还没修好
            修了两次还是{fault}，你们到底会不会修
            维修还要收费？才买了半年
            师傅上门检测完就走了，一直没下文
            修好寄回来又坏了，真的太失望了
        """),
        report=_lines("""
            {product}{fault}，需要维修
            送修的{product}还没寄回来
            维修进度一直没更新
            {product}过保了，{fault}，想问下维修费用
        """),
        follow_neu=_lines("""
            维修期间有备用机吗||部分网点提供备用机，具体以网点为准
            需要我自己寄过去吗||不需要，可以预约快递上门取件送修
            维修费大概多少||保修期内非人为损坏是免费的，过保的话需要检测后报价
            好的，那我等师傅联系||嗯嗯，师傅会提前和您联系
        """),
        follow_neg=_lines("""
            修这么久，还不如买个新的
            每次都说在修，到底修好没有
            一点都不省心
        """),
        core_q=_lines("""
            到底什么时候能修好？
            我就问什么时候修好
            所以什么时候给我寄回来？
        """),
        bot=_lines("""
            售后维修可在【客户服务】-【维修】中提交申请，支持上门取件送修哦
        """),
        solve=_lines("""
            您的商品还在保修期内，可以免费维修
            可以申请上门取件送修，维修周期一般是7-15个工作日
            您购买了延保服务，本次维修不收取费用
            已经为您提交维修申请，服务单号{ticket}
            符合以换代修条件的话，可以直接给您换新
        """),
        info=_lines("""
            维修进度可以在服务单里查看
            维修完成后会给您寄回
            非人为损坏都在保修范围内
        """),
        promise_kinds=("visit", "handle", "callback"),
        promise_rate=0.35,
    ),
    "coupon_unusable": IntentPhrases(
        ask=_lines("""
            这个优惠券为什么用不了
            领的券结算时不显示，怎么回事
            满300减50的券能用在{name}上吗
            优惠券和满减可以叠加吗
            PLUS会员券怎么用不了
            券显示不可用是什么原因
            下单时优惠券没自动勾选
            双11的券怎么不能用在{product}上
        """),
        complain=_lines("""
            领了优惠券结果用不了，耍人呢
            明明满足条件了，券就是用不了
            优惠券用不了，白等双11了
            你们的券是摆设吗
            券突然失效了，太坑了
            结算的时候券没了，不太满意
        """),
        report=_lines("""
            优惠券显示无法使用
            下单后优惠券没抵扣
            券在有效期内但是结算时用不了
        """),
        follow_neu=_lines("""
            那能补一张券吗||这边帮您申请补发一张同面额的券
            已经付款了还能用券吗||已付款订单不能再使用优惠券
            哪些商品可以用这个券||点击券面可以查看可用商品范围
            好的，我重新下单试试||好的，重新下单时记得勾选优惠券
        """),
        follow_neg=_lines("""
            那我还买什么
            活动规则写得这么复杂，谁看得懂
            一点诚意都没有
        """),
        core_q=_lines("""
            这券到底能不能用？
            我就问券为什么用不了
            所以券到底怎么用？
        """),
        bot=_lines("""
            优惠券使用规则可在【我的】-【优惠券】中点击券面查看，部分商品不参与用券哦
        """),
        solve=_lines("""
            这张优惠券是指定品类券，您购买的商品不在使用范围内
            优惠券需要满足满减门槛才能使用，您的订单金额还差一点
            查询到您的券已经过期了，这边给您补发一张同面额的券
            系统升级导致部分用户券无法使用，技术同事正在处理
        """),
        info=_lines("""
            补发的券可以在【我的优惠券】中查看
            优惠券和满减活动可以叠加使用
            已付款订单不能再使用优惠券
        """),
        promise_kinds=("handle", "callback"),
        promise_rate=0.12,
    ),
    "battery_swelling": IntentPhrases(
        ask=_lines("""
            {product}电池有点鼓是正常的吗
            电池鼓包能换吗
            换电池要多少钱
            {name}电池鼓包在保修范围吗
            电池好像鼓起来了，还能用吗
        """),
        complain=_lines("""
            {product}电池鼓包了，后盖都顶起来了
            才用了几个月电池就鼓包，太吓人了
            电池鼓包这么危险的问题，你们怎么解释
            {name}电池鼓了，屏幕都被顶开了，急死了
            买的{product}电池鼓包，不敢用了，太失望了
        """),
        report=_lines("""
            {product}电池鼓包了，需要处理
            发现{product}电池有点鼓起来了
            电池鼓包，边框都变形了
        """),
        follow_neu=_lines("""
            现在还能充电吗||不建议继续充电，请您立即停止使用
            换电池要多久||网点更换一般当天就可以完成
            需要送到售后网点吗||可以送到附近网点，也可以预约上门取件
            数据会丢吗||更换电池不会影响数据，建议您先备份一下
        """),
        follow_neg=_lines("""
            这要是炸了谁负责
            我现在都不敢用了
            质量也太差了
        """),
        core_q=_lines("""
            电池到底怎么处理？
            我就问能不能换
            所以电池给不给换？
        """),
        bot=_lines("""
            如发现电池鼓包请立即停止使用和充电，并通过【申请售后】提交检测哦
        """),
        solve=_lines("""
            电池鼓包存在安全隐患，请您立即停止使用和充电
            这种情况在保修期内可以免费更换电池
            已经为您提交加急检测，服务单号{ticket}
        """),
        info=_lines("""
            更换电池不会影响数据
            建议您先备份一下数据
            检测确认后会直接为您更换
        """),
        promise_kinds=("callback", "visit"),
        promise_rate=0.45,
    ),
}

_BANKS = ("ask", "complain", "report", "follow_neu", "follow_neg", "core_q", "bot", "solve", "info")


def _variant(ip: IntentPhrases, device: bool) -> IntentPhrases:
    def keep(bank: tuple[str, ...]) -> tuple[str, ...]:
        kept = tuple(x.removeprefix("E|") for x in bank if device or not x.startswith("E|"))
        return kept or tuple(x.removeprefix("E|") for x in bank)

    kinds = ip.promise_kinds if device else tuple(k for k in ip.promise_kinds if k != "visit") or ("handle",)
    return IntentPhrases(**{b: keep(getattr(ip, b)) for b in _BANKS}, promise_kinds=kinds, promise_rate=ip.promise_rate)


_VARIANTS = {(name, device): _variant(ip, device) for name, ip in INTENTS.items() for device in (True, False)}


def intent_phrases(intent: str, device: bool) -> IntentPhrases:
    """The banks of `intent` for a device (repairable / installable / battery) or other goods."""
    return _VARIANTS[intent, device]


BASE_INTENTS: tuple[str, ...] = (
    "logistics_delay",
    "return_exchange",
    "quality_fault",
    "installation",
    "invoice",
    "price_protection",
    "presale_question",
    "refund_progress",
    "wrong_or_missing_item",
    "after_sales_repair",
)
NEW_INTENTS: tuple[str, ...] = ("coupon_unusable", "battery_swelling")

# --- customer, generic ----------------------------------------------------------------------

PREFIX_NEU = (
    "在吗？",
    "在吗",
    "再吗",
    "你好，",
    "您好，",
    "你好 ",
    "hello，",
    "hi ",
    "亲，",
    "客服你好，",
    "客服在吗？",
    "麻烦问一下，",
    "请问一下，",
    "打扰一下，",
    "咨询一下，",
    "问一下哈，",
    "请问",
)
PREFIX_NEG = ("客服！", "有人吗？", "人呢？", "在不在？", "你好，", "我说，", "搞什么啊，", "怎么回事啊，", "喂，")
SUFFIX_NEU = ("？", "🙏", "，谢谢", "，谢谢啦", "，麻烦了", "～", "，急用🙏", "，比较着急", "？？", "，thx")
SUFFIX_NEG = ("😡", "！！", "😭", "，气死了", "，真的无语", "！！！", "，太离谱了", "，急死了", "🤬", "，赶紧给我处理")
SUFFIX_POS = ("👍", "😊", "～", "！", "哈哈", "🙏")
ZAI_MA = ("在吗", "在吗？", "再吗", "有人吗", "hello", "你好", "在不在", "客服")

GENERIC_NEU = _lines("""
    好的，那需要多久||一般1-3个工作日，有进展会短信通知您
    嗯嗯，我明白了，那接下来怎么办||您不需要额外操作，等待处理结果就可以
    需要我提供什么资料吗||不需要的，这边已经帮您登记好了
    那我等你们通知||好的，有进展会及时通知您
    这个要我自己操作吗||不用的，这边帮您操作就可以
    能不能帮我备注一下||可以的，已经帮您备注了
    OK，那我这边需要做什么||您保持电话畅通就可以
""")
GENERIC_NEG = _lines("""
    你们怎么回事啊
    之前的客服也是这么说的
    一直让我等
    这个处理方式我不太满意
    说了等于没说
    你们效率也太低了吧
    我已经很有耐心了
    能不能给个准话
    都几天了还是这样
    这样处理一点都不合理
""")
GENERIC_POS = _lines("""
    那挺好的
    好的，这样可以
    嗯嗯这个方案可以
    太好了
    可以可以，效率挺高
    行，那就这么办
    这个还不错
""")
END_POS = _lines("""
    好的，谢谢！
    好滴 谢谢啦
    解决了，非常感谢
    效率挺高的，给你们点赞
    虽然等了挺久，但是客服态度很好，谢谢
    行，辛苦了
    OK 谢谢
    thx
    好的好的 麻烦了 谢谢
    其实也没有不好，就是有点担心，现在放心了，谢谢
    明白了，谢谢你的耐心解答
    太好了，问题解决了
    好的，给你好评
    感谢感谢，服务很到位
    非常满意，谢谢
    没问题了，谢谢你
""")
END_NEU = _lines("""
    好的
    嗯嗯 知道了
    行吧，那我等等看
    还行吧
    OK
    那我先等等
    收到
    好，那我明天再看看
    嗯
    好吧，那就这样吧
    知道了，我再看看
""")
# answers to the agent's "anything else?" (ending pattern B)
END_B_POS = ("没有了，谢谢！", "没了没了，谢谢", "没有了，辛苦啦", "没有啦，谢谢你")
END_B_NEU = ("没有了", "没了", "暂时没有了", "嗯，没了")
# praise that turns an ordinary question into a POSITIVE opener
PREFIX_POS = (
    "你们家东西一直挺好的，",
    "老顾客了，一直很信任你们，",
    "之前买的很满意，",
    "你们服务一直不错👍 ",
    "上次买的用着很好，",
    "朋友推荐来的，口碑很好，",
)
END_NEG = _lines("""
    算了，不太满意
    你们这服务一点都不快
    虽然你态度还行，但是问题根本没解决
    说了等于白说
    太失望了
    什么破服务，算了
    无语，就这样吧
    真的很失望，以后不会再买了
    问了半天还是没解决
    行吧，反正也没指望你们
    一点都不靠谱
    还是没解决啊，不太满意
""")
END_ESC = _lines("""
    我要去12315投诉你们
    不解决我就给差评，还要去消协投诉
    我要曝光你们
    再不处理我就找律师起诉
    我要投诉你们客服
    我已经打12315了
    不给个说法我就发到网上曝光
    等着差评吧
    今天不处理我就去工商局投诉
""")
ESC_CALM_END = _lines("""
    好吧，那我再等等看
    行吧，那我等你们消息
    那先这样吧，我等结果
""")
REACT_FORBIDDEN = _lines("""
    你这什么态度？
    你们客服就这样说话的？服了
    什么态度啊
""")
HR_NEU = ("转人工", "人工客服", "转人工客服，谢谢", "我要人工服务", "帮我找人工", "能转人工吗", "有没有真人啊")
HR_NEG = (
    "别让机器人回了，转人工！",
    "转人工！！！",
    "听不懂人话吗，人工客服！",
    "我要真人客服😡",
    "人工客服！人工客服！",
)
DETAIL_NEU = _lines("""
    订单号{order}
    订单编号：{order}
    订单号是{order}
    是这个订单{order}
    订单号是{order}，商品编号{sku}
    订单{order}，{pdate}下的单，付了{price}
    订单号{order}，快递单号{tracking}
    单号{order}，买了{qty}件
""")
DETAIL_NEG = _lines("""
    订单号{order}，赶紧查
    订单{order}，都{days}天了
    订单号{order}，你们自己看看怎么回事
    {pdate}买的，订单号{order}，快点处理
""")
# (lead, tail) around a PII value: generic ones, plus ones that only fit some intents
_PII_LEADS_GENERIC: dict[str, tuple[tuple[str, str], ...]] = {
    "PHONE": (("我电话", ""), ("手机号", "，有事打这个"), ("联系电话：", ""), ("打我电话", "就行"), ("我的手机是", "")),
    "LANDLINE": (("座机", "也可以"), ("打我们公司座机", ""), ("白天打", "找我")),
    "ID_CARD": (("身份证号", ""), ("实名信息：", "")),
    "BANK_CARD": (("银行卡号", ""), ("我的卡号是", "")),
    "EMAIL": (("邮箱是", ""), ("发到", "就行")),
    "ADDRESS": (("地址是", ""), ("我家在", "")),
}
_PII_LEADS_EXTRA: dict[tuple[str, ...], dict[str, tuple[tuple[str, str], ...]]] = {
    ("installation", "after_sales_repair", "battery_swelling"): {
        "PHONE": (("我的手机是", "，师傅来之前打给我"),),
        "ADDRESS": (("我家在", "，麻烦师傅上门"), ("上门地址：", "")),
    },
    ("logistics_delay", "return_exchange", "wrong_or_missing_item"): {
        "PHONE": (("收货电话改成", ""),),
        "ADDRESS": (("收货地址改成", ""), ("送到", "")),
    },
    ("invoice",): {
        "EMAIL": (("发票发我邮箱", ""),),
        "ID_CARD": (("我的身份证是", "，开发票要用"),),
    },
    ("refund_progress", "price_protection"): {
        "BANK_CARD": (("退到这张卡：", ""), ("我的卡号是", "，麻烦退到这张卡")),
    },
}


def _pii_leads(intent: str) -> dict[str, tuple[tuple[str, str], ...]]:
    leads = dict(_PII_LEADS_GENERIC)
    for intents, extra in _PII_LEADS_EXTRA.items():
        if intent in intents:
            for kind, more in extra.items():
                leads[kind] = leads[kind] + more
    return leads


PII_LEADS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {i: _pii_leads(i) for i in (*BASE_INTENTS, *NEW_INTENTS)}

# follow-up conversations about an earlier promise ({promise} is the earlier commitment phrase)
BROKEN_OPENERS: dict[str, tuple[str, ...]] = {
    "callback": _lines("""
        上次说{promise}，到现在都没人联系我
        还没人联系我啊，说好的回电呢
        你们说会有专员打电话给我，等到现在也没有
        订单{order}，上次客服说会回电，结果一直没人联系我
    """),
    "visit": _lines("""
        师傅到现在都没来
        说好的师傅上门，结果一天都没人来
        订单{order}，约好的师傅人呢？
        上次说{promise}，到现在都没来，白请了一天假
    """),
    "refund": _lines("""
        说好的退款呢？
        上次说{promise}，钱到现在还没到账
        订单{order}的退款说好几天内到账，到现在都没收到
        退款到现在还没到，上次客服明明说好了的
    """),
    "handle": _lines("""
        上次说{promise}，到现在都没消息
        我之前反馈的问题到底处理了没有，一直没人回复
        订单{order}，说好的处理结果呢？
    """),
}
KEPT_OPENERS: dict[str, tuple[str, ...]] = {
    "callback": ("上次的问题专员已经回电了，想再确认一下后续", "订单{order}，之前有专员联系过我了，想再问一下"),
    "visit": ("师傅已经上门处理好了，想问下保修卡在哪里", "订单{order}，师傅上次来过了，想再问个问题"),
    "refund": ("上次的退款已经到账了，想问下发票还要退回吗", "订单{order}的退款收到了，想再确认一下金额"),
    "handle": ("上次反馈的问题已经处理好了，想再问一下后续", "订单{order}之前的问题已经有结果了，想确认一下"),
}

TYPO_RULES: tuple[tuple[str, str], ...] = (
    ("在吗", "再吗"),
    ("什么", "神马"),
    ("怎么", "肿么"),
    ("没有", "木有"),
    ("东西", "东东"),
    ("好的", "好滴"),
    ("谢谢", "谢啦"),
    ("这样", "酱紫"),
    ("为什么", "为啥"),
    ("是不是", "系不系"),
    ("一下", "一哈"),
    ("吗", "嘛"),
)

# --- agent -----------------------------------------------------------------------------------

AGENT_NICKS = ("小美", "小京", "小雪", "阿杰", "小白", "小米", "晓晓", "小唐", "可可", "小宇", "安安", "小林")
AGENT_GREETING = _lines("""
    您好，很高兴为您服务～
    亲，您好，我是客服{nick}，很高兴为您服务
    您好，欢迎咨询{shop}，我是{nick}
    您好呀，这里是{shop}客服
    亲亲您好～
    您好，我是{nick}，请问有什么可以帮您？
    你好，很高兴为您服务
    您好，{nick}为您服务
""")
AGENT_GREETING_ASR = _lines("""
    您好，{shop}客服，工号{agent_no}，很高兴为您服务
    您好，这里是{shop}客服中心，请问有什么可以帮您
    您好，客服{agent_no}号为您服务
""")
AGENT_ASK_ORDER = _lines("""
    麻烦提供一下订单号哦
    请问是哪个订单呢？方便发一下订单号吗
    麻烦您发一下订单编号，这边帮您查询
    请您提供一下订单号，我这边帮您核实
    方便提供下订单号吗
""")
AGENT_ASK_DETAIL = _lines("""
    请问具体是什么情况呢
    能描述一下具体问题吗，方便的话拍个照片
    请问您想了解哪方面呢
""")
AGENT_CHECK = _lines("""
    稍等，我帮您查一下
    请稍等，正在为您查询
    收到，马上为您查看
    好的，这边帮您核实一下，请稍候
    我看一下，请稍等
""")
AGENT_CURT_FIRST = _lines("""
    订单号发一下
    什么问题
    说吧，什么事
    单号多少
    嗯，什么情况
    发订单号
""")
AGENT_EMPATHY = _lines("""
    非常抱歉给您带来困扰，我马上帮您处理
    理解您的心情，这边已经帮您备注加急了
    实在抱歉让您久等了，我再帮您催一下
    给您添麻烦了，真的很抱歉
    您先别着急，我这边帮您跟进
    非常理解您的感受，我这边尽力帮您解决
""")
AGENT_ACK = _lines("""
    好的，明白了
    收到
    嗯嗯，了解了
    好的，这边看到了
    是的
""")
AGENT_POS_REPLY = _lines("""
    好的，那就按这个方案帮您处理
    嗯嗯，那这边就帮您安排了
    好的，有进展会通知您
""")
AGENT_THANKS_REPLY = _lines("""
    不客气，这是我们应该做的
    不用客气哈
    能帮到您就好
""")
AGENT_VAGUE = _lines("""
    这边已经在处理了，请您耐心等待
    已经帮您反馈了，请您再等等
    这个需要等相关部门的处理结果
    这边正在跟进中
""")
AGENT_ESC_CALM = _lines("""
    非常抱歉，您先别着急，我这边马上帮您升级处理
    理解您的心情，这个问题我会帮您反馈给专门的团队跟进
    实在抱歉，我这边给您申请优先处理
""")
AGENT_AFTER_PII = _lines("""
    好的，已经帮您备注了
    收到，信息已经登记
    好的，这边已经记录下来了
""")
AGENT_CLOSING = _lines("""
    请问还有其他可以帮您的吗？
    祝您生活愉快～
    感谢您的耐心，祝您购物愉快
    如果还有问题随时联系我们哦，再见
    还有其他问题可以随时找我哈，祝您生活愉快
    感谢您的理解与支持，祝您生活愉快
    好的，那不打扰您了，再见
""")
AGENT_CLOSING_SORRY = _lines("""
    非常抱歉没能让您满意，我们会继续跟进，请问还有其他可以帮您的吗
    再次向您致歉，后续有进展会及时通知您，祝您生活愉快
    给您带来不好的体验非常抱歉，有问题随时联系我们
""")
AGENT_CLOSING_QUESTION = _lines("""
    请问还有其他可以帮您的吗？
    还有其他需要帮忙的吗？
    请问还有其他问题吗
""")
AGENT_CLOSING_BYE = _lines("""
    好的，祝您生活愉快，再见～
    感谢您的咨询，祝您生活愉快
    那不打扰您了，再见
""")
AGENT_CURT_LAST = _lines("""
    嗯
    好的
    已经备注了
    行
    嗯嗯
    知道了
""")
AGENT_FORBIDDEN = _lines("""
    这个我也不知道，你自己看订单页面吧
    没办法，规定就是这样
    爱买不买
    你不会自己查吗？订单页面都写着
    这不归我管，你找快递去
    系统就这样，我也没办法
    说了多少遍了，你问我我问谁
    不知道，等着吧
""")
AGENT_ABSOLUTE = _lines("""
    我保证明天给您送到
    这个绝对没问题，您放心
    百分百是正品
    肯定不会再出问题了
    放心，一定给您处理好
    100%能退
    放心，一定给您送到
""")
AGENT_EXTREME = _lines("""
    这款是我们店卖得最好的
    现在是全网最低价了
    这是国家级认证的顶级品质
    我们的售后服务是行业第一
    史上最低价，错过就没有了
    这是目前最先进的技术
""")
# agent turns that read personal data back: each template has one or two {PHONE}/{ADDRESS} holes
AGENT_LEAK = (
    ("跟您核对一下，收货电话", "PHONE", "，地址", "ADDRESS", "，对吗"),
    ("您登记的地址是", "ADDRESS", "，没错吧"),
    ("这边看到您的手机号是", "PHONE", "，我们会短信通知您"),
)
AGENT_LEAK_SERVICE = (  # only where a technician is involved
    ("安装师傅的电话是", "PHONE", "，您可以直接联系他"),
    ("师傅的手机号", "PHONE", "，您有问题可以直接打给他"),
)

PROMISE_FRAMES: dict[str, tuple[str, ...]] = {
    "callback": ("我这边已经帮您升级处理，{p}，请保持电话畅通", "已经给您提交了工单，{p}"),
    "visit": ("已经帮您预约好了，{p}，上门前会先电话联系您", "{p}，请您保持电话畅通"),
    "refund": ("已经帮您提交退款申请，{p}", "退款已经审核通过，{p}"),
    "handle": ("已经给您提交了加急工单，{p}", "这边已经反馈给相关部门，{p}"),
}
# (phrase, due rule) — rules are resolved in dialogue._due()
PROMISE_PHRASES: dict[str, tuple[tuple[str, str], ...]] = {
    "callback": (
        ("24小时内会有专员给您回电", "h24"),
        ("2小时内给您回电话", "h2"),
        ("明天上午给您回电话", "tomorrow_noon"),
        ("1个工作日内给您回电", "bd1"),
    ),
    "visit": (
        ("明天安排师傅上门", "tomorrow_end"),
        ("48小时内安排师傅上门", "h48"),
        ("后天上午安排师傅上门", "day2_noon"),
    ),
    "refund": (
        ("3个工作日内退款到账", "bd3"),
        ("1-3个工作日内原路退回", "bd3"),
        ("24小时内退款到账", "h24"),
        ("5个工作日内退款到账", "bd5"),
    ),
    "handle": (
        ("48小时内给您处理完毕", "h48"),
        ("72小时内给您处理结果", "h72"),
        ("1个工作日内给您答复", "bd1"),
        ("24小时内给您处理", "h24"),
    ),
}

# --- bot / system ----------------------------------------------------------------------------

BOT_WELCOME = _lines("""
    您好，我是智能客服小京，请问有什么可以帮您？
    欢迎光临～我是智能助手，请描述您的问题
    您好，请选择您要咨询的问题：1.物流查询 2.退换货 3.发票 4.其他，回复数字即可
    Hi～我是AI助手小智，您可以直接输入问题哦
""")
BOT_CONFUSED = _lines("""
    抱歉，小京没有理解您的意思，您可以换个说法试试哦
    小京还在学习中，暂时无法回答这个问题～
    不好意思，没有找到相关答案，请尝试描述得更具体一些
""")
BOT_MENU = _lines("""
    猜您想问：1.如何查看物流 2.如何申请退货 3.发票问题，回复数字即可
    您可以点击下方菜单选择问题类型：【物流】【售后】【发票】
""")
SYSTEM_TRANSFER = _lines("""
    已为您转接人工客服，请稍候
    系统：已为您转接人工客服
    当前排队人数{queue}人，已为您转接人工客服
    人工客服{nick}已接入
    会话已转接至人工客服
""")

SHOPS_EXTRA = ("京东自营", "京东自营", "京东自营", "{brand}官方旗舰店", "{brand}京东自营旗舰店", "{brand}专卖店")
COLORS = ("黑色", "白色", "银色", "蓝色", "灰色", "粉色", "绿色", "金色")
CITIES = (
    "北京",
    "上海",
    "广州",
    "深圳",
    "武汉",
    "成都",
    "杭州",
    "郑州",
    "西安",
    "南京",
    "天津",
    "沈阳",
    "廊坊",
    "嘉兴",
)
