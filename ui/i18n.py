"""English / 简体中文: every label, segment name and chart title, plus number and date formats.

Words follow shared/GLOSSARY.md so one idea always has one name. ``t(key)`` looks a key up in the
current language (``st.session_state["lang"]``); unknown keys fall back to English, then the key.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pandas as pd

LANGUAGES = {"en": "English", "zh": "简体中文"}

_T: dict[str, tuple[str, str]] = {
    # app and navigation
    "app_title": ("ValueScope", "ValueScope 客户价值分析"),
    "app_subtitle": ("Customer value analytics", "客户价值分析"),
    "group_dashboards": ("Dashboards", "仪表盘"),
    "group_analysis": ("Segment analysis", "细分分析"),
    "group_customers": ("Customers and data", "客户与数据"),
    "page_overview": ("Overview", "总览"),
    "page_rfm": ("RFM segments", "RFM 客户细分"),
    "page_abc": ("ABC / Pareto", "ABC 分类 / 帕累托分析"),
    "page_clv": ("CLV and value tiers", "客户终身价值与价值分层"),
    "page_churn": ("Churn risk", "流失风险"),
    "page_clusters": ("Clusters (K-means)", "聚类分群 (K 均值)"),
    "page_loyalty": ("Loyalty programme", "忠诚度计划"),
    "page_lookup": ("Customer lookup", "客户查询"),
    "page_data": ("Data", "数据"),
    # sidebar
    "language": ("Language", "语言"),
    "data_source": ("Data source", "数据源"),
    "source_demo": ("Insurer demo", "保险公司演示数据"),
    "source_cdnow": ("CDNOW (retail, real data)", "CDNOW（零售真实数据）"),
    "source_upload": ("Uploaded file", "上传的文件"),
    "source_database": ("Database", "数据库"),
    "as_of": ("As-of date", "分析基准日"),
    "filters": ("Filters", "筛选"),
    "customer_type": ("Customer type", "客户类型"),
    "channel": ("Channel", "渠道"),
    "region": ("Region", "地区"),
    "product_line": ("Product line", "产品线"),
    "all": ("All", "全部"),
    "customers_in_view": ("{n} customers in view", "当前视图 {n} 位客户"),
    "preparing_demo": (
        "Preparing the insurer demo database (first start only)...",
        "正在生成保险公司演示数据库（仅首次启动）……",
    ),
    "loading": ("Loading data...", "正在加载数据……"),
    "computing": ("Computing scores...", "正在计算评分……"),
    # common
    "customers": ("Customers", "客户数"),
    "share": ("Share", "占比"),
    "spend": ("Spend", "消费金额"),
    "premium": ("Premium", "保费"),
    "total_spend": ("Total spend", "消费总额"),
    "mean_spend": ("Mean spend", "平均消费金额"),
    "clv": ("Customer lifetime value (CLV)", "客户终身价值 (CLV)"),
    "clv_short": ("CLV", "CLV"),
    "mean_clv": ("Mean CLV", "平均 CLV"),
    "p_alive": ("Probability alive", "存活概率"),
    "expected_purchases": ("Expected purchases", "预期购买次数"),
    "churn_risk": ("Churn risk", "流失风险"),
    "segment": ("Segment", "客户细分"),
    "value_tier": ("Value tier", "价值分层"),
    "abc_class": ("ABC class", "ABC 类别"),
    "cluster": ("Cluster", "聚类"),
    "recency": ("Recency (R)", "最近一次消费 (R)"),
    "frequency": ("Frequency (F)", "消费频率 (F)"),
    "monetary": ("Monetary (M)", "消费金额 (M)"),
    "days_since_last": ("Days since last purchase", "距上次消费天数"),
    "purchase_days": ("Purchase days", "消费天数"),
    "download_csv": ("Download CSV", "下载 CSV"),
    "download_segment": ("Download segment", "下载细分客户"),
    "download_all": ("Download all", "下载全部"),
    "choose_segment": ("Segment to download", "选择要下载的细分"),
    "month": ("Month", "月份"),
    "value": ("Value", "价值"),
    "value_share": ("Value share", "价值占比"),
    "customer_share": ("Customer share", "客户占比"),
    "member": ("Member", "会员"),
    "non_member": ("Non-member", "非会员"),
    "no_customers": (
        "No customers match the filters. Widen the filters in the sidebar.",
        "没有符合筛选条件的客户，请在侧边栏放宽筛选条件。",
    ),
    "page_failed": (
        "This part of the page could not be drawn ({error}). The rest of the dashboard still works.",
        "页面此部分无法显示（{error}），仪表盘其余部分仍可使用。",
    ),
    "rows_per_page": ("Rows per page", "每页行数"),
    "page_n": ("Page", "页码"),
    "of_pages": ("of {n}", "共 {n} 页"),
    # overview
    "kpi_customers": ("Customers", "客户数"),
    "kpi_active": ("Active in last 90 days", "近 90 天活跃"),
    "kpi_spend12": ("Spend, last 12 months", "近 12 个月消费"),
    "kpi_vs_prior": ("vs prior 12 months", "较前 12 个月"),
    "kpi_mean_clv": ("Mean CLV", "平均 CLV"),
    "kpi_high_risk": ("At high churn risk", "高流失风险占比"),
    "kpi_uptake": ("Loyalty uptake", "会员入会率"),
    "tier_mix": ("Value-tier mix", "价值分层构成"),
    "spend_trend": ("Monthly spend", "月度消费金额"),
    "segment_mix": ("Segment mix", "客户细分构成"),
    "churn_by_tier": ("Churn risk by value tier", "各价值分层的流失风险"),
    "concentration_line": (
        "The top {top} of customers bring {value} of {basis}.",
        "前 {top} 的客户贡献了 {value} 的{basis}。",
    ),
    # rfm
    "rfm_mode": ("Scoring mode", "评分方式"),
    "mode_quantile": ("Quantiles", "分位数"),
    "mode_threshold": ("Thresholds", "阈值"),
    "mode_mean": ("Eight classes (split at the mean)", "八类客户（按均值划分）"),
    "bins": ("Number of bins", "分箱数"),
    "edges": ("Bin edges (value <= edge falls in the bin)", "分箱边界（数值 <= 边界归入该箱）"),
    "edges_r": ("R: days since last purchase", "R：距上次消费天数"),
    "edges_f": ("F: purchase days", "F：消费天数"),
    "edges_m": ("M: total spend", "M：消费总额"),
    "edges_invalid": (
        "Edges must be {n} strictly ascending numbers: {error}",
        "边界须为 {n} 个严格递增的数字：{error}",
    ),
    "rules": ("Segment rules (first match wins)", "细分规则（按顺序首个匹配生效）"),
    "rules_reset": ("Reset rules to the preset", "恢复预设规则"),
    "rule_checker": ("Rule checker", "规则检查"),
    "rule_ok": ("Every score cell is covered exactly once.", "每个评分单元都被恰好覆盖一次。"),
    "rule_overlap": (
        "Overlap: {a} and {b} share {n} cells ({a} wins).",
        "重叠：{a} 与 {b} 共享 {n} 个单元（{a} 优先）。",
    ),
    "rule_never": ("Never fires: {name}", "永不触发：{name}"),
    "rule_uncovered": ("Not covered: {n} cells, e.g. {cells}", "未覆盖：{n} 个单元，例如 {cells}"),
    "rules_invalid": (
        "Some rules are incomplete and were ignored: {rows}",
        "部分规则不完整，已忽略：{rows}",
    ),
    "rf_heatmap": ("R x F grid", "R x F 矩阵"),
    "heat_customers": ("Customers", "客户数"),
    "heat_spend": ("Mean spend", "平均消费金额"),
    "segment_table": ("Segments", "客户细分"),
    "rule_name": ("Segment", "细分名称"),
    "r_min": ("R from", "R 下限"),
    "r_max": ("R to", "R 上限"),
    "f_min": ("F from", "F 下限"),
    "f_max": ("F to", "F 上限"),
    "m_min": ("M from", "M 下限"),
    "m_max": ("M to", "M 上限"),
    # abc
    "abc_basis": ("Value basis", "价值依据"),
    "a_cut": ("A cut-off (share of value)", "A 类界限（价值占比）"),
    "b_cut": ("B cut-off (share of value)", "B 类界限（价值占比）"),
    "pareto_chart": ("Pareto chart", "帕累托图"),
    "cumulative_share": ("Cumulative share", "累计占比"),
    "lorenz": ("Lorenz curve", "洛伦兹曲线"),
    "gini": ("Gini coefficient", "基尼系数"),
    "equality": ("Equality", "完全平均"),
    "abc_table": ("ABC classes", "ABC 分类"),
    "download_class": ("Download class", "下载类别客户"),
    "customers_ranked": ("Customers, ranked by value", "按价值排序的客户"),
    # clv
    "model_settings": ("Model settings", "模型设置"),
    "unit": ("Time unit", "时间单位"),
    "unit_D": ("Days", "天"),
    "unit_W": ("Weeks", "周"),
    "unit_M": ("Months", "月"),
    "horizon": ("Horizon (months)", "预测期（月）"),
    "discount": ("Annual discount rate", "年折现率"),
    "model": ("Purchase model", "购买模型"),
    "fit_status": ("Fit", "模型拟合"),
    "fit_ok": ("The models fitted.", "模型拟合成功。"),
    "fit_rfm_only": ("No CLV model: {message}", "无 CLV 模型：{message}"),
    "fit_no_spend": ("Spend model unavailable: {message}", "消费金额模型不可用：{message}"),
    "bgnbd_words": (
        "An active customer buys about {rate} times a year on average (shape r = {r:.3f}, "
        "scale alpha = {alpha:.3f}). After each repeat purchase a customer may lapse; the average "
        "chance is {drop} (a = {a:.3f}, b = {b:.3f}).",
        "活跃客户平均每年购买约 {rate} 次（形状 r = {r:.3f}，尺度 alpha = {alpha:.3f}）。"
        "每次重复购买后客户可能流失，平均概率为 {drop}（a = {a:.3f}，b = {b:.3f}）。",
    ),
    "pareto_words": (
        "Pareto/NBD: purchase rate shape r = {r:.3f}, scale alpha = {alpha:.3f}; lifetime shape "
        "s = {s:.3f}, scale beta = {beta:.3f}.",
        "Pareto/NBD：购买率形状 r = {r:.3f}，尺度 alpha = {alpha:.3f}；生命周期形状 s = {s:.3f}，尺度 beta = {beta:.3f}。",
    ),
    "gg_words": (
        "A repeat purchase is worth {spend} on average across customers (Gamma-Gamma p = {p:.2f}, "
        "q = {q:.2f}, v = {v:.2f}).",
        "每次重复购买的平均金额为 {spend}（Gamma-Gamma p = {p:.2f}，q = {q:.2f}，v = {v:.2f}）。",
    ),
    "fit_sample_note": (
        "Fitted on a seeded sample of {n} customers ({rows} distinct rows) to keep the fit fast.",
        "为保证速度，模型在 {n} 位客户的随机样本（{rows} 个不同行）上拟合。",
    ),
    "bgnbd_one_timers": (
        "BG/NBD treats customers who bought only once as still active (P(alive) = 1); Pareto/NBD does not.",
        "BG/NBD 假设仅购买一次的客户仍然存活（存活概率 = 1）；Pareto/NBD 没有这一假设。",
    ),
    "backtest": ("Backtest", "回测"),
    "calibration_end": ("Calibration period ends", "校准期结束"),
    "holdout_end": ("Holdout period ends", "验证期结束"),
    "run_backtest": ("Run backtest", "运行回测"),
    "holdout_after_calibration": (
        "The holdout period must end after the calibration period.",
        "验证期必须在校准期之后结束。",
    ),
    "actual": ("Actual", "实际"),
    "predicted": ("Predicted", "预测"),
    "mae": ("Mean absolute error per customer", "每位客户平均绝对误差"),
    "actual_total": ("Actual repeat purchases", "实际重复购买次数"),
    "predicted_total": ("Predicted repeat purchases", "预测重复购买次数"),
    "backtest_by_frequency": (
        "Holdout purchases by calibration frequency",
        "按校准期频率的验证期购买次数",
    ),
    "calibration_frequency": ("Repeat purchases in calibration", "校准期重复购买次数"),
    "mean_purchases": ("Mean purchases per customer", "每位客户平均购买次数"),
    "deciles": ("Decile lift", "十分位提升度"),
    "decile": ("Decile (1 = highest predicted)", "十分位（1 = 预测最高）"),
    "lift": ("Lift", "提升度"),
    "matrix_expected": (
        "Expected purchases by frequency and recency",
        "按频率与最近消费的预期购买次数",
    ),
    "matrix_alive": ("Probability alive by frequency and recency", "按频率与最近消费的存活概率"),
    "clv_distribution": ("CLV distribution", "CLV 分布"),
    "tier_shares": (
        "Tier shares (Platinum, Gold, Silver; Bronze is the rest)",
        "分层占比（铂金、黄金、白银；其余为青铜）",
    ),
    "tier_table": ("Value tiers", "价值分层"),
    "top_customers": ("Top customers by CLV", "CLV 最高的客户"),
    "download_tier": ("Download tier", "下载分层客户"),
    "clv_unavailable": (
        "CLV is unavailable for this data, so value tiers use total spend.",
        "当前数据无法计算 CLV，价值分层改用消费总额。",
    ),
    # churn
    "band_cuts": ("Band cut-offs (churn risk)", "风险等级界限（流失风险）"),
    "risk_distribution": ("Churn risk distribution", "流失风险分布"),
    "risk_by": ("Churn risk by", "流失风险维度"),
    "mean_churn_risk": ("Mean churn risk", "平均流失风险"),
    "high_risk_share": ("Share at high risk", "高风险占比"),
    "value_at_risk": ("Value at risk", "风险价值（潜在流失价值）"),
    "expected_loss": ("Expected value lost", "预期流失价值"),
    "action_list": ("Action list: valuable customers at high risk", "行动清单：高价值高风险客户"),
    "download_band": ("Download band", "下载风险等级客户"),
    "churn_unavailable": (
        "Churn risk needs a purchase model, which could not be fitted: {message}",
        "流失风险需要购买模型，但模型无法拟合：{message}",
    ),
    # clusters
    "features": ("Features", "特征"),
    "k": ("Number of clusters (k)", "聚类数 (k)"),
    "suggested_k": ("Suggested k = {k} (highest silhouette score)", "建议 k = {k}（轮廓系数最高）"),
    "silhouette": ("Silhouette score", "轮廓系数"),
    "inertia": ("Inertia", "簇内误差平方和"),
    "profiles": ("Cluster profiles", "聚类画像"),
    "cluster_names": ("Cluster names (editable)", "聚类名称（可编辑）"),
    "scatter": ("Customers in two dimensions (sample)", "客户二维分布（抽样）"),
    "download_cluster": ("Download cluster", "下载聚类客户"),
    "feature_recency": ("Recency", "最近一次消费"),
    "feature_frequency": ("Frequency", "消费频率"),
    "feature_monetary": ("Spend", "消费金额"),
    "feature_clv": ("CLV", "CLV"),
    "feature_p_alive": ("Probability alive", "存活概率"),
    # loyalty
    "uptake_over_time": ("Uptake over time", "入会率趋势"),
    "uptake": ("Uptake", "入会率"),
    "members": ("Members", "会员数"),
    "new_members": ("New members", "新会员"),
    "uptake_by": ("Uptake by", "入会率维度"),
    "members_vs": (
        "Members vs non-members (observed, not causal)",
        "会员与非会员对比（观察结果，非因果）",
    ),
    "programme_tiers": ("Programme tier mix", "会员等级构成"),
    "no_loyalty": (
        "This data source has no loyalty programme table.",
        "当前数据源没有忠诚度计划数据。",
    ),
    # lookup
    "customer_id": ("Customer id", "客户编号"),
    "find": ("Find a customer by id", "按客户编号查找"),
    "not_found": (
        "No customer with id {id} in the current view.",
        "当前视图中没有编号为 {id} 的客户。",
    ),
    "history": ("Purchase history", "购买记录"),
    "pii": ("Personal information (masked)", "个人信息（已脱敏）"),
    "contacts": ("Call-centre contacts", "呼叫中心联络记录"),
    "no_contacts": ("No call-centre contacts.", "无呼叫中心联络记录。"),
    "contact_at": ("Contacted", "联络时间"),
    "contact_channel": ("Contact channel", "联络渠道"),
    "contact_reason": ("Reason", "原因"),
    "satisfaction": ("Satisfaction", "满意度"),
    "mean_satisfaction": ("Mean satisfaction (1-5)", "平均满意度（1-5）"),
    "pii_revealed": ("Personal information", "个人信息"),
    "scores": ("Scores", "评分"),
    "examples": ("Examples: {ids}", "示例：{ids}"),
    # data page
    "active_source": ("Active source", "当前数据源"),
    "load_report": ("Load report", "加载报告"),
    "rows_read": ("Rows read", "读取行数"),
    "rows_used": ("Rows used", "使用行数"),
    "duplicates": ("Duplicates", "重复"),
    "rejected": ("Rejected", "拒绝"),
    "reason": ("Reason", "原因"),
    "reason_missing_customer_id": ("Missing customer id", "缺少客户编号"),
    "reason_bad_date": ("Bad date", "日期无效"),
    "reason_bad_amount": ("Bad amount", "金额无效"),
    "download_rejects": ("Download rejected rows", "下载被拒绝的行"),
    "download_duplicates": ("Download duplicate rows", "下载重复行"),
    "upload": ("Upload", "上传"),
    "upload_help": (
        "CSV (UTF-8 or GBK), Excel .xlsx or Parquet, at most {mb} MB. One row per premium payment.",
        "CSV（UTF-8 或 GBK）、Excel .xlsx 或 Parquet，最大 {mb} MB。每行一笔保费缴纳。",
    ),
    "column_mapping": ("Column mapping", "字段映射"),
    "auto_detect": ("(detect)", "（自动识别）"),
    "use_upload": ("Use this file", "使用此文件"),
    "connect_db": ("Connect a database", "连接数据库"),
    "db_url": ("SQLAlchemy URL", "SQLAlchemy 连接串"),
    "db_table": ("Transactions table", "交易表"),
    "db_customers_table": ("Customers table (optional)", "客户表（可选）"),
    "db_loyalty_table": ("Loyalty members table (optional)", "会员表（可选）"),
    "connect": ("Connect", "连接"),
    "source_error": ("This source cannot be used: {error}", "无法使用该数据源：{error}"),
    "source_loaded": ("Loaded {name}: {rows} rows used.", "已加载 {name}：使用 {rows} 行。"),
    "dictionary": ("Data dictionary", "数据字典"),
    "pii_column": ("personal information", "个人信息"),
    "switch_demo": ("Switch to the insurer demo", "切换到保险公司演示数据"),
    "switch_cdnow": ("Switch to CDNOW", "切换到 CDNOW"),
    "required": ("required", "必填"),
    "optional": ("optional", "可选"),
}

# Names that come from data or from analytics (segments, tiers, bands, classes, ...).
_NAMES: dict[str, str] = {
    "Champions": "冠军客户",
    "Loyal": "忠诚客户",
    "Potential loyalist": "潜在忠诚客户",
    "New": "新客户",
    "Promising": "潜力客户",
    "Need attention": "需要关注",
    "About to sleep": "即将沉睡",
    "Can't lose": "不能失去",
    "At risk": "流失风险客户",
    "Hibernating": "沉睡客户",
    "Important value": "重要价值客户",
    "Important development": "重要发展客户",
    "Important retention": "重要保持客户",
    "Important win-back": "重要挽留客户",
    "General value": "一般价值客户",
    "General development": "一般发展客户",
    "General retention": "一般保持客户",
    "General win-back": "一般挽留客户",
    "Unclassified": "未分类",
    "Platinum": "铂金",
    "Gold": "黄金",
    "Silver": "白银",
    "Bronze": "青铜",
    "low": "低",
    "medium": "中",
    "high": "高",
    "unknown": "未知",
    "individual": "个人客户",
    "organization": "团体客户",
    "agency": "个险（代理人）",
    "bancassurance": "银保",
    "group": "团险",
    "online": "网销",
    "protection": "保障型",
    "savings": "储蓄型",
    "participating": "分红型",
    "investment_linked": "投资连结型",
    "health": "健康险",
    "accident": "意外险",
    "platinum": "铂金",
    "gold": "黄金",
    "silver": "白银",
    "bronze": "青铜",
    "member": "会员",
    "non-member": "非会员",
    "total_spend": "消费总额",
    "clv": "CLV",
    "bgnbd": "BG/NBD",
    "pareto_nbd": "Pareto/NBD",
    "recent": "近期活跃",
    "lapsed": "久未消费",
    "frequent": "高频",
    "one-off": "单次",
    "low spend": "低消费",
    "mid spend": "中等消费",
    "high spend": "高消费",
    "low CLV": "低 CLV",
    "high CLV": "高 CLV",
    "likely lost": "可能流失",
    "likely active": "可能活跃",
    "average": "一般",
    "policy_inquiry": "保单咨询",
    "payment": "缴费",
    "claim": "理赔",
    "address_change": "地址变更",
    "renewal_reminder": "续期提醒",
    "complaint": "投诉",
    "surrender_request": "退保申请",
    "phone": "电话",
    "wechat": "微信",
    "online_chat": "在线客服",
    "branch": "柜面",
    "new_policy": "新保单",
    "renewal": "续期保费",
    "top_up": "追加保费",
    "refund": "退费",
}
_NAMES_EN = {
    "agency": "Agency",
    "bancassurance": "Bancassurance",
    "group": "Group",
    "online": "Online",
    "individual": "Individual",
    "organization": "Organisation",
    "protection": "Protection",
    "savings": "Savings",
    "participating": "Participating",
    "investment_linked": "Investment-linked",
    "health": "Health",
    "accident": "Accident",
    "low": "Low",
    "medium": "Medium",
    "high": "High",
    "unknown": "Unknown",
    "platinum": "Platinum",
    "gold": "Gold",
    "silver": "Silver",
    "bronze": "Bronze",
    "member": "Member",
    "non-member": "Non-member",
    "total_spend": "Total spend",
    "clv": "CLV",
    "bgnbd": "BG/NBD",
    "pareto_nbd": "Pareto/NBD",
    "policy_inquiry": "Policy inquiry",
    "payment": "Payment",
    "claim": "Claim",
    "address_change": "Address change",
    "renewal_reminder": "Renewal reminder",
    "complaint": "Complaint",
    "surrender_request": "Surrender request",
    "phone": "Phone",
    "wechat": "WeChat",
    "online_chat": "Online chat",
    "branch": "Branch",
    "new_policy": "New policy",
    "renewal": "Renewal premium",
    "top_up": "Top-up",
    "refund": "Refund",
}


def lang() -> str:
    import streamlit as st

    return st.session_state.get("lang", "en")


def t(key: str, language: str | None = None, **values) -> str:
    """The text for ``key`` in the current language, formatted with ``values``."""
    pair = _T.get(key)
    text = key if pair is None else pair[1 if (language or lang()) == "zh" else 0]
    return text.format(**values) if values else text


def name(value: object, language: str | None = None) -> str:
    """A data or analytics name (segment, tier, channel, cluster words ...) in the language."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    if (language or lang()) == "zh":
        if text in _NAMES:
            return _NAMES[text]
        if ", " in text:  # cluster names are comma-joined words
            return "、".join(_NAMES.get(word, word) for word in text.split(", "))
        return text
    return _NAMES_EN.get(text, text)


def names(values, language: str | None = None) -> list[str]:
    return [name(v, language) for v in values]


# --------------------------------------------------------------------------- formats


def fmt_int(value, language: str | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{int(round(value)):,}"


def fmt_pct(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.{digits}f}%"


def fmt_money(
    value, currency: str | None = None, language: str | None = None, compact: bool = True
) -> str:
    """Money for display: CNY as ``¥``; Chinese uses 万 / 亿 for large values, English K / M / B."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    symbol = {"CNY": "¥", "USD": "$"}.get(currency or "", "")
    sign = "-" if value < 0 else ""
    magnitude = abs(float(value))
    if compact and (language or lang()) == "zh":
        for size, unit in ((1e8, "亿"), (1e4, "万")):
            if magnitude >= size:
                return f"{sign}{symbol}{magnitude / size:,.2f}{unit}"
        return (
            f"{sign}{symbol}{magnitude:,.0f}"
            if magnitude >= 100
            else f"{sign}{symbol}{magnitude:,.2f}"
        )
    if compact:
        for size, unit, floor in ((1e9, "B", 1e9), (1e6, "M", 1e6), (1e3, "K", 1e4)):
            if magnitude >= floor:
                return f"{sign}{symbol}{magnitude / size:,.1f}{unit}"
    return (
        f"{sign}{symbol}{magnitude:,.0f}" if magnitude >= 100 else f"{sign}{symbol}{magnitude:,.2f}"
    )


def fmt_date(value, language: str | None = None) -> str:
    if value is None or (not isinstance(value, (date, datetime)) and pd.isna(value)):
        return "–"
    stamp = pd.Timestamp(value)
    if (language or lang()) == "zh":
        return f"{stamp.year}年{stamp.month}月{stamp.day}日"
    return stamp.strftime("%d %b %Y")


def basis_words(basis: str, language: str | None = None) -> str:
    """The value basis inside a sentence ("total spend", "CLV")."""
    text = name(basis, language)
    return text if (language or lang()) == "zh" or text.isupper() else text.lower()


def namer():
    """A ``format_func`` for data names, bound to the language of this run (Streamlit may call
    a widget's ``format_func`` outside the run, where the session's language is unknown)."""
    language = lang()
    return lambda value: name(value, language)


def labeler(prefix: str):
    """A ``format_func`` for interface keys ``prefix + value``, bound to this run's language."""
    language = lang()
    return lambda value: t(f"{prefix}{value}", language)
