"""English / 简体中文: every word of the interface, and the wording of codes from below.

Words follow shared/GLOSSARY.md so one idea always has one name. ``t(key)`` looks a key up in the
current language (``st.session_state["lang"]``); ``name(code)`` words a code that comes from the
data or from ``analytics`` (segments, tiers, bands, channels, cluster words ...);
:func:`describe_error` words a :class:`analytics._validate.CodedError`. ``analytics/`` and
``data/`` never return sentences for people: this module is where they become words.
"""

from __future__ import annotations

import math
import string

LANGUAGES = {"en": "English", "zh": "简体中文"}

_T: dict[str, tuple[str, str]] = {
    # app and navigation
    "app_title": ("ValueScope", "ValueScope"),
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
    "source_scored": ("Scored table: {name}", "评分结果表：{name}"),
    "unit_fixed": (
        "A scored table keeps the time unit it was scored in.",
        "评分结果表保留评分时所用的时间单位。",
    ),
    "source_unavailable": (
        "The deployment's source {name} is not available; the insurer demo is shown instead.",
        "部署设定的数据源 {name} 不可用，现显示保险公司演示数据。",
    ),
    "reason_duplicate_customer": (
        "Same customer id again (the first row is used)",
        "客户编号重复（采用第一行）",
    ),
    "scored_no_payments": (
        "This source is a scored table (one row per customer, no payments), such as a Spark "
        "run's output: this part needs the payments.",
        "此数据源是评分结果表（每位客户一行，无缴费明细），例如 Spark 运行的输出：这部分需要缴费明细。",
    ),
    "source_upload": ("Uploaded file", "上传的文件"),
    "source_database": ("Database", "数据库"),
    "as_of": ("As-of date", "分析基准日"),
    "as_of_help": (
        "Scores use purchases up to this date; later payments are ignored.",
        "评分只使用此日期及之前的消费，之后的缴费不计入。",
    ),
    "filters": ("Filters", "筛选"),
    "customer_type": ("Customer type", "客户类型"),
    "channel": ("Channel", "渠道"),
    "region": ("Region", "地区"),
    "city": ("City", "城市"),
    "product_line": ("Product line", "产品线"),
    "product_line_first": ("First product line", "首购产品线"),
    "all": ("All", "全部"),
    "customers_in_view": ("{n} customers in view", "当前视图 {n} 位客户"),
    "url_reset": (
        "Some values in the link were not valid and were reset to their defaults: {keys}.",
        "链接中的部分参数无效，已恢复为默认值：{keys}。",
    ),
    "preparing_demo": (
        "Preparing the insurer demo database (first start only)...",
        "正在生成保险公司演示数据库（仅首次启动）……",
    ),
    "demo_generating": ("generating customers and payments", "正在生成客户与缴费记录"),
    "demo_writing": ("writing the demo database", "正在写入演示数据库"),
    "demo_ready": ("demo database ready", "演示数据库已就绪"),
    "computing": ("Computing scores...", "正在计算评分……"),
    # common
    "customers": ("Customers", "客户数"),
    "share": ("Share", "占比"),
    "spend": ("Spend", "消费金额"),
    "premium": ("Premium", "保费"),
    "total_spend": ("Total spend", "消费总额"),
    "spend_12m": ("Spend, last 12 months", "近 12 个月消费"),
    "mean_spend": ("Mean spend", "平均消费金额"),
    "clv": ("Customer lifetime value (CLV)", "客户终身价值 (CLV)"),
    "clv_short": ("CLV", "CLV"),
    "mean_clv": ("Mean CLV", "平均 CLV"),
    "p_alive": ("Probability alive", "存活概率"),
    "mean_p_alive": ("Mean probability alive", "平均存活概率"),
    "expected_purchases": ("Expected purchases", "预期购买次数"),
    "churn_risk": ("Churn risk", "流失风险"),
    "churn_band": ("Churn risk band", "流失风险等级"),
    "segment": ("Segment", "客户细分"),
    "value_tier": ("Value tier", "价值分层"),
    "abc_class": ("ABC class", "ABC 类别"),
    "cluster": ("Cluster", "聚类"),
    "recency": ("Recency (R)", "最近一次消费 (R)"),
    "frequency": ("Frequency (F)", "消费频率 (F)"),
    "monetary": ("Monetary (M)", "消费金额 (M)"),
    "days_since_last": ("Days since last purchase", "距上次消费天数"),
    "spend_12m_short": ("12-month spend", "近 12 个月消费"),
    "purchase_days": ("Purchase days", "消费天数"),
    "premium_at_risk": ("Premium at risk (12 months)", "潜在流失保费（12 个月）"),
    "premium_at_risk_short": ("Premium at risk", "潜在流失保费"),
    "premium_at_risk_share": ("Risk share", "潜在流失保费占比"),
    "premium_at_risk_share_help": (
        "This group's share of the premium at risk of all groups.",
        "该组潜在流失保费占全部潜在流失保费的比例。",
    ),
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
        "This part of the page could not be drawn. The rest of the dashboard still works.",
        "页面此部分无法显示，仪表盘其余部分仍可使用。",
    ),
    "page_n": ("Page", "页码"),
    "of_pages": ("of {n}", "共 {n} 页"),
    "rows_range": ("{first}–{last} of {n}", "第 {first}–{last} 行，共 {n} 行"),
    "model_details": ("Model details", "模型详情"),
    # downloads
    "download_group": ("{what} “{group}”", "{what}“{group}”"),
    "download_all_of": ("All customers in view", "当前视图全部客户"),
    "download_csv_label": ("{what} · CSV ({n})", "{what} · CSV（{n} 位）"),
    "download_xlsx_label": ("{what} · Excel ({n})", "{what} · Excel（{n} 位）"),
    "download_rows_csv": ("{what} · CSV ({n} rows)", "{what} · CSV（{n} 行）"),
    "download_rows_xlsx": ("{what} · Excel ({n} rows)", "{what} · Excel（{n} 行）"),
    "download_row_csv": ("{what} · CSV (1 row)", "{what} · CSV（1 行）"),
    "download_row_xlsx": ("{what} · Excel (1 row)", "{what} · Excel（1 行）"),
    "excel_too_large": (
        "Excel downloads hold at most {n} rows; download this group as CSV.",
        "Excel 下载最多 {n} 行，请以 CSV 下载该组客户。",
    ),
    "choose_segment": ("Segment to download", "选择要下载的细分"),
    "choose_class": ("Class to download", "选择要下载的类别"),
    "choose_tier": ("Tier to download", "选择要下载的分层"),
    "choose_band": ("Risk band to download", "选择要下载的风险等级"),
    "choose_cluster": ("Cluster to download", "选择要下载的聚类"),
    "what_segment": ("Segment", "细分"),
    "what_class": ("ABC class", "ABC 类别"),
    "what_tier": ("Value tier", "价值分层"),
    "what_band": ("Churn risk", "流失风险"),
    "what_cluster": ("Cluster", "聚类"),
    "what_actions": ("Action list", "行动清单"),
    "what_top_clv": ("Top 500 by CLV", "CLV 前 500 名"),
    "what_rejects": ("Rejected rows", "被拒绝的行"),
    "what_duplicates": ("Duplicate rows", "重复行"),
    # tooltips of figures that appear on several pages
    "help_segment": (
        "The first segment rule (RFM page) this customer's R, F and M scores match.",
        "该客户的 R、F、M 评分首先匹配的细分规则（见 RFM 客户细分页面）。",
    ),
    "help_value_tier": (
        "Rank by CLV: Platinum is the top {platinum}, Gold the next {gold}, Silver the next {silver}, Bronze the rest.",
        "按 CLV 排名：前 {platinum} 为铂金，其后 {gold} 为黄金，再后 {silver} 为白银，其余为青铜。",
    ),
    "help_abc_class": (
        "A: the most valuable customers who together bring {a} of the value; B: up to {b}; C: the rest.",
        "A 类：合计贡献 {a} 价值的最有价值客户；B 类：累计至 {b}；C 类：其余客户。",
    ),
    "help_churn_risk": (
        "1 − the probability that the customer is still active ({model}), as of the as-of date.",
        "1 − 截至分析基准日客户仍处于活跃状态的概率（{model} 模型）。",
    ),
    "help_clv": (
        "Expected premiums over the next {horizon} months, discounted at {rate} a year.",
        "未来 {horizon} 个月的预期保费，按年折现率 {rate} 折现。",
    ),
    "help_rows_read": (
        "Data rows in the source, header excluded.",
        "数据源中的数据行数（不含表头）。",
    ),
    "help_rows_used": ("Rows that became transactions.", "成为有效交易的行数。"),
    "help_duplicates": (
        "Rows repeating an earlier row's transaction id; the first is kept.",
        "交易编号与之前某行重复的行，只保留第一行。",
    ),
    "help_rejected": (
        "Rows without a customer id, a readable date or a readable amount; download them below.",
        "缺少客户编号、日期或金额无法识别的行，可在下方下载。",
    ),
    "help_backtest_actual": (
        "Repeat purchase days in the holdout period of customers who bought in the calibration period.",
        "校准期内有购买的客户在验证期内的重复购买天数。",
    ),
    "help_backtest_predicted": (
        "What the model fitted on the calibration period expected for the holdout period.",
        "在校准期拟合的模型对验证期的预测值。",
    ),
    "help_mae": (
        "Mean over customers of the gap between predicted and actual holdout purchases.",
        "各客户验证期预测购买次数与实际次数之差的平均绝对值。",
    ),
    "help_satisfaction": (
        "Mean of the customer's call-centre satisfaction scores (1 = very dissatisfied, 5 = very satisfied).",
        "该客户呼叫中心满意度评分的平均值（1 = 非常不满意，5 = 非常满意）。",
    ),
    # overview
    "kpi_customers": ("Customers", "客户数"),
    "kpi_customers_help": (
        "Customers with at least one purchase up to the as-of date, under the sidebar's filters.",
        "截至分析基准日至少消费过一次的客户（受侧边栏筛选条件限制）。",
    ),
    "kpi_active": ("Active in last 90 days", "近 90 天活跃"),
    "kpi_active_help": (
        "Customers whose last purchase is at most 90 days before the as-of date; the small figure is their share.",
        "最近一次消费距分析基准日不超过 90 天的客户；小字为其占比。",
    ),
    "kpi_spend12": ("Spend, last 12 months", "近 12 个月消费"),
    "kpi_spend12_help": (
        "Premiums paid in the 12 months up to the as-of date (refunds not deducted). The change compares the last 12 calendar months with the 12 before, shown only when the data covers both years.",
        "分析基准日前 12 个月内缴纳的保费（未扣除退费）。变化为最近 12 个自然月与之前 12 个月的对比，仅在数据完整覆盖这两年时显示。",
    ),
    "kpi_vs_prior": ("{change} YoY", "{change}（同比）"),
    "kpi_mean_clv": ("Mean CLV", "平均 CLV"),
    "kpi_mean_clv_help": (
        "Mean customer lifetime value: expected premiums over the next {horizon} months, discounted at {rate} a year ({model} + Gamma-Gamma).",
        "平均客户终身价值：未来 {horizon} 个月的预期保费，按年折现率 {rate} 折现（{model} + Gamma-Gamma 模型）。",
    ),
    "kpi_high_risk": ("At high churn risk", "高流失风险占比"),
    "kpi_high_risk_help": (
        "Share of customers whose churn risk (1 − probability alive, {model}) is at least {cut}.",
        "流失风险（1 − 存活概率，{model} 模型）不低于 {cut} 的客户占比。",
    ),
    "kpi_premium_at_risk": ("Premium at risk", "潜在流失保费"),
    "kpi_premium_at_risk_help": (
        "Churn risk × each customer's spend in the last 12 months, summed: what the book is expected to lose next year if nothing is done.",
        "每位客户的流失风险 × 其近 12 个月消费之和：若不采取行动，明年预计流失的保费。",
    ),
    "kpi_uptake": ("Loyalty uptake", "会员入会率"),
    "kpi_uptake_help": (
        "Share of customers enrolled in the loyalty programme by the as-of date.",
        "截至分析基准日已加入忠诚度计划的客户占比。",
    ),
    "tier_mix": ("Value-tier mix", "价值分层构成"),
    "spend_trend": ("Monthly spend", "月度消费金额"),
    "segment_mix": ("Segment mix", "客户细分构成"),
    "churn_by_tier": ("Churn risk by value tier", "各价值分层的流失风险"),
    "concentration_line": (
        "The top {top} of customers bring {value} of {basis}.",
        "前 {top} 的客户贡献了 {value} 的{basis}。",
    ),
    "models_disagree": (
        "The two purchase models disagree here: {model} puts {share} of customers at high churn risk, {other} puts {other_share}. Compare their backtests on the CLV page before acting on these figures.",
        "两种购买模型的结论差异较大：{model} 认为 {share} 的客户处于高流失风险，{other} 认为是 {other_share}。请先在客户终身价值页面比较两者的回测结果，再依据这些数字行动。",
    ),
    "comparing_models": (
        "Checking whether {other} agrees…",
        "正在与 {other} 模型比较……",
    ),
    "models_agree": (
        "{other} gives a similar picture ({other_share} at high churn risk).",
        "{other} 模型的结论相近（高流失风险占比 {other_share}）。",
    ),
    # rfm
    "rfm_mode": ("Scoring mode", "评分方式"),
    "mode_quantile": ("Quantiles", "分位数"),
    "mode_threshold": ("Thresholds", "阈值"),
    "mode_mean": ("Eight classes (split at the mean)", "八类客户（按均值划分）"),
    "bins": ("Number of bins", "分箱数"),
    "edges": (
        "Bin edges, ascending: a value up to the first edge falls in the first bin, up to the second in the second, and so on. F and M score the bin's number; R scores the other way round (the most recent bin scores highest).",
        "分箱边界（递增）：不超过第一个边界的数值归入第 1 箱，不超过第二个边界的归入第 2 箱，依此类推。F 与 M 的评分即箱号；R 反向评分（最近的一箱得分最高）。",
    ),
    "edges_r": ("R: days since last purchase", "R：距上次消费天数"),
    "edges_f": ("F: purchase days", "F：消费天数"),
    "edges_m": ("M: total spend", "M：消费总额"),
    "edges_suggested": ("Suggested from the data: {edges}", "根据数据建议：{edges}"),
    "edges_invalid": (
        "{dimension} edges must be {n} strictly ascending numbers; the suggested edges are used instead.",
        "{dimension} 的边界须为 {n} 个严格递增的数字，已改用建议边界。",
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
        "Some rules are incomplete and were ignored: rows {rows}",
        "部分规则不完整，已忽略：第 {rows} 行",
    ),
    "rf_heatmap": ("R × F grid", "R × F 矩阵"),
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
    "mean_days_since_last": ("Mean days since last purchase", "平均距上次消费天数"),
    "mean_frequency": ("Mean repeat purchases", "平均重复购买次数"),
    # abc
    "abc_basis": ("Value basis", "价值依据"),
    "a_cut": ("A cut-off (share of value)", "A 类界限（价值占比）"),
    "b_cut": ("B cut-off (share of value)", "B 类界限（价值占比）"),
    "abc_metric": ("Class {cls}", "{cls} 类客户"),
    "abc_metric_delta": ("{share} of {basis}", "占{basis} {share}"),
    "abc_metric_help": (
        "Share of customers in class {cls}; the small figure is their share of {basis}.",
        "{cls} 类客户占全部客户的比例；小字为其占{basis}的比例。",
    ),
    "gini_help": (
        "0 = every customer brings the same value; close to 1 = a few customers bring almost all of it.",
        "0 表示每位客户贡献相同；越接近 1 表示少数客户贡献了几乎全部价值。",
    ),
    "pareto_chart": ("Pareto chart", "帕累托图"),
    "pareto_bar_value": ("{basis} per {n} customers", "每 {n} 位客户的{basis}"),
    "cumulative_share": ("Cumulative share", "累计占比"),
    "lorenz": ("Lorenz curve", "洛伦兹曲线"),
    "gini": ("Gini coefficient", "基尼系数"),
    "equality": ("Equality", "完全平均"),
    "customers_ranked": ("Customers, ranked by value", "按价值排序的客户"),
    # clv
    "unit": ("Time unit", "时间单位"),
    "unit_D": ("Days", "天"),
    "unit_W": ("Weeks", "周"),
    "unit_M": ("Months", "月"),
    "horizon": ("Horizon (months)", "预测期（月）"),
    "discount": ("Annual discount rate", "年折现率"),
    "model": ("Purchase model", "购买模型"),
    "fit_ok": ("The models fitted.", "模型拟合成功。"),
    "fit_rfm_only": (
        "No purchase model could be fitted: {reason} RFM and spend are shown without CLV.",
        "无法拟合购买模型：{reason}以下仅显示 RFM 与消费金额，不含 CLV。",
    ),
    "fit_no_spend": (
        "The spend model is unavailable: {reason} CLV uses each customer's observed mean spend.",
        "消费金额模型不可用：{reason}CLV 改用每位客户的实际平均消费金额。",
    ),
    "reason_few_repeat_customers": (
        "only {repeat} customers bought more than once (at least {needed} are needed).",
        "只有 {repeat} 位客户有重复购买（至少需要 {needed} 位）。",
    ),
    "reason_no_convergence": (
        "the optimiser did not converge.",
        "优化算法未收敛。",
    ),
    "reason_few_spend_customers": (
        "only {repeat} repeat customers with positive spend (at least {needed} are needed).",
        "只有 {repeat} 位重复购买客户的消费金额为正（至少需要 {needed} 位）。",
    ),
    "reason_spend_no_convergence": (
        "the Gamma-Gamma fit did not converge.",
        "Gamma-Gamma 模型拟合未收敛。",
    ),
    "reason_spend_heavy_tail": (
        "spend is too heavy-tailed for a finite average (q = {q}).",
        "消费金额分布尾部过重，平均值不存在（q = {q}）。",
    ),
    "read_purchases": (
        "While active, a customer buys about **{rate}** times a year.",
        "处于活跃状态的客户平均每年购买约 **{rate}** 次。",
    ),
    "read_dropout": (
        "After each repeat purchase, the chance that a customer stops buying is about **{drop}**.",
        "每次重复购买后，客户停止购买的概率约为 **{drop}**。",
    ),
    "read_active_after_year": (
        "About **{share}** of new customers are still active a year after their first purchase.",
        "约 **{share}** 的新客户在首次购买一年后仍处于活跃状态。",
    ),
    "read_mean_spend": (
        "A repeat purchase is worth **{spend}** on average.",
        "每次重复购买的平均金额为 **{spend}**。",
    ),
    "read_one_timers": (
        "BG/NBD treats customers who bought only once as still active (probability alive = 100%); Pareto/NBD does not.",
        "BG/NBD 假设仅购买一次的客户仍然存活（存活概率 = 100%）；Pareto/NBD 没有这一假设。",
    ),
    "fit_sample_note": (
        "Fitted on a seeded sample of {n} customers ({rows} distinct rows) to keep the fit fast.",
        "为保证速度，模型在 {n} 位客户的随机样本（{rows} 个不同行）上拟合。",
    ),
    "params_purchase": ("{model} parameters", "{model} 参数"),
    "params_spend": ("Gamma-Gamma parameters", "Gamma-Gamma 参数"),
    "parameter": ("Parameter", "参数"),
    "estimate": ("Estimate", "估计值"),
    "log_likelihood": ("Log-likelihood", "对数似然"),
    "fit_customers": ("Customers fitted", "拟合客户数"),
    "fit_rows": ("Distinct rows fitted", "拟合的不同行数"),
    "backtest": ("Backtest: predicted vs actual purchases", "回测：预测与实际购买次数"),
    "backtest_intro": (
        "Both purchase models are refitted on the calibration period and predict the holdout period's repeat purchases.",
        "两种购买模型均在校准期内重新拟合，并预测验证期内的重复购买次数。",
    ),
    "calibration_end": ("Calibration period ends", "校准期结束"),
    "holdout_end": ("Holdout period ends", "验证期结束"),
    "run_backtest": ("Run backtest", "运行回测"),
    "holdout_after_calibration": (
        "The holdout period must end after the calibration period.",
        "验证期必须在校准期之后结束。",
    ),
    "backtest_model": ("Model", "模型"),
    "actual": ("Actual", "实际"),
    "predicted": ("Predicted", "预测"),
    "mae": ("Mean absolute error per customer", "每位客户平均绝对误差"),
    "actual_total": ("Actual repeat purchases", "实际重复购买次数"),
    "predicted_total": ("Predicted repeat purchases", "预测重复购买次数"),
    "predicted_vs_actual": ("Predicted vs actual", "预测较实际"),
    "backtest_better": (
        "On this data {model} predicted the holdout better (lower mean absolute error).",
        "在当前数据上，{model} 对验证期的预测更准确（平均绝对误差更低）。",
    ),
    "backtest_by_frequency": (
        "Holdout purchases by calibration frequency",
        "按校准期频率的验证期购买次数",
    ),
    "calibration_frequency": ("Repeat purchases in calibration", "校准期重复购买次数"),
    "mean_purchases": ("Mean purchases per customer", "每位客户平均购买次数"),
    "deciles": ("Decile lift", "十分位提升度"),
    "decile": ("Decile (1 = highest predicted)", "十分位（1 = 预测最高）"),
    "matrix_expected": (
        "Expected purchases, next {months} months",
        "未来 {months} 个月预期购买次数",
    ),
    "matrix_alive": ("Probability alive", "存活概率"),
    "matrix_recency": ("Recency ({unit} since first purchase)", "最近消费（距首次购买的{unit}数）"),
    "unit_word_D": ("days", "天"),
    "unit_word_W": ("weeks", "周"),
    "unit_word_M": ("months", "月"),
    "matrix_frequency": ("Repeat purchases", "重复购买次数"),
    "clv_distribution": ("CLV distribution", "CLV 分布"),
    "tail_note": (
        "The last bar also holds every customer above {value} (the top {share}).",
        "最后一个柱也包含 CLV 高于 {value} 的全部客户（最高的 {share}）。",
    ),
    "tier_shares": (
        "Tier shares (Platinum, Gold, Silver; Bronze is the rest)",
        "分层占比（铂金、黄金、白银；其余为青铜）",
    ),
    "tier_table": ("Value tiers", "价值分层"),
    "top_customers": ("Top customers by CLV", "CLV 最高的客户"),
    "clv_unavailable": (
        "CLV is unavailable for this data, so value tiers use total spend.",
        "当前数据无法计算 CLV，价值分层改用消费总额。",
    ),
    # churn
    "band_cuts": ("Band cut-offs (churn risk)", "风险等级界限（流失风险）"),
    "band_metric": ("{band} risk", "{band}风险"),
    "band_metric_value": ("{share} of customers", "{share} 的客户"),
    "band_metric_delta": ("{premium} premium at risk", "潜在流失保费 {premium}"),
    "band_metric_help": (
        "Customers with churn risk {range}; premium at risk = churn risk × spend in the last 12 months.",
        "流失风险{range}的客户；潜在流失保费 = 流失风险 × 近 12 个月消费。",
    ),
    "band_range_low": ("below {low}", "低于 {low}"),
    "band_range_medium": ("from {low} to below {high}", "介于 {low} 与 {high} 之间"),
    "band_range_high": ("at least {high}", "不低于 {high}"),
    "band_range_unknown": ("unknown (no purchase model)", "未知（无购买模型）"),
    "risk_distribution": ("Churn risk distribution", "流失风险分布"),
    "risk_by": ("Premium at risk by", "潜在流失保费维度"),
    "premium_at_risk_by": ("Premium at risk by {by}", "按{by}的潜在流失保费"),
    "premium_by_band": ("Premium at risk by risk band", "各风险等级的潜在流失保费"),
    "mean_churn_risk": ("Mean churn risk", "平均流失风险"),
    "high_risk_share": ("Share at high risk", "高风险占比"),
    "action_list": (
        "Action list: Platinum and Gold customers at high risk, most premium at risk first",
        "行动清单：高风险的铂金与黄金客户（按潜在流失保费从高到低）",
    ),
    "churn_unavailable": (
        "Churn risk needs a purchase model, which could not be fitted: {reason}",
        "流失风险需要购买模型，但模型无法拟合：{reason}",
    ),
    # clusters
    "features": ("Features", "特征"),
    "k": ("Number of clusters (k)", "聚类数 (k)"),
    "suggested_k": ("Suggested k = {k} (highest silhouette score)", "建议 k = {k}（轮廓系数最高）"),
    "silhouette": ("Silhouette score", "轮廓系数"),
    "inertia": ("Inertia", "簇内误差平方和"),
    "profiles": ("Cluster profiles", "聚类画像"),
    "cluster_names": ("Cluster names (editable)", "聚类名称（可编辑）"),
    "cluster_number": ("No.", "编号"),
    "cluster_name": ("Name", "名称"),
    "scatter": ("Customers in two dimensions (sample)", "客户二维分布（抽样）"),
    "feature_recency": ("Recency", "最近一次消费"),
    "feature_frequency": ("Frequency", "消费频率"),
    "feature_monetary": ("Spend", "消费金额"),
    "feature_clv": ("CLV", "CLV"),
    "feature_p_alive": ("Probability alive", "存活概率"),
    # loyalty
    "uptake_over_time": (
        "Uptake since the programme's launch",
        "忠诚度计划启动以来的入会率",
    ),
    "uptake": ("Uptake", "入会率"),
    "members": ("Members", "会员数"),
    "new_members": ("New members", "新会员"),
    "uptake_by": ("Uptake by", "入会率维度"),
    "members_vs": (
        "Members vs non-members (observed, not causal)",
        "会员与非会员对比（观察结果，非因果）",
    ),
    "programme_tiers": ("Members by programme tier", "各会员等级的会员数"),
    "programme_tier": ("Programme tier", "会员等级"),
    "group": ("Group", "组别"),
    "no_loyalty": (
        "This data source has no loyalty programme table.",
        "当前数据源没有忠诚度计划数据。",
    ),
    # lookup
    "customer_id": ("Customer id", "客户编号"),
    "find": ("Find a customer by id (or the start of one)", "按客户编号（或编号开头）查找"),
    "matches": ("{n} customers match; choose one", "共 {n} 位客户匹配，请选择"),
    "matches_more": (
        "{n} customers match; the first {shown} are listed. Type more of the id to narrow it.",
        "共 {n} 位客户匹配，仅列出前 {shown} 位，请输入更多编号字符以缩小范围。",
    ),
    "not_found": (
        "No customer id in the current view starts with “{id}”.",
        "当前视图中没有以“{id}”开头的客户编号。",
    ),
    "history": ("Payment history", "缴费记录"),
    "payments": ("Payments", "缴费明细"),
    "transaction_date": ("Date", "日期"),
    "transaction_type": ("Type", "类型"),
    "amount": ("Amount", "金额"),
    "pii": ("Personal information (masked)", "个人信息（已脱敏）"),
    "pii_revealed": ("Personal information", "个人信息"),
    "pii_reveal_toggle": (
        "Show personal information (recorded in the audit log)",
        "显示个人信息（记入审计日志）",
    ),
    "pii_name": ("Name", "姓名"),
    "pii_phone": ("Phone", "电话"),
    "pii_email": ("Email", "电子邮箱"),
    "pii_id_number": ("ID number", "证件号码"),
    "pii_address": ("Address", "地址"),
    "contacts": ("Call-centre contacts", "呼叫中心联络记录"),
    "no_contacts": ("No call-centre contacts.", "无呼叫中心联络记录。"),
    "yes": ("Yes", "是"),
    "no": ("No", "否"),
    "duplicates_preview": ("Duplicate rows (first 200)", "重复行（前 200 行）"),
    "rejected_preview": ("Rejected rows (first 200)", "被拒绝的行（前 200 行）"),
    "contact_at": ("Contacted", "联络时间"),
    "contact_channel": ("Contact channel", "联络渠道"),
    "contact_reason": ("Reason", "原因"),
    "satisfaction": ("Satisfaction", "满意度"),
    "mean_satisfaction": ("Mean satisfaction (1-5)", "平均满意度（1-5）"),
    "scores": ("RFM scores", "RFM 评分"),
    "examples": ("Examples: {ids}", "示例：{ids}"),
    "fact": ("Item", "项目"),
    "fact_value": ("Value", "内容"),
    "membership": ("Loyalty membership", "会员信息"),
    "membership_value": ("since {date} · {tier}", "{date} 入会 · {tier}"),
    "first_purchase": ("First purchase", "首次消费"),
    "last_purchase": ("Last purchase", "最近一次消费"),
    # data page
    "active_source": ("Active source: {name}", "当前数据源：{name}"),
    "load_report": ("Load report", "加载报告"),
    "rows_read": ("Rows read", "读取行数"),
    "rows_used": ("Rows used", "使用行数"),
    "duplicates": ("Duplicates", "重复"),
    "rejected": ("Rejected", "拒绝"),
    "reason": ("Reason", "原因"),
    "source_row": ("Row (header not counted)", "行号（不含表头）"),
    "reason_duplicate": ("Same payment again", "重复的同一笔交易"),
    "reason_duplicate_policy": ("Same policy again", "重复的同一张保单"),
    "reason_conflicting_policy": (
        "Same policy id with other values (the first copy is used)",
        "保单号相同但内容不同（采用第一条）",
    ),
    "reason_conflicting_duplicate": (
        "Same transaction id, other customer, date or amount",
        "交易编号相同，但客户、日期或金额不同",
    ),
    "reason_bad_encoding": ("Text the file's encoding cannot read", "无法按文件编码识别的文字"),
    "reason_missing_customer_id": ("Missing customer id", "缺少客户编号"),
    "reason_bad_date": ("Bad date", "日期无效"),
    "reason_bad_amount": ("Bad amount", "金额无效"),
    "reason_bad_number": ("A count or amount that is not a number", "次数或金额不是有效数字"),
    "reason_missing_policy_id": ("Missing policy id", "缺少保单号"),
    "reason_bad_payment_mode": ("Unknown payment mode", "无法识别的缴费方式"),
    "reason_bad_status": ("Unknown policy status", "无法识别的保单状态"),
    "mapping_line": ("Columns used: {pairs}", "使用的字段：{pairs}"),
    "currency_seen": ("Amounts are in {currency}.", "金额币种：{currency}。"),
    "upload": ("Upload", "上传"),
    "upload_help": (
        "CSV (UTF-8 or GBK), Excel .xlsx or Parquet, at most {mb} MB. One row per premium payment.",
        "CSV（UTF-8 或 GBK）、Excel .xlsx 或 Parquet，最大 {mb} MB。每行一笔保费缴纳。",
    ),
    "upload_label": ("Choose a file", "选择文件"),
    "column_mapping": ("Column mapping", "字段映射"),
    "auto_detect": ("(detect)", "（自动识别）"),
    "mapping_label": ("{column} ({need})", "{column}（{need}）"),
    "preview": ("First rows of the file", "文件前几行"),
    "use_upload": ("Use this file", "使用此文件"),
    "connect_db": ("Connect a database", "连接数据库"),
    "db_url": ("SQLAlchemy URL", "SQLAlchemy 连接串"),
    "db_table": ("Transactions table", "交易表"),
    "db_customers_table": ("Customers table (optional)", "客户表（可选）"),
    "db_loyalty_table": ("Loyalty members table (optional)", "会员表（可选）"),
    "db_policies_table": ("Policies table (optional)", "保单表（可选）"),
    "upload_policies_label": ("Policies file (optional)", "保单文件（可选）"),
    "upload_policies_help": (
        "A table of policies (policy id, customer id, issue date, payment mode, installment "
        "premium, status ...) for the Persistency page; its rows are accounted for like the "
        "payments'.",
        "保单表（保单号、客户编号、承保日期、缴费方式、期缴保费、保单状态等），用于继续率页面；"
        "其每一行与缴费记录一样逐行核对。",
    ),
    "connect": ("Connect", "连接"),
    "source_error": ("This source cannot be used: {error}", "无法使用该数据源：{error}"),
    "source_loaded": ("Loaded {name}: {rows} rows used.", "已加载 {name}：使用 {rows} 行。"),
    "source_loaded_policies": (
        "Loaded {name}: {rows} payment rows and {policies} policies used.",
        "已加载 {name}：使用 {rows} 行缴费记录和 {policies} 张保单。",
    ),
    "conflicting_policies": (
        "{n} policy ids appear again with other values (premium, dates, status ...): the first "
        "copy is used; check the duplicates below.",
        "有 {n} 个保单号重复出现且内容不同（保费、日期、状态等）：已采用第一条，请检查下方的重复行。",
    ),
    "policies_without_payments": (
        "{n} policies belong to customers with no payment in this source: they are kept but no "
        "page can show them.",
        "有 {n} 张保单所属客户在此数据源中没有缴费记录：已保留，但任何页面都无法显示。",
    ),
    "policies_issued_later": (
        "{n} policies are issued after the last payment date ({date}): check their issue dates.",
        "有 {n} 张保单的承保日期晚于最后缴费日期（{date}）：请核对承保日期。",
    ),
    "no_policy_ids": (
        "The payments carry no policy id, so they cannot be matched to the policies table. Add a "
        "policy id column (保单号) to the payments.",
        "缴费记录中没有保单号，无法与保单表对应。请在缴费记录中加入保单号字段。",
    ),
    "dictionary": ("Data dictionary", "数据字典"),
    "dict_table": ("Table", "数据表"),
    "dict_column": ("Column", "字段"),
    "dict_label": ("Meaning", "含义"),
    "dict_type": ("Type", "类型"),
    "dict_note": ("Note", "说明"),
    "dict_aliases": ("also found as {aliases}", "也可识别为 {aliases}"),
    "pii_column": ("personal information", "个人信息"),
    "switch_demo": ("Switch to the insurer demo", "切换到保险公司演示数据"),
    "switch_cdnow": ("Switch to CDNOW", "切换到 CDNOW"),
    "required": ("required", "必填"),
    "optional": ("optional", "可选"),
    "type_text": ("text", "文本"),
    "type_date": ("date", "日期"),
    "type_datetime": ("date and time", "日期时间"),
    "type_number": ("number", "数值"),
    "type_integer": ("whole number", "整数"),
    # errors (codes from data/ and analytics/)
    "error_unreadable_file": ("Cannot read {name}.", "无法读取 {name}。"),
    "error_empty_file": ("{name} is empty.", "{name} 是空文件。"),
    "error_old_xls": (
        "{name} is in the old .xls format; save it as .xlsx or CSV.",
        "{name} 是旧版 .xls 格式，请另存为 .xlsx 或 CSV。",
    ),
    "error_bad_encoding": (
        "The file is neither UTF-8 nor GB18030/GBK text.",
        "文件既不是 UTF-8 也不是 GB18030/GBK 编码的文本。",
    ),
    "error_not_a_table_file": (
        "{name} is not a CSV, Excel .xlsx or Parquet file.",
        "{name} 不是 CSV、Excel .xlsx 或 Parquet 文件。",
    ),
    "error_no_header": ("{name} has no header row.", "{name} 没有表头行。"),
    "error_bad_csv": ("{name} is not a well-formed CSV file.", "{name} 不是格式正确的 CSV 文件。"),
    "error_bad_csv_line": (
        "{name} is not a well-formed CSV file: line {line} has {saw} fields where {expected} were expected.",
        "{name} 不是格式正确的 CSV 文件：第 {line} 行有 {saw} 个字段，应为 {expected} 个。",
    ),
    "error_file_too_large": (
        "{name} is larger than {limit_mb} MB, the most a file may hold; give larger data as Parquet or through a database.",
        "{name} 超过单个文件的上限 {limit_mb} MB；更大的数据请使用 Parquet 文件或数据库。",
    ),
    "error_xlsx_too_large": (
        "{name} is too large to open safely: an Excel file may unpack to at most {limit_mb} MB, and no part of it over {ratio_min_mb} MB may be compressed more than {ratio}:1.",
        "{name} 过大，无法安全打开：Excel 文件解压后最多 {limit_mb} MB，且其中超过 {ratio_min_mb} MB 的部分压缩比不得超过 {ratio}:1。",
    ),
    "error_duplicate_columns": (
        "The column name(s) {names} appear more than once; give each column its own name.",
        "字段名 {names} 出现了不止一次；请为每个字段使用不同的名称。",
    ),
    "error_bad_xlsx": (
        "{name} is not a readable Excel .xlsx file.",
        "{name} 不是可读取的 Excel .xlsx 文件。",
    ),
    "error_bad_parquet": (
        "{name} is not a readable Parquet file.",
        "{name} 不是可读取的 Parquet 文件。",
    ),
    "error_source_changed": (
        "{name} changed after it was read; reload the page to read it again.",
        "{name} 在读取后被修改；请刷新页面以重新读取。",
    ),
    "error_mapped_column_missing": (
        "Column {column} (mapped to {canonical}) is not in the source; found columns: {found}.",
        "数据源中没有字段 {column}（映射为{canonical}）；现有字段：{found}。",
    ),
    "error_policies_missing_columns": (
        "The policies file lacks required column(s): {missing}; found columns: {found}.",
        "保单文件缺少必填字段：{missing}；现有字段：{found}。",
    ),
    "error_missing_columns": (
        "Missing required column(s): {missing}; found columns: {found}.",
        "缺少必填字段：{missing}；现有字段：{found}。",
    ),
    "error_no_rows": (
        "{name} has no data rows; found columns: {found}.",
        "{name} 没有数据行；现有字段：{found}。",
    ),
    "error_table_without_customer_id": (
        "The {table} table has no customer id column; found columns: {found}.",
        "{table}表没有客户编号字段；现有字段：{found}。",
    ),
    "error_bad_url": ("Cannot use this database URL ({url}).", "无法使用该数据库连接串（{url}）。"),
    "error_table_unreadable": (
        "Cannot read table {table} from {url}.",
        "无法从 {url} 读取数据表 {table}。",
    ),
    "error_pushdown_failed": (
        "The summary could not be computed in the database at {url}.",
        "无法在数据库 {url} 中计算汇总。",
    ),
    "error_no_lifetimes": (
        "The lifetimes package, which ships the CDNOW data, is not installed.",
        "未安装 lifetimes 软件包（CDNOW 数据随其提供）。",
    ),
    "error_as_of_before_data": (
        "The as-of date {as_of} is before the first transaction ({first}): there is nothing to score yet.",
        "分析基准日 {as_of} 早于第一笔交易（{first}）：尚无可评分的数据。",
    ),
    "error_no_transactions": (
        "No transaction of this source can be used; the Data page shows why its rows were rejected.",
        "该数据源没有可用的交易；数据页面列出了各行被拒绝的原因。",
    ),
    "error_no_product_rows": (
        "No transactions match the product-line filter.",
        "没有符合产品线筛选条件的交易。",
    ),
    "error_no_input": ("No input was given.", "未提供输入数据。"),
    "error_not_found": ("{name} was not found.", "找不到 {name}。"),
    "error_unreadable": (
        "{name} is not a Parquet file or folder.",
        "{name} 不是 Parquet 文件或文件夹。",
    ),
    "error_not_scored": (
        "{name} is not a scored table: it lacks {missing}. Found columns: {found}.",
        "{name} 不是评分结果表：缺少 {missing}。现有字段：{found}。",
    ),
    "error_no_usable_rows": (
        "No row of {name} can be used: each lacks a customer id, a date or a valid number.",
        "{name} 没有可用的行：每一行都缺少客户编号、日期或有效数字。",
    ),
    "kept_row": ("Row kept", "保留的行"),
    "conflicting_duplicates": (
        "{n} duplicate rows repeat a transaction id with a different customer, date or amount: "
        "the first copy was kept; check the source.",
        "有 {n} 行重复的交易编号对应的客户、日期或金额不同：已保留第一条，请核查数据源。",
    ),
    "error_bad_months": (
        "Persistency is measured at 13, 25, 37, 49 or 61 months, not {months}.",
        "继续率按 13、25、37、49 或 61 个月计算，不支持 {months} 个月。",
    ),
    "error_bad_survivors": (
        "The survivor counts cannot be used: they must start above zero and never rise.",
        "存续人数无法使用：首期须大于零，且不得增加。",
    ),
    "error_bad_cohorts": (
        "The cohorts of the retention table cannot be used.",
        "留存表中的批次无法使用。",
    ),
    "error_bad_periods": (
        "The periods of the retention table must run 0, 1, 2 ... within each cohort.",
        "留存表的期数须在每个批次内按 0、1、2……连续排列。",
    ),
    "error_bad_calibration": (
        "The calibration periods must leave at least one period to fit and one to check.",
        "校准期数须至少保留一期用于拟合、一期用于检验。",
    ),
    "error_empty_scope": (
        "No customer of the regions your account may see has a payment in this source.",
        "此数据源中没有您的账号可见区域内的客户缴费记录。",
    ),
    "error_unknown": ("The data could not be used.", "无法使用该数据。"),
    "error_detail": ("Technical detail: {detail}", "技术细节：{detail}"),
    # access: sign-in, roles, audit (the words of GLOSSARY.md)
    "username": ("Username", "用户名"),
    "password": ("Password", "密码"),
    "sign_in": ("Sign in", "登录"),
    "sign_in_oidc": ("Sign in with your organisation's account", "使用单位账号登录"),
    "sign_out": ("Sign out", "退出登录"),
    "sign_in_failed": ("Wrong username or password.", "用户名或密码错误。"),
    "sign_in_locked": (
        "Too many failed attempts: this account is locked for 15 minutes.",
        "失败次数过多：该账号已锁定 15 分钟。",
    ),
    "session_expired": (
        "Your session ended after a period of inactivity. Please sign in again.",
        "会话因长时间未操作已结束，请重新登录。",
    ),
    "auth_misconfigured": (
        "Sign-in is misconfigured (VALUESCOPE_AUTH = {mode}); nobody can sign in.",
        "登录配置有误（VALUESCOPE_AUTH = {mode}），任何人都无法登录。",
    ),
    "no_role": (
        "Your account has no role in ValueScope, so it sees no data. Ask an administrator.",
        "您的账号在 ValueScope 中没有角色，因此无法查看数据。请联系管理员。",
    ),
    "not_allowed": (
        "Your role does not give access to this.",
        "您的角色无权访问此内容。",
    ),
    "signed_in_as": ("Signed in as {user} · {role}", "当前用户：{user} · {role}"),
    "no_sign_in": (
        "No sign-in: you are the local administrator.",
        "未启用登录：您是本机管理员。",
    ),
    "scope_regions": ("Regions in scope: {regions}", "可见地区：{regions}"),
    "role_viewer": ("Viewer", "浏览者"),
    "role_marketer": ("Marketer", "营销人员"),
    "role_service": ("Service agent", "客服人员"),
    "role_steward": ("Data steward", "数据管理员"),
    "role_admin": ("Administrator", "系统管理员"),
    "page_audit": ("Audit log", "审计日志"),
    "page_service": ("Service", "客户服务"),
    "page_persistency": ("Persistency", "继续率"),
    "fit_penalty_note": (
        "The unpenalised fit did not converge (premiums paid at fixed intervals and amounts "
        "leave the likelihood flat), so the models were fitted with a small L2 penalty "
        "({penalty}).",
        "不加惩罚项的拟合未收敛（按固定间隔、固定金额缴纳的保费使似然函数过于平坦），因此模型加入了"
        "很小的 L2 惩罚项（{penalty}）后拟合。",
    ),
    "customer_policies": ("Policies", "保单"),
    "persistency_k": ("{k}-month persistency", "{k} 个月继续率"),
    "member_persistency_note": (
        "Persistency of the groups' regular-premium policies, as on the Persistency page. "
        "Observed, not causal: members may be customers who would have kept paying anyway.",
        "各组期缴保单的继续率，口径同“继续率”页面。仅为观察结果，并非因果：会员可能本来就更愿意"
        "持续缴费。",
    ),
    "no_customer_policies": ("No policies on record for this customer.", "该客户没有保单记录。"),
    "installments_paid": ("Installments paid", "已缴期数"),
    "policy_id": ("Policy id", "保单号"),
    "payment_mode": ("Payment mode", "缴费方式"),
    "installment_premium": ("Installment premium", "期缴保费"),
    "issue_date": ("Issue date", "承保日期"),
    "status": ("Policy status", "保单状态"),
    "status_date": ("Status date", "状态日期"),
    "no_policies": (
        "This source has no policies table, so persistency cannot be measured. Stewards can add "
        "one on the Data page (a policies file with an upload, or a policies table of a "
        "database).",
        "当前数据源没有保单表，无法计算继续率。数据管理员可在“数据”页面添加（上传保单文件，或指定"
        "数据库中的保单表）。",
    ),
    "no_policies_in_view": (
        "No policies belong to the customers in view.",
        "当前视图中的客户没有保单。",
    ),
    "kpi_persistency_13": ("13-month persistency", "13 个月继续率"),
    "kpi_persistency_13_help": (
        "Of the regular-premium policies whose 13th-month installment fell due in the 12 months "
        "ending 60 days before the as-of date, the share that paid it within the 60-day grace "
        "period (by count).",
        "第 13 个月保费应缴日期落在基准日前 60 天为止的 12 个月内的期缴保单中，在 60 天宽限期内"
        "缴费的保单占比（按件数）。",
    ),
    "kpi_persistency_13_pending": (
        "Being computed for this large book; it appears here by itself in a few seconds.",
        "业务量较大，正在计算；几秒钟后会自动显示在这里。",
    ),
    "kpi_persistency_13_premium": ("13-month persistency (premium)", "13 个月继续率（保费）"),
    "kpi_persistency_13_premium_help": (
        "The same cohort weighted by annualised premium: persisting premium / cohort premium.",
        "同一批保单按年化保费加权：继续缴费的保费 / 应缴保费。",
    ),
    "kpi_persistency_25": ("25-month persistency", "25 个月继续率"),
    "kpi_persistency_25_help": (
        "As the 13-month ratio, for the 25th-month installment.",
        "与 13 个月继续率相同，考察第 25 个月的保费。",
    ),
    "kpi_in_force": ("Policies in force", "有效保单"),
    "kpi_in_force_help": (
        "Regular-premium policies issued by the as-of date and not ended by it.",
        "基准日前承保且至基准日仍未终止的期缴保单。",
    ),
    "kpi_in_force_premium": ("Annualised premium in force", "有效年化保费"),
    "kpi_in_force_premium_help": (
        "Installment premium × installments a year, summed over the policies in force.",
        "有效保单的期缴保费 × 每年缴费次数之和。",
    ),
    "kpi_residual_value": ("Residual premium value", "剩余保费价值"),
    "kpi_residual_value_help": (
        "Expected present value of the premiums today's in-force policies will still pay: "
        "annualised premium × DERL under the sBG model of the whole book, at the discount rate "
        "set under Contract retention ({rate} a year).",
        "当前有效保单未来仍将缴纳保费的期望现值：年化保费 × 全部保单续保模型（sBG）的折现剩余期望"
        "年数（DERL），折现率为“续保留存”处所设（每年 {rate}）。",
    ),
    "persistency_rule": (
        "Persistency follows the insurer's rule: a policy persists at K months when the "
        "installment due K - 1 months after issue was paid within the 60-day grace period; "
        "policies ended by a claim or maturity before it leave the cohort; single premiums have "
        "no persistency.",
        "继续率按保险公司口径：第 K 个月应缴的保费在 60 天宽限期内缴纳即为继续；在此之前因理赔或满期"
        "终止的保单不计入；趸缴保单不计算继续率。",
    ),
    "persistency_by": ("Persistency by", "继续率维度"),
    "persistency_basis": ("Basis", "口径"),
    "by_count": ("By count", "按件数"),
    "by_premium": ("By premium", "按保费"),
    "whole_book": ("Whole book", "全部保单"),
    "persistency_chart": ("Persistency by months since issue", "各期继续率"),
    "persistency_months": ("Months since issue", "保单月度"),
    "months_label": ("{k} months", "{k} 个月"),
    "cohort_policies": ("Policies in cohort", "考察保单数"),
    "persisting_policies": ("Persisting", "继续缴费保单数"),
    "count_ratio": ("Persistency (count)", "继续率（件数）"),
    "premium_ratio": ("Persistency (premium)", "继续率（保费）"),
    "cohort_premium": ("Annualised premium in cohort", "考察保单年化保费"),
    "no_persistency_cohort": (
        "No policy falls in a persistency cohort at this as-of date.",
        "在此基准日没有保单进入继续率考察期。",
    ),
    "top_groups_shown": (
        "The chart shows the {n} largest of {total} groups; the table has all.",
        "图中显示最大的 {n} 组（共 {total} 组），表格列出全部。",
    ),
    "what_persistency": ("Persistency table", "继续率表"),
    "what_not_persisting": ("Policies not persisting at 13 months", "13 个月未继续的保单"),
    "persistency_trend": (
        "13-month persistency over the last two years",
        "近两年 13 个月继续率走势",
    ),
    "persistency_triangle": ("Persistency by issue month", "按承保月份的继续率三角"),
    "issue_month": ("Issue month", "承保月份"),
    "triangle_note": (
        "Cells of fewer than {n} policies are left blank.",
        "保单数少于 {n} 张的格子留空。",
    ),
    "what_triangle": ("Cohort triangle", "继续率三角"),
    "contract_retention": ("Contract retention", "续保留存"),
    "contract_retention_help": (
        "The shifted-beta-geometric (sBG) model of Fader & Hardie (2007), fitted on policy-year "
        "survival from the persistency rule: each policy renews yearly with its own lapse "
        "chance, and those likely to lapse leave first.",
        "采用移位贝塔几何模型（sBG，Fader 与 Hardie 2007），以继续率口径的保单年度留存拟合：每张保单"
        "每年以各自的失效概率续保，易失效的保单先行流失。",
    ),
    "retention_by": ("Fit per", "拟合维度"),
    "retention_discount": ("Discount rate (% a year)", "折现率（每年 %）"),
    "retention_horizon": ("Projection (policy years)", "预测年数"),
    "no_retention_fit": (
        "Too few renewals have been observed to fit the retention model.",
        "观察到的续保次数太少，无法拟合留存模型。",
    ),
    "retention_chart": (
        "Policies in force by policy year: actual and projected",
        "各保单年度留存：实际与预测",
    ),
    "policy_year": ("Policy year", "保单年度"),
    "share_in_force": ("Share still in force", "仍有效占比"),
    "projected": ("Projected", "预测"),
    "retention_year1": ("First renewal kept", "首次续保率"),
    "survival_5": ("In force after 5 years", "5 年后留存"),
    "mean_derl": ("Mean DERL (years)", "平均折现剩余年数"),
    "derl_note": (
        "DERL: the discounted expected number of renewals still to come for each in-force "
        "policy (Fader & Hardie 2010), at {rate} a year; residual value = annualised premium × "
        "DERL.",
        "DERL：每张有效保单未来续保次数的折现期望（Fader 与 Hardie 2010），年折现率 {rate}；"
        "剩余价值 = 年化保费 × DERL。",
    ),
    "what_retention": ("Retention and residual value", "留存与剩余价值表"),
    "retention_backtest": ("Backtest", "回测"),
    "calibration_years": ("Fit on the first policy years", "用前几个保单年度拟合"),
    "backtest_chart": (
        "{cohort} cohort ({n} policies): fitted on {years} policy years, then projected",
        "{cohort} 年承保批次（{n} 张保单）：用前 {years} 个保单年度拟合后的预测",
    ),
    "backtest_error": ("Mean error on the later years: {error}.", "后续年度的平均误差：{error}。"),
    "backtest_too_short": (
        "No issue-year cohort of this group has been observed for four years with at least {n} policies: too little to backtest.",
        "该组没有观察满四年且至少 {n} 张保单的承保年度批次，数据不足，无法回测。",
    ),
    "thin_points": (
        "Ratios of fewer than {n} policies are in the table, not on the chart.",
        "保单数少于 {n} 张的继续率只列在表中，不画在图上。",
    ),
    "current_labels_note": (
        "Segments and value tiers are today's, and lapsing itself moves customers into the weaker ones: read these ratios as a description, not a cause.",
        "客户细分与价值分层为当前结果，而失效本身会使客户落入较弱的组别：这些继续率只是描述，并非原因。",
    ),
    "retention_lines": (
        "Solid lines with points: actual; dashed: projected by the model.",
        "带点的实线为实际值，虚线为模型预测值。",
    ),
    "agent_persistency": ("Agents' 13-month persistency", "代理人 13 个月继续率"),
    "agent_persistency_help": (
        "Agents with at least {n} policies in the 13-month cohort ({agents} agents), lowest "
        "persistency first.",
        "13 个月考察期内至少有 {n} 张保单的代理人（共 {agents} 名），按继续率从低到高排列。",
    ),
    "what_agents": ("Agents' persistency", "代理人继续率表"),
    "residual_short": ("Residual value", "剩余价值"),
    "page_picture": ("Customer picture", "客户画像"),
    "agent_id": ("Agent", "代理人"),
    "duplicate_identities": ("One person, several customer ids", "一人多号（重复身份）"),
    "identities_found": ("People with several ids", "拥有多个客户编号的人数"),
    "identities_found_help": (
        "Customers who share an id number or a phone, compared as keyed hashes: no value is shown.",
        "证件号码或手机号相同的客户，以加密散列比对，不显示任何个人信息。",
    ),
    "identity_customers": ("Customer ids involved", "涉及的客户编号"),
    "identity_customers_help": (
        "All the customer ids of those people.",
        "这些人名下的全部客户编号。",
    ),
    "identity_extra_ids": ("Extra ids", "多余的客户编号"),
    "identity_extra_ids_help": (
        "Ids that disappear when each person is scored as one customer.",
        "将每个人合并为一个客户后将消失的编号数。",
    ),
    "merge_identities": ("Score each person as one customer", "将同一人合并为一个客户评分"),
    "merge_identities_help": (
        "Every page then counts a person's ids as one customer, under the smallest id.",
        "开启后各页面将同一人的多个编号计为一个客户，使用其中最小的编号。",
    ),
    "identity_list": ("The ids of each person", "每个人的客户编号"),
    "identity": ("Person", "人员"),
    "matched_on": ("Matched on", "匹配依据"),
    "matched_id_number": ("ID number", "证件号码"),
    "matched_phone": ("Phone", "手机号"),
    "matched_both": ("ID number and phone", "证件号码和手机号"),
    "no_product_lines": (
        "This source's payments carry no product line.",
        "此数据源的缴费记录没有产品线。",
    ),
    "type_comparison": ("Individual and organisational customers", "个人客户与团体客户"),
    "mean_total_spend": ("Mean total spend", "平均累计消费"),
    "mean_spend_12m": ("Mean spend, last 12 months", "近 12 个月平均消费"),
    "mean_products": ("Product lines per customer", "人均持有产品线"),
    "products_per_customer": ("Customers by product lines held", "按持有产品线数的客户分布"),
    "product_lines_held": ("Product lines held", "持有产品线数"),
    "product_pairs": (
        "Holders of a line who also hold another",
        "持有某产品线的客户同时持有其他产品线的比例",
    ),
    "also_holds": ("Also holds", "同时持有"),
    "holders_of": ("Holders of", "持有"),
    "cross_sell_gaps": ("Largest cross-sell gaps", "最大的交叉销售缺口"),
    "gaps_by": ("Gaps by", "缺口维度"),
    "no_gaps": (
        "Every group holds each product line as often as the view does.",
        "各组持有各产品线的比例均不低于当前视图整体水平。",
    ),
    "penetration": ("Holding it", "持有比例"),
    "view_penetration": ("Holding it, whole view", "当前视图整体持有比例"),
    "gap_customers": ("Gap (customers)", "缺口（客户数）"),
    "gap_note": (
        "Gap: customers of the group who would hold the line if the group held it as often as "
        "the whole view. It sizes an opportunity; it does not say they would buy.",
        "缺口：若该组持有该产品线的比例与当前视图整体相同，将多出的持有客户数。仅用于衡量机会大小，并不代表客户一定会购买。",
    ),
    "member_activity": ("Active and inactive members", "活跃会员与沉睡会员（死会员）"),
    "inactive_after": (
        "Inactive after (months without payment or contact)",
        "判定为沉睡的月数（无缴费且无联络）",
    ),
    "members_active": ("Active members", "活跃会员"),
    "members_inactive": ("Inactive members", "沉睡会员"),
    "members_active_help": (
        "Members who paid or contacted the call centre in the last {months} months.",
        "近 {months} 个月内有缴费或联络呼叫中心的会员。",
    ),
    "members_inactive_help": (
        'Members with no payment and no contact in the last {months} months ("dead members").',
        "近 {months} 个月内既无缴费也无联络的会员（死会员）。",
    ),
    "inactive_spend": (
        "Mean spend in the last 12 months: active {active}, inactive {inactive}.",
        "近 12 个月平均消费：活跃会员 {active}，沉睡会员 {inactive}。",
    ),
    "no_interactions": (
        "This source has no call-centre contacts (an interactions table).",
        "此数据源没有呼叫中心联络记录（联络记录表）。",
    ),
    "no_contacts_in_view": (
        "No customer in view contacted the call centre before the as-of date.",
        "当前视图中的客户在分析基准日之前没有联络呼叫中心。",
    ),
    "kpi_contacts": ("Contacts", "联络次数"),
    "kpi_contacts_help": (
        "Call-centre contacts of the customers in view, up to the as-of date.",
        "当前视图中客户在分析基准日之前的呼叫中心联络次数。",
    ),
    "kpi_mean_satisfaction": ("Mean satisfaction", "平均满意度"),
    "kpi_mean_satisfaction_help": (
        "Mean rating of the rated contacts, from 1 (very dissatisfied) to 5 (very satisfied).",
        "已评分联络的平均满意度，1（非常不满意）至 5（非常满意）。",
    ),
    "kpi_dissatisfied": ("Dissatisfied", "不满意占比"),
    "kpi_dissatisfied_help": (
        "Share of rated contacts scored 1 or 2.",
        "评分为 1 或 2 的联络占已评分联络的比例。",
    ),
    "kpi_complaint_rate": ("Complaint rate", "投诉率"),
    "kpi_complaint_rate_help": (
        "Share of the customers in view who made at least one complaint.",
        "当前视图中至少投诉过一次的客户占比。",
    ),
    "kpi_surrender_rate": ("Surrender-request rate", "退保申请率"),
    "kpi_surrender_rate_help": (
        "Share of the customers in view who asked to surrender a policy.",
        "当前视图中提出过退保申请的客户占比。",
    ),
    "kpi_contacts_per_customer": ("Contacts per customer", "人均联络次数"),
    "kpi_contacts_per_customer_help": (
        "Contacts divided by the customers in view (those who never called count as zero).",
        "联络次数除以当前视图中的客户数（从未联络的客户计为零）。",
    ),
    "satisfaction_by_reason": ("Satisfaction by contact reason", "各联络原因的满意度"),
    "satisfaction_by": ("Satisfaction by", "满意度维度"),
    "satisfaction_trend": ("Satisfaction by month", "月度满意度"),
    "contacts_per_customer": ("Customers by number of contacts", "按联络次数的客户分布"),
    "lapse_after_complaint": ("Lapse after a complaint", "投诉后的流失"),
    "group_complained": ("Complained", "有投诉"),
    "group_no_complaint": ("No complaint", "无投诉"),
    "lapsed_customers": ("Lapsed", "已流失"),
    "lapse_rate": ("Lapse rate", "流失率"),
    "lapse_note": (
        "Lapsed: no payment in the 12 months before the as-of date. This compares groups as "
        "observed; it does not show that complaints cause lapses.",
        "已流失：分析基准日前 12 个月内无缴费。此处仅为观察到的组间比较，并不说明投诉导致流失。",
    ),
    "what_complainers": ("Customers who complained", "有投诉的客户"),
    "group_admin": ("Administration", "系统管理"),
    "rows_need_role": (
        "Customer-level rows are shown to marketers and above.",
        "客户明细仅向营销人员及以上角色显示。",
    ),
    "saved_segments": ("Saved segment definitions", "已保存的细分定义"),
    "segment_name": ("Definition", "细分定义"),
    "segment_version": ("Version", "版本"),
    "latest_version": ("Latest", "最新版本"),
    "open_segment": ("Open", "打开"),
    "no_saved_segments": ("No definition saved yet.", "尚未保存任何细分定义。"),
    "save_as": ("Save the current thresholds as", "将当前阈值保存为"),
    "save_segment": ("Save", "保存"),
    "segment_needs_name": ("Give the definition a name.", "请为细分定义命名。"),
    "segment_saved": ("Saved “{name}” as version {version}.", "已保存“{name}”，版本 {version}。"),
    "segment_opened": ("Opened “{name}”.", "已打开“{name}”。"),
    "named_connections": ("Named connections", "已配置的数据库连接"),
    "no_named_connections": (
        "No connection is configured. An administrator adds them as [connections.NAME] in "
        ".streamlit/secrets.toml.",
        "尚未配置数据库连接，请联系管理员在服务器配置中添加。",
    ),
    "connection": ("Connection", "连接"),
    "connection_tables": ("Transactions table: {table}", "交易表：{table}"),
    "use_connection": ("Use this connection", "使用此连接"),
    "error_no_connection": (
        "No connection named {name} is configured.",
        "未配置名为 {name} 的连接。",
    ),
    "audit_actions": ("Actions", "操作"),
    "audit_since": ("From", "起始日期"),
    "audit_until": ("To", "截止日期"),
    "audit_count": ("{n} entries", "共 {n} 条记录"),
    "audit_at": ("Time (UTC)", "时间（UTC）"),
    "audit_role": ("Role", "角色"),
    "audit_action": ("Action", "操作"),
    "audit_target": ("Target", "对象"),
    "audit_rows": ("Rows", "行数"),
    "audit_detail": ("Detail", "详情"),
    "action_sign_in": ("Sign-in", "登录"),
    "action_sign_in_failed": ("Failed sign-in", "登录失败"),
    "action_sign_out": ("Sign-out", "退出登录"),
    "action_download": ("Download", "下载"),
    "action_pii_reveal": ("Personal information shown", "查看个人信息"),
    "action_source_change": ("Source changed", "切换数据源"),
    "action_upload": ("Upload", "上传文件"),
    "action_account_change": ("Account changed", "账号变更"),
    "action_segment_save": ("Segment definition saved", "保存细分定义"),
    "accounts": ("Accounts", "账号"),
    "accounts_help": (
        "Accounts are managed on the server with python -m data.accounts (add, list, disable, "
        "enable, passwd); every change is in the audit log.",
        "账号在服务器上通过 python -m data.accounts 管理（add、list、disable、enable、passwd），"
        "每次变更都记入审计日志。",
    ),
    "no_accounts": ("No account yet.", "尚无账号。"),
    "regions": ("Regions", "地区"),
    "account_state": ("State", "状态"),
    "account_active": ("Active", "正常"),
    "account_disabled": ("Disabled", "已停用"),
    "account_locked": ("Locked", "已锁定"),
}

# Names of codes that come from data or from analytics: (English, 简体中文).
_NAMES: dict[str, tuple[str, str]] = {
    # RFM segments (default grid and the eight-class preset)
    "Champions": ("Champions", "冠军客户"),
    "Loyal": ("Loyal", "忠诚客户"),
    "Potential loyalist": ("Potential loyalist", "潜在忠诚客户"),
    "New": ("New", "新客户"),
    "Promising": ("Promising", "潜力客户"),
    "Need attention": ("Need attention", "需要关注"),
    "About to sleep": ("About to sleep", "即将沉睡"),
    "Can't lose": ("Can't lose", "不能失去"),
    "At risk": ("At risk", "流失风险客户"),
    "Hibernating": ("Hibernating", "沉睡客户"),
    "Important value": ("Important value", "重要价值客户"),
    "Important development": ("Important development", "重要发展客户"),
    "Important retention": ("Important retention", "重要保持客户"),
    "Important win-back": ("Important win-back", "重要挽留客户"),
    "General value": ("General value", "一般价值客户"),
    "General development": ("General development", "一般发展客户"),
    "General retention": ("General retention", "一般保持客户"),
    "General win-back": ("General win-back", "一般挽留客户"),
    "Unclassified": ("Unclassified", "未分类"),
    # value tiers and churn bands
    "Platinum": ("Platinum", "铂金"),
    "Gold": ("Gold", "黄金"),
    "Silver": ("Silver", "白银"),
    "Bronze": ("Bronze", "青铜"),
    "low": ("Low", "低"),
    "medium": ("Medium", "中"),
    "high": ("High", "高"),
    "unknown": ("Unknown", "未知"),
    # loyalty programme tiers (named apart from value tiers)
    "programme_platinum": ("Platinum member", "铂金会员"),
    "programme_gold": ("Gold member", "黄金会员"),
    "programme_silver": ("Silver member", "白银会员"),
    "programme_bronze": ("Bronze member", "青铜会员"),
    "member": ("Members", "会员"),
    "non-member": ("Non-members", "非会员"),
    # customers, channels, products
    "individual": ("Individual", "个人客户"),
    "organization": ("Organisation", "团体客户"),
    "agency": ("Agency", "个险（代理人）"),
    "bancassurance": ("Bancassurance", "银保"),
    "group": ("Group", "团险"),
    "online": ("Online", "网销"),
    "protection": ("Protection", "保障型"),
    "savings": ("Savings", "储蓄型"),
    "participating": ("Participating", "分红型"),
    "investment_linked": ("Investment-linked", "投资连结型"),
    "health": ("Health", "健康险"),
    "accident": ("Accident", "意外险"),
    # policies: payment modes and statuses ("lapsed" alone is a cluster word: policy_status())
    "annual": ("Annual", "年缴"),
    "semiannual": ("Semi-annual", "半年缴"),
    "quarterly": ("Quarterly", "季缴"),
    "monthly": ("Monthly", "月缴"),
    "single": ("Single premium", "趸缴"),
    "in_force": ("In force", "有效"),
    "policy_lapsed": ("Lapsed", "失效"),
    "all": ("Whole book", "全部保单"),
    "surrendered": ("Surrendered", "退保"),
    "matured": ("Matured", "满期"),
    "claimed": ("Ended by claim", "理赔终止"),
    # bundled sources
    "insurer demo": ("Insurer demo", "保险公司演示数据"),
    "insurer demo (Parquet)": ("Insurer demo (Parquet)", "保险公司演示数据（Parquet）"),
    "CDNOW master": ("CDNOW (retail, real data)", "CDNOW（零售真实数据）"),
    "CDNOW sample": ("CDNOW sample (retail)", "CDNOW 样本（零售）"),
    # value bases and models
    "total_spend": ("Total spend", "消费总额"),
    "clv": ("CLV", "CLV"),
    "bgnbd": ("BG/NBD", "BG/NBD"),
    "pareto_nbd": ("Pareto/NBD", "Pareto/NBD"),
    # cluster name words (analytics.clusters.WORDS)
    "recent": ("recent", "近期活跃"),
    "lapsed": ("lapsed", "久未消费"),
    "frequent": ("frequent", "高频"),
    "one_off": ("one-off", "单次"),
    "low_spend": ("low spend", "低消费"),
    "mid_spend": ("mid spend", "中等消费"),
    "high_spend": ("high spend", "高消费"),
    "low_clv": ("low CLV", "低 CLV"),
    "high_clv": ("high CLV", "高 CLV"),
    "likely_lost": ("likely lost", "可能流失"),
    "likely_active": ("likely active", "可能活跃"),
    "average": ("average", "一般"),
    # call centre
    "policy_inquiry": ("Policy inquiry", "保单咨询"),
    "payment": ("Payment", "缴费"),
    "claim": ("Claim", "理赔"),
    "address_change": ("Address change", "地址变更"),
    "renewal_reminder": ("Renewal reminder", "续期提醒"),
    "complaint": ("Complaint", "投诉"),
    "surrender_request": ("Surrender request", "退保申请"),
    "phone": ("Phone", "电话"),
    "wechat": ("WeChat", "微信"),
    "online_chat": ("Online chat", "在线客服"),
    "branch": ("Branch", "柜面"),
    # transaction types
    "new_policy": ("New policy", "新保单"),
    "renewal": ("Renewal premium", "续期保费"),
    "top_up": ("Top-up", "追加保费"),
    "refund": ("Refund", "退费"),
    # customer details
    "male": ("Male", "男"),
    "female": ("Female", "女"),
    "manufacturing": ("Manufacturing", "制造业"),
    "finance": ("Finance", "金融业"),
    "information_technology": ("Information technology", "信息技术"),
    "retail": ("Retail", "零售业"),
    "education": ("Education", "教育"),
    "healthcare": ("Healthcare", "医疗卫生"),
    "construction": ("Construction", "建筑业"),
    "logistics": ("Logistics", "物流"),
    "energy": ("Energy", "能源"),
    "public_sector": ("Public sector", "公共部门"),
}

#: Display names of the scored table's columns (tables and exports).
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "customer_id": ("Customer id", "客户编号"),
    "first_purchase": ("First purchase", "首次消费日期"),
    "last_purchase": ("Last purchase", "最近消费日期"),
    "n_transactions": ("Payments", "缴费笔数"),
    "frequency": ("Repeat purchases", "重复购买次数"),
    "recency": ("Recency (units)", "最近消费（时间单位）"),
    "T": ("Customer age (units)", "客户期（时间单位）"),
    "monetary_value": ("Mean repeat spend", "平均重复消费金额"),
    "total_spend": ("Total spend", "消费总额"),
    "refunds": ("Refunds", "退费"),
    "days_since_last": ("Recency (days)", "距上次消费天数"),
    "r_score": ("R score", "R 评分"),
    "f_score": ("F score", "F 评分"),
    "m_score": ("M score", "M 评分"),
    "segment": ("Segment", "客户细分"),
    "abc_class": ("ABC class", "ABC 类别"),
    "p_alive": ("Probability alive", "存活概率"),
    "churn_risk": ("Churn risk", "流失风险"),
    "churn_band": ("Churn risk band", "流失风险等级"),
    "expected_purchases": ("Expected purchases", "预期购买次数"),
    "clv": ("CLV", "客户终身价值"),
    "value_tier": ("Value tier", "价值分层"),
    "cluster": ("Cluster no.", "聚类编号"),
    "spend_12m": ("12-month spend", "近 12 个月消费"),
    "premium_at_risk": ("Premium at risk", "潜在流失保费"),
    "customer_type": ("Customer type", "客户类型"),
    "channel": ("Channel", "渠道"),
    "region": ("Region", "地区"),
    "city": ("City", "城市"),
    "industry": ("Industry", "行业"),
    "product_line": ("First product line", "首购产品线"),
    "is_member": ("Loyalty member", "是否会员"),
    "enrolled_at": ("Enrolled", "入会日期"),
    "loyalty_tier": ("Programme tier", "会员等级"),
    "cluster_name": ("Cluster", "聚类名称"),
    "expected_spend": ("Expected spend per purchase", "预期单次消费金额"),
    "value_rank": ("Value rank", "价值排名"),
    "source_row": ("Row (header not counted)", "行号（不含表头）"),
    "reason": ("Reason", "原因"),
    "kept_row": ("Row kept", "保留的行"),
    "transaction_id": ("Transaction id", "交易编号"),
    "transaction_date": ("Transaction date", "交易日期"),
    "amount": ("Amount", "金额"),
    "policy_id": ("Policy id", "保单号"),
    "transaction_type": ("Transaction type", "交易类型"),
    "name": ("Name", "姓名"),
    "phone": ("Phone", "电话"),
    "email": ("Email", "电子邮箱"),
    "id_number": ("ID number", "证件号码"),
    "address": ("Address", "地址"),
    "gender": ("Gender", "性别"),
    "birth_date": ("Birth date", "出生日期"),
    "agent_id": ("Agent id", "代理人编号"),
    "signup_date": ("Sign-up date", "签约日期"),
    "enrolled_at_member": ("Enrolled", "入会日期"),
    "tier": ("Programme tier", "会员等级"),
    "points_balance": ("Points", "积分"),
    "interaction_id": ("Contact id", "联络编号"),
    "contact_at": ("Contacted", "联络时间"),
    "contact_channel": ("Contact channel", "联络渠道"),
    "satisfaction": ("Satisfaction (1-5)", "满意度（1-5）"),
    "issue_date": ("Issue date", "承保日期"),
    "payment_mode": ("Payment mode", "缴费方式"),
    "installment_premium": ("Installment premium", "期缴保费"),
    "term_years": ("Premium term (years)", "缴费年期"),
    "status": ("Policy status", "保单状态"),
    "status_date": ("Status date", "状态日期"),
    "policy_product_line": ("Product line", "产品线"),
    "annual_premium": ("Annualised premium", "年化保费"),
    "months": ("Months since issue", "保单月度"),
    "policies": ("Policies", "保单数"),
    "persisting": ("Persisting", "继续缴费保单数"),
    "count_ratio": ("Persistency (count)", "继续率（件数）"),
    "premium": ("Annualised premium in cohort", "考察保单年化保费"),
    "persisting_premium": ("Persisting premium", "继续缴费保费"),
    "premium_ratio": ("Persistency (premium)", "继续率（保费）"),
    "issue_month": ("Issue month", "承保月份"),
    "group": ("Group", "组别"),
    "alpha": ("sBG a", "sBG 参数 a"),
    "beta": ("sBG b", "sBG 参数 b"),
    "mean_derl": ("Mean DERL (years)", "平均折现剩余年数"),
    "residual_value": ("Residual premium value", "剩余保费价值"),
    "due": ("Installment due", "应缴日期"),
}

#: Table names of the data contract.
TABLE_LABELS: dict[str, tuple[str, str]] = {
    "transactions": ("Transactions (premium payments)", "交易（保费缴纳）"),
    "customers": ("Customers", "客户"),
    "loyalty_members": ("Loyalty members", "忠诚度计划会员"),
    "interactions": ("Call-centre contacts", "呼叫中心联络记录"),
    "policies": ("Policies", "保单"),
}


def lang() -> str:
    import streamlit as st

    return st.session_state.get("lang", "en")


def _pick(pair: tuple[str, str], language: str | None) -> str:
    return pair[1 if (language or lang()) == "zh" else 0]


def t(key: str, language: str | None = None, **values) -> str:
    """The text for ``key`` in the current language, formatted with ``values``."""
    pair = _T.get(key)
    text = key if pair is None else _pick(pair, language)
    return text.format(**values) if values else text


def has_text(key: str) -> bool:
    return key in _T


#: The words of a setting whose link key is not itself a text key.
_SETTING_WORDS = {
    "lang": "language", "source": "data_source", "f_type": "customer_type",
    "f_channel": "channel", "f_region": "region", "f_product": "product_line",
    "rfm_bins": "bins", "abc_value": "abc_basis", "abc_a": "a_cut", "abc_b": "b_cut",
    "churn_cuts": "band_cuts", "tier_platinum": "tier_shares", "tier_gold": "tier_shares",
    "tier_silver": "tier_shares", "cluster_features": "features",
}  # fmt: skip


def setting_names(keys, language: str | None = None) -> str:
    """Link keys (``k``, ``churn_cuts`` ...) as the settings' names in the language."""
    words = []
    for key in keys:
        text = _SETTING_WORDS.get(key, key)
        word = t(text, language) if has_text(text) else str(key)
        if word not in words:
            words.append(word)
    return ("、" if (language or lang()) == "zh" else ", ").join(words)


def name(value: object, language: str | None = None) -> str:
    """A code from the data or from analytics (segment, tier, channel, cluster words ...) in the
    language; a cluster name (word codes joined by ", ") is worded word by word; anything else
    (a user's own segment or cluster name, an unknown region) is shown as it is."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    if text in _NAMES:
        return _pick(_NAMES[text], language)
    if ", " in text and all(word in _NAMES for word in text.split(", ")):
        words = [_pick(_NAMES[word], language) for word in text.split(", ")]
        return ("、" if (language or lang()) == "zh" else ", ").join(words)
    return text


def policy_status(value: object, language: str | None = None) -> str:
    """A policy status (``lapsed`` is worded as a policy's, not as the cluster word)."""
    return name("policy_lapsed" if str(value) == "lapsed" else value, language)


def names(values, language: str | None = None) -> list[str]:
    return [name(v, language) for v in values]


def known_name(value: str) -> bool:
    return str(value) in _NAMES


def programme_tier(value: object, language: str | None = None) -> str:
    """A loyalty programme tier (``gold``) worded apart from value tiers (“Gold member”)."""
    code = f"programme_{str(value).lower()}"
    return _pick(_NAMES[code], language) if code in _NAMES else str(value)


def column_label(column: str, language: str | None = None) -> str:
    """A scored-table or contract column's display name (``product_line`` of a customer is the
    first product line they bought)."""
    pair = COLUMN_LABELS.get(column)
    return _pick(pair, language) if pair else column


def transaction_column_label(column: str, language: str | None = None) -> str:
    """A transactions column's display name (``product_line`` is the payment's product line)."""
    if column == "product_line":
        return t("product_line", language)
    return column_label(column, language)


def table_label(table: str, language: str | None = None) -> str:
    pair = TABLE_LABELS.get(table)
    return _pick(pair, language) if pair else table


def in_sentence(label: str, language: str | None = None) -> str:
    """A label inside a sentence: lower case in English ("by segment"), as it is in Chinese."""
    return label if (language or lang()) == "zh" else label[:1].lower() + label[1:]


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


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def fit_reason(fit, language: str | None = None) -> str:
    """Why a purchase or spend model is missing, in words (empty when it fitted)."""
    if not fit.reason:
        return ""
    details = dict(fit.details)
    if "q" in details:
        details["q"] = f"{details['q']:.2f}"
    return t(f"reason_{fit.reason}", language, **details)


def _listing(values, language: str | None) -> str:
    items = [str(v) for v in values]
    shown = items[:12] + (["…"] if len(items) > 12 else [])
    return ("、" if (language or lang()) == "zh" else ", ").join(shown) or "–"


def describe_error(exc: BaseException, language: str | None = None) -> str:
    """A :class:`~analytics._validate.CodedError` (e.g. ``SourceError``) in words."""
    import re

    code = getattr(exc, "code", None)
    params = dict(getattr(exc, "params", {}) or {})
    if code == "bad_csv":
        found = re.search(
            r"Expected (\d+) fields in line (\d+), saw (\d+)", params.get("detail", "")
        )
        if found:
            expected, line, saw = found.groups()
            return t("error_bad_csv_line", language, name=params.get("name", ""), line=line,
                     saw=saw, expected=expected)  # fmt: skip
    for key in ("found", "tables", "names"):
        if key in params:
            params[key] = _listing(params[key], language)
    if "missing" in params:
        params["missing"] = _listing(
            [column_label(c, language) for c in params["missing"]], language
        )
    if "canonical" in params:
        params["canonical"] = column_label(params["canonical"], language)
    if "table" in params and code == "table_without_customer_id":
        params["table"] = table_label(params["table"], language)
    key = f"error_{code}"
    if code and has_text(key):
        try:
            text = t(key, language, **params)
        except (KeyError, IndexError):
            text = t("error_unknown", language)
    else:
        text = t("error_unknown", language)
    return text


def error_detail(exc: BaseException) -> str | None:
    """A driver's or parser's own words (English, technical), when the code carries some."""
    detail = (getattr(exc, "params", {}) or {}).get("detail")
    return str(detail) if detail else None
