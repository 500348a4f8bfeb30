"""Insurer demo data: a seeded, vectorised generator of the data contract's four tables.

Buying follows a BG/NBD-like latent process (Fader, Hardie & Lee 2005) so that the models have
something real to find: each customer has a purchase rate ``lambda`` (Gamma-distributed around the
premium payment mode: monthly, quarterly or annual) and a dropout probability ``p``
(Beta-distributed); after every repeat payment the customer lapses with probability ``p``.
Premium sizes follow a Gamma-Gamma-like spend process around a customer-level mean that depends on
customer type and product line. A loyalty programme launches partway through the history;
valuable and agency customers enrol more often, and members lapse less.

Command line::

    python -m data.sample --customers 20000 --out sqlite:///data/demo/insurer.sqlite
    python -m data.sample --customers 1000000 --out /tmp/demo_parquet   # a folder of Parquet files
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data.schema import CHANNELS, PRODUCT_LINES

__all__ = ["GENERATOR_VERSION", "DemoConfig", "generate", "write"]

#: Bump when the generated data changes, so stored demo databases are regenerated.
GENERATOR_VERSION = 3

_DAY = np.timedelta64(1, "D")


def _default_individual_channels() -> dict[str, float]:
    return {"agency": 0.55, "bancassurance": 0.22, "online": 0.18, "group": 0.05}


def _default_organization_channels() -> dict[str, float]:
    return {"group": 0.70, "agency": 0.18, "bancassurance": 0.10, "online": 0.02}


@dataclass(frozen=True)
class DemoConfig:
    """Knobs of the demo insurer; the defaults give about 10 premium payments per customer."""

    customers: int = 20_000
    end: str = "2026-09-30"
    years: float = 7.0
    growth: float = 0.12
    organization_share: float = 0.10
    individual_channels: dict[str, float] = field(default_factory=_default_individual_channels)
    organization_channels: dict[str, float] = field(default_factory=_default_organization_channels)
    loyalty_launch_after_years: float = 3.0
    refund_share: float = 0.03
    random_state: int = 0


# Reference data: (province, city, area code of the resident ID, districts)
_CITIES = [
    ("北京", "北京", "110105", ("朝阳区", "海淀区", "东城区")),
    ("上海", "上海", "310115", ("浦东新区", "徐汇区", "静安区")),
    ("广东", "广州", "440106", ("天河区", "越秀区", "海珠区")),
    ("广东", "深圳", "440304", ("福田区", "南山区", "罗湖区")),
    ("浙江", "杭州", "330106", ("西湖区", "上城区", "滨江区")),
    ("江苏", "南京", "320106", ("鼓楼区", "玄武区", "建邺区")),
    ("江苏", "苏州", "320508", ("姑苏区", "工业园区", "吴中区")),
    ("四川", "成都", "510107", ("武侯区", "锦江区", "高新区")),
    ("湖北", "武汉", "420106", ("武昌区", "江汉区", "洪山区")),
    ("山东", "济南", "370102", ("历下区", "市中区", "槐荫区")),
    ("山东", "青岛", "370202", ("市南区", "市北区", "崂山区")),
    ("河南", "郑州", "410105", ("金水区", "二七区", "中原区")),
    ("福建", "厦门", "350203", ("思明区", "湖里区", "集美区")),
    ("湖南", "长沙", "430102", ("芙蓉区", "岳麓区", "天心区")),
    ("陕西", "西安", "610113", ("雁塔区", "碑林区", "未央区")),
    ("重庆", "重庆", "500103", ("渝中区", "江北区", "南岸区")),
    ("天津", "天津", "120103", ("河西区", "和平区", "南开区")),
    ("辽宁", "沈阳", "210102", ("和平区", "沈河区", "皇姑区")),
    ("安徽", "合肥", "340104", ("蜀山区", "包河区", "庐阳区")),
    ("云南", "昆明", "530102", ("五华区", "盘龙区", "官渡区")),
]
# Larger cities get more customers.
_CITY_WEIGHTS = np.array([9, 9, 7, 7, 6, 5, 5, 6, 5, 3, 3, 4, 3, 3, 3, 5, 4, 3, 3, 2], float)
_SURNAMES = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"))
_SURNAME_PINYIN = np.array(
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo "
    "zheng liang xie song tang xu han feng deng cao".split()
)
_GIVEN = np.array(
    list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文辉玲红鹏飞宇浩然欣怡子涵梓轩")
)
_ROADS = np.array(
    [
        "人民路",
        "中山路",
        "解放路",
        "建设路",
        "和平路",
        "文化路",
        "新华路",
        "长江路",
        "科技路",
        "滨河路",
    ]
)
_ORG_WORDS = np.array(
    [
        "华信",
        "恒泰",
        "东方",
        "鼎盛",
        "瑞丰",
        "宏远",
        "中联",
        "金桥",
        "新世纪",
        "汇通",
        "博达",
        "安康",
    ]
)
_INDUSTRIES = np.array(
    [
        "manufacturing",
        "finance",
        "information_technology",
        "retail",
        "education",
        "healthcare",
        "construction",
        "logistics",
        "energy",
        "public_sector",
    ]
)
_ORG_SUFFIX = {
    "manufacturing": "制造",
    "finance": "投资",
    "information_technology": "科技",
    "retail": "商贸",
    "education": "教育",
    "healthcare": "医疗",
    "construction": "建设",
    "logistics": "物流",
    "energy": "能源",
    "public_sector": "服务",
}
_PRODUCT_LINES = np.array(PRODUCT_LINES)
_KINDS = np.array(["new_policy", "renewal", "top_up", "refund"])
_CHANNEL_NAMES = np.array(sorted(CHANNELS))
_PRODUCT_WEIGHTS = np.array([0.26, 0.18, 0.20, 0.10, 0.18, 0.08])
_PRODUCT_SCALE = np.array([0.9, 1.4, 1.2, 1.6, 0.7, 0.4])
# Payment modes (codes into _MODES): installments a year, the installment as a share of the
# annual premium (a loading for paying more often), and each channel's mix (rows: _CHANNEL_NAMES).
_MODES = np.array(["annual", "semiannual", "quarterly", "monthly", "single"])
_SINGLE, _MONTHLY = 4, 3
_PER_YEAR = np.array([1, 2, 4, 12, 0])
_MODAL_FACTOR = np.array([1.0, 0.52, 0.265, 0.09, 1.0])
_MODE_SIZE = np.array([1.0, 1.3, 1.8, 3.0, 1.0])
_MODE_BY_CHANNEL = np.array(
    [
        [0.56, 0.08, 0.12, 0.18, 0.06],  # agency
        [0.42, 0.04, 0.04, 0.08, 0.42],  # bancassurance: single premiums at the bank counter
        [0.78, 0.06, 0.16, 0.00, 0.00],  # group: employers pay yearly or quarterly
        [0.36, 0.00, 0.04, 0.55, 0.05],  # online: monthly by card
    ]
)
# Lapse at renewal t follows sBG (Fader & Hardie 2007): theta ~ Beta(a, b) per policy.
_SBG_BY_CHANNEL = np.array([[0.6, 6.5], [0.8, 5.0], [0.5, 6.0], [1.0, 3.5]])
# Premium-paying terms in years per product line (one drawn per policy), claim hazards a year.
_TERMS = np.array([[20, 20, 30], [3, 5, 10], [5, 10, 20], [5, 10, 10], [20, 20, 20], [20, 20, 20]])
_CLAIM_HAZARD = np.array([0.004, 0.001, 0.002, 0.001, 0.006, 0.003])
_GROUP_LINES = np.array([0, 4, 5])  # protection, health, accident
_CASH_VALUE_LINES = np.array([0, 1, 2, 3])
_TOP_UP_LINES = np.array([2, 3])  # participating, investment-linked
_REPRICED_LINES = np.array([4, 5])  # health, accident
_STATUSES = np.array(["in_force", "lapsed", "surrendered", "matured", "claimed"])
_STATUS_CODE = {name: code for code, name in enumerate(_STATUSES)}
_REASONS = np.array(
    [
        "policy_inquiry",
        "payment",
        "claim",
        "address_change",
        "renewal_reminder",
        "complaint",
        "surrender_request",
    ]
)
# everyday contacts; complaints, surrender requests, claims and reminders also come from events
_REASON_WEIGHTS = np.array([0.38, 0.24, 0.08, 0.14, 0.12, 0.03, 0.01])
_REASON_INDEX = {name: code for code, name in enumerate(_REASONS)}
_CHANNEL_MOOD = {"agency": 0.1, "bancassurance": 0.0, "group": 0.15, "online": -0.25}
_REASON_SATISFACTION = np.array([4.2, 4.0, 3.6, 4.3, 4.1, 2.2, 2.6])
_CONTACT_CHANNELS = np.array(["phone", "wechat", "online_chat", "branch"])
_CONTACT_WEIGHTS = np.array([0.55, 0.20, 0.15, 0.10])
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))


def _numbered(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` as an Arrow string array (fast at 10M rows)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.large_string()), width, "0")
    # large_string: at 50M rows the text passes 2 GB, the limit of Arrow's 32-bit offsets
    text = pa.large_string()
    return pc.binary_join_element_wise(pa.scalar(prefix, text), digits, pa.scalar("", text))


def _labels(names: np.ndarray, codes: np.ndarray) -> pd.Series:
    """Text column from integer codes into ``names``, built in Arrow rather than numpy unicode."""
    dictionary = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(names))
    return pa.chunked_array([dictionary.cast(pa.string())]).to_pandas()


def _text(values: pa.Array) -> pd.Series:
    return pa.chunked_array([values]).to_pandas()


def _choice(rng: np.random.Generator, shares: dict[str, float], size: int) -> np.ndarray:
    names = np.array(list(shares))
    weights = np.array(list(shares.values()), dtype=float)
    return names[rng.choice(len(names), size=size, p=weights / weights.sum())]


def _digits(rng: np.random.Generator, size: int, width: int) -> np.ndarray:
    """Random zero-padded digit strings."""
    return np.strings.zfill(rng.integers(0, 10**width, size=size).astype(str), width)


def _resident_ids(area: np.ndarray, birth: np.ndarray, male: np.ndarray, rng) -> np.ndarray:
    """18-character PRC resident identity numbers (GB 11643) with a valid check character."""
    sequence = rng.integers(0, 500, size=len(area)) * 2 + male.astype(int)  # odd = male
    body = np.strings.add(
        np.strings.add(area, pd.to_datetime(birth).strftime("%Y%m%d").to_numpy(dtype=str)),
        np.strings.zfill(sequence.astype(str), 3),
    )
    digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(-1, 17) - 48
    check = _ID_CHECK[(digits.astype(np.int64) @ _ID_WEIGHTS) % 11]
    return np.strings.add(body, check)


def generate(config: DemoConfig = DemoConfig()) -> dict[str, pd.DataFrame]:
    """The five tables of the data contract for ``config.customers`` customers.

    Returns a dict with ``transactions``, ``customers``, ``loyalty_members``, ``interactions``
    and ``policies``. The same ``config`` (including ``random_state``) always gives identical
    tables.
    """
    rng = np.random.default_rng(config.random_state)
    n = int(config.customers)
    if n < 1:
        raise ValueError("customers must be at least 1")
    end = np.datetime64(config.end, "D")
    span = int(round(config.years * 365.25))
    start = end - span * _DAY

    # ---- customers: type, channel, first policy date (the book grows by config.growth a year)
    is_org = rng.random(n) < config.organization_share
    channel = np.where(
        is_org,
        _choice(rng, config.organization_channels, n),
        _choice(rng, config.individual_channels, n),
    )
    channel_code = np.searchsorted(_CHANNEL_NAMES, channel)
    rate = np.log1p(config.growth) / 365.25
    offset = np.log1p(rng.random(n) * np.expm1(rate * (span - 14))) / rate
    signup = start + offset.astype(np.int64) * _DAY
    product = rng.choice(len(_PRODUCT_LINES), size=n, p=_PRODUCT_WEIGHTS)
    # Mean annual premium: an inverse-Gamma customer factor (Gamma-Gamma's nu, q = 4) on a
    # base for the customer type.
    spend_factor = 5.0 / rng.gamma(6.0, 1.0, size=n)
    annual_value = np.where(is_org, 25_000.0, 3_000.0) * spend_factor * _PRODUCT_SCALE[product]
    # Loyalty propensity rises with annual value and for agency customers; members lapse less.
    z = np.log(annual_value) - np.log(np.median(annual_value))
    propensity = 1 / (1 + np.exp(-(-1.1 + 0.8 * z + 0.9 * (channel == "agency") - 0.6 * is_org)))
    wants_loyalty = rng.random(n) < propensity
    # Some customers complain at some point; they lapse more often afterwards.
    complainer = rng.random(n) < np.where(is_org, 0.10, 0.06)
    agents = max(n // 120, 2)
    agent_number = rng.integers(1, agents, size=n)
    agent_quality = rng.lognormal(0.0, 0.35, size=agents + 1)  # lapse multiplier per agent

    book = _policies(
        rng, config, n, is_org, channel, signup, product, annual_value, end,
        lapse_factor=np.where(wants_loyalty, 0.6, 1.0)
        * np.where(channel == "agency", agent_quality[agent_number], 1.0),
        complainer=complainer,
    )  # fmt: skip
    owner = book["owner"]
    customer_ids = _numbered("C", np.arange(1, n + 1), 8)
    text = pa.large_string()
    policy_ids = pc.binary_join_element_wise(
        pa.scalar("P", text),
        customer_ids.take(pa.array(owner)),
        pc.utf8_lpad(pc.cast(pa.array(book["sequence"] + 1), text), 2, "0"),
        pa.scalar("", text),
    )
    agent_ids = np.strings.add("A", np.strings.zfill(agent_number.astype(str), 6))
    policy_agent = np.where(channel[owner] == "agency", agent_ids[owner], None)
    policies = pd.DataFrame(
        {
            "policy_id": _text(policy_ids),
            "customer_id": _text(customer_ids.take(pa.array(owner))),
            "channel": _labels(_CHANNEL_NAMES, channel_code[owner]),
            "product_line": _labels(_PRODUCT_LINES, book["product"]),
            "agent_id": pd.array(policy_agent, dtype="str"),
            "issue_date": book["issue"].astype("datetime64[s]"),
            "payment_mode": _labels(_MODES, book["mode"]),
            "installment_premium": book["premium"],
            "term_years": book["term"],
            "status": _labels(_STATUSES, book["status"]),
            "status_date": pd.Series(book["status_date"].astype("datetime64[s]")).where(
                book["status"] != 0
            ),
        }
    )

    pay = book["payments"]
    order = np.lexsort((pay["policy"], pay["day"]))
    pay_policy, day = pay["policy"][order], pay["day"][order]
    kind, amount = pay["kind"][order], pay["amount"][order]
    buyer = owner[pay_policy]
    transactions = pd.DataFrame(
        {
            "transaction_id": _text(_numbered("T", np.arange(1, len(day) + 1), 10)),
            "customer_id": _text(customer_ids.take(pa.array(buyer))),
            "transaction_date": day.astype("datetime64[s]"),
            "amount": amount,
            "transaction_type": _labels(_KINDS, kind),
            "policy_id": _text(policy_ids.take(pa.array(pay_policy))),
            "product_line": _labels(_PRODUCT_LINES, book["product"][pay_policy]),
            "channel": _labels(_CHANNEL_NAMES, channel_code[buyer]),
        }
    )
    customer_ids = np.asarray(customer_ids.to_numpy(zero_copy_only=False), dtype=str)

    # ---- customer master data with plausible (fake) personal information
    purchase = kind != 3
    last_purchase = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last_purchase, buyer[purchase], day[purchase].astype(np.int64))
    last_purchase = last_purchase.astype("datetime64[D]")
    customers = _customers(rng, n, customer_ids, is_org, channel, signup, agent_ids)

    launch = start + int(round(config.loyalty_launch_after_years * 365.25)) * _DAY
    first_chance = np.maximum(signup, launch)
    still_active = last_purchase >= first_chance - 120 * _DAY
    member = wants_loyalty & still_active
    window = np.maximum(
        (np.minimum(last_purchase + 60 * _DAY, end) - first_chance).astype(np.int64), 0
    )
    enrolled = first_chance + np.floor(rng.random(n) * (window + 1)).astype(np.int64) * _DAY
    spend_since = np.bincount(
        buyer, weights=np.where(day >= enrolled[buyer], amount, 0.0), minlength=n
    )
    points = (spend_since / 10).astype(np.int64)
    points = np.maximum(points - rng.integers(0, 500, size=n), 0)
    tier = np.select(
        [points >= 20_000, points >= 5_000, points >= 1_000],
        ["platinum", "gold", "silver"],
        "bronze",
    )
    loyalty = pd.DataFrame(
        {
            "customer_id": customer_ids[member],
            "enrolled_at": enrolled[member].astype("datetime64[s]"),
            "tier": tier[member],
            "points_balance": points[member],
        }
    )

    interactions = _interactions(
        rng, customer_ids, is_org, channel, signup, last_purchase, end, complainer, book
    )
    return {
        "transactions": transactions,
        "customers": customers,
        "loyalty_members": loyalty,
        "interactions": interactions,
        "policies": policies,
    }


def _months_later(dates: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Calendar months after ``dates`` (day clipped to the month's end), as days."""
    month = dates.astype("datetime64[M]")
    day = (dates - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months.astype(np.int64)
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    return target.astype("datetime64[D]") + np.minimum(day, length - 1) * _DAY


def _by_channel(rng, table: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """One draw per row from the row's channel's probabilities (``table[channel code]``)."""
    cumulative = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    codes = np.searchsorted(_CHANNEL_NAMES, channel)
    return (rng.random(len(channel))[:, None] > cumulative[codes]).sum(axis=1)


def _policies(rng, config, n, is_org, channel, signup, product, annual_value, end, *,
              lapse_factor, complainer) -> dict:  # fmt: skip
    """Policies and their premium payments, consistent with each other.

    Each customer holds a first policy from the signup date and may buy more later. A regular
    policy pays ``m`` installments a year, due every ``12 / m`` calendar months, mostly on time,
    some late within the 60-day grace period and a few beyond it (reinstated). Each policy
    lapses at a renewal drawn from a shifted-beta-geometric process (the sBG of Fader & Hardie
    2007, with channel-specific ``a, b``), stopping its payments partway through that year;
    some lapses after the second year are surrenders. Claims end a policy, short-term savings
    policies mature, and a few new policies are cancelled in the cooling-off period (refund).
    """
    years_observed = (end - signup).astype(np.int64) / 365.25
    extra_rate = np.where(is_org, 0.22, np.where(channel == "agency", 0.12, 0.07))
    count = 1 + rng.poisson(extra_rate * years_observed)
    owner = np.repeat(np.arange(n), count)
    sequence = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    first = sequence == 0
    later = np.floor(rng.random(len(owner)) * (end - signup[owner]).astype(np.int64))
    issue = signup[owner] + np.where(first, 0, later).astype(np.int64) * _DAY
    # later policies in date order within each customer, so the sequence follows the date
    order = np.lexsort((issue, owner))
    owner, issue = owner[order], issue[order]
    first = sequence == 0
    group = channel[owner] == "group"
    line = np.where(
        first, product[owner], rng.choice(len(_PRODUCT_LINES), size=len(owner), p=_PRODUCT_WEIGHTS)
    )
    line = np.where(group & ~np.isin(line, _GROUP_LINES), rng.choice(_GROUP_LINES, len(owner)),
                    line)  # fmt: skip
    mode = _by_channel(rng, _MODE_BY_CHANNEL, channel[owner])
    single = mode == _SINGLE
    term = _TERMS[line, rng.integers(0, _TERMS.shape[1], size=len(owner))]
    per_year = _PER_YEAR[mode]
    # those who pay in installments tend to carry larger annual premiums (affordability)
    annual = np.round(annual_value[owner] * _PRODUCT_SCALE[line] / _PRODUCT_SCALE[product[owner]]
                      * _MODE_SIZE[mode] * rng.lognormal(0.0, 0.25, size=len(owner)), -1)  # fmt: skip
    annual = np.maximum(annual, 120.0)
    premium = np.round(np.where(single, annual * 4.0, annual * _MODAL_FACTOR[mode]), 2)

    # ---- how long each policy pays: lapse (sBG), claim, maturity, cooling-off
    a, b = _SBG_BY_CHANNEL[np.searchsorted(_CHANNEL_NAMES, channel[owner])].T
    theta = rng.beta(a, b) * lapse_factor[owner] * np.where(complainer[owner], 1.7, 1.0)
    theta = np.clip(theta, 0.002, 0.95)
    lapse_at = rng.geometric(theta)  # the renewal at which the policy lapses
    in_last_year = rng.integers(1, np.maximum(per_year, 1) + 1)  # installments paid that year
    by_lapse = np.where(single, 1, (lapse_at - 1) * per_year + in_last_year)
    by_term = np.where(single, 1, term * per_year)
    claim_at = issue + (rng.exponential(1 / _CLAIM_HAZARD[line]) * 365.25).astype(np.int64) * _DAY
    matures = _months_later(issue, 12 * term) - _DAY
    cooling = (rng.random(len(owner)) < config.refund_share) & ~group
    installments = np.minimum(by_lapse, by_term)
    installments = np.where(cooling, 1, installments)
    # never more installments than fall due by the end of the history
    months_in = (end.astype("datetime64[M]") - issue.astype("datetime64[M]")).astype(np.int64)
    due_by_end = np.where(single, 1, months_in * np.maximum(per_year, 1) // 12 + 1)
    cap = np.minimum(installments, due_by_end + 1)

    # ---- the installments
    policy = np.repeat(np.arange(len(owner)), cap)
    j = np.arange(len(policy)) - np.repeat(np.cumsum(cap) - cap, cap)
    step = np.where(single[policy], 0, 12 // np.maximum(per_year[policy], 1))
    due = _months_later(issue[policy], j * step)
    autopay = (mode == _MONTHLY) & (rng.random(len(owner)) < 0.7)
    draw = rng.random(len(policy))
    late = np.select(
        [draw < 0.58, draw < 0.92, draw < 0.99],
        [-rng.integers(0, 16, len(policy)), rng.integers(1, 31, len(policy)),
         rng.integers(31, 61, len(policy))],
        rng.integers(61, 121, len(policy)),
    )  # fmt: skip
    late = np.where((j == 0) | autopay[policy], 0, late)
    paid_day = due + late * _DAY
    keep = (paid_day <= end) & (paid_day < claim_at[policy])
    policy, j, paid_day = policy[keep], j[keep], paid_day[keep]
    paid = np.bincount(policy, minlength=len(owner))
    last_paid = np.full(len(owner), np.iinfo(np.int64).min)
    np.maximum.at(last_paid, policy, paid_day.astype(np.int64))
    last_paid = last_paid.astype("datetime64[D]")

    # ---- status at the end of the history
    missed = _months_later(issue, installments * 12 // np.maximum(per_year, 1))
    lapsed = ~single & ~cooling & (installments < by_term) & (missed + 60 * _DAY <= end)
    claimed = ~cooling & (claim_at <= np.minimum(np.minimum(end, matures),
                                                 np.where(lapsed, missed, end)))  # fmt: skip
    matured = (matures <= end) & (installments >= by_term) & ~claimed & ~cooling
    surrendered = (
        lapsed
        & (lapse_at >= 3)
        & np.isin(line, _CASH_VALUE_LINES)
        & (rng.random(len(owner)) < 0.45)
    )
    refund_day = issue + rng.integers(1, 16, size=len(owner)) * _DAY
    cooling &= refund_day <= end
    status = np.select(
        [cooling, claimed, matured, surrendered, lapsed & ~claimed],
        [_STATUS_CODE["surrendered"], _STATUS_CODE["claimed"], _STATUS_CODE["matured"],
         _STATUS_CODE["surrendered"], _STATUS_CODE["lapsed"]],
        _STATUS_CODE["in_force"],
    )  # fmt: skip
    status_date = np.select(
        [cooling, claimed, matured, surrendered, lapsed],
        [refund_day, claim_at, matures,
         np.maximum(missed + rng.integers(0, 61, len(owner)) * _DAY, last_paid),
         np.maximum(missed + 60 * _DAY, last_paid)],
        issue,
    )  # fmt: skip

    # ---- top-ups on unit-linked and participating policies, and cooling-off refunds
    topping = np.isin(line, _TOP_UP_LINES) & ~single & ~cooling & (paid > 1)
    active_years = np.where(topping, (last_paid - issue).astype(np.int64) / 365.25, 0.0)
    tops = rng.poisson(0.25 * np.maximum(active_years, 0))
    top_policy = np.repeat(np.arange(len(owner)), tops)
    top_day = (
        issue[top_policy]
        + np.floor(
            rng.random(len(top_policy)) * (last_paid - issue)[top_policy].astype(np.int64)
        ).astype(np.int64)
        * _DAY
    )
    top_amount = np.round(premium[top_policy] * rng.lognormal(1.0, 0.4, len(top_policy)), 2)
    refunded = np.flatnonzero(cooling)
    # What an installment costs: fixed for protection and savings; health and accident cover is
    # repriced at each renewal as the insured ages; group premiums follow the headcount; flexible
    # premiums of participating and unit-linked policies vary. The first is the contract's.
    policy_year = j // np.maximum(per_year[policy], 1)
    item = line[policy]
    headcount = rng.lognormal(0.0, 0.12, size=len(policy))
    factor = np.select(
        [group[policy], np.isin(item, _REPRICED_LINES), np.isin(item, _TOP_UP_LINES)],
        [np.where(policy_year == 0, 1.0, headcount), 1.05**policy_year,
         np.where(rng.random(len(policy)) < 0.35, rng.lognormal(0.0, 0.3, len(policy)), 1.0)],
        1.0,
    )  # fmt: skip
    factor = np.where(j == 0, 1.0, factor)
    payments = {
        "policy": np.r_[policy, top_policy, refunded],
        "day": np.r_[paid_day, top_day, refund_day[refunded]],
        "kind": np.r_[np.where(j == 0, 0, 1), np.full(len(top_policy), 2),
                      np.full(len(refunded), 3)],
        "amount": np.r_[np.round(premium[policy] * factor, 2), top_amount, -premium[refunded]],
    }  # fmt: skip
    return {
        "owner": owner,
        "sequence": np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count),
        "issue": issue,
        "product": line,
        "mode": mode,
        "premium": premium,
        "term": term,
        "status": status,
        "status_date": status_date,
        "payments": payments,
        "claimed": claimed,
        "surrendered": status == _STATUS_CODE["surrendered"],
        "lapsed": status == _STATUS_CODE["lapsed"],
        "missed": missed,
    }


def _customers(rng, n, customer_ids, is_org, channel, signup, agent_ids) -> pd.DataFrame:
    city_index = rng.choice(len(_CITIES), size=n, p=_CITY_WEIGHTS / _CITY_WEIGHTS.sum())
    province = np.array([c[0] for c in _CITIES])[city_index]
    city = np.array([c[1] for c in _CITIES])[city_index]
    area = np.array([c[2] for c in _CITIES])[city_index]
    district = np.array([list(c[3]) for c in _CITIES])[city_index, rng.integers(0, 3, size=n)]
    male = rng.random(n) < 0.5
    age_days = (rng.uniform(20, 68, size=n) * 365.25).astype(np.int64)
    birth = signup - age_days * _DAY
    surname = rng.integers(0, len(_SURNAMES), size=n)
    given_one = _GIVEN[rng.integers(0, len(_GIVEN), size=n)]
    given_two = np.where(rng.random(n) < 0.7, _GIVEN[rng.integers(0, len(_GIVEN), size=n)], "")
    person = np.strings.add(np.strings.add(_SURNAMES[surname], given_one), given_two)
    industry = _INDUSTRIES[rng.integers(0, len(_INDUSTRIES), size=n)]
    org_name = np.strings.add(
        np.strings.add(
            np.strings.add(city, _ORG_WORDS[rng.integers(0, len(_ORG_WORDS), size=n)]),
            pd.Series(industry).map(_ORG_SUFFIX).to_numpy(dtype=str),
        ),
        "有限公司",
    )
    phone = np.strings.add(
        np.strings.add("1", np.array(list("35789"))[rng.integers(0, 5, size=n)]), _digits(rng, n, 9)
    )
    email = np.strings.add(
        np.strings.add(_SURNAME_PINYIN[surname], _digits(rng, n, 4)), "@mail.example.cn"
    )

    # The same person registered twice (through an agent and at a bank counter, say): a few
    # individuals carry another individual's name, birth date, gender and ID number, some also
    # the phone (the Customer picture page finds them by keyed hash).
    people = np.flatnonzero(~is_org)
    if len(people) > 1:
        twins = rng.choice(people, size=max(int(len(people) * 0.004), 1), replace=False)
        originals = rng.choice(people, size=len(twins))
        keep = twins != originals
        twins, originals = twins[keep], originals[keep]
        person[twins], birth[twins], male[twins] = (
            person[originals],
            birth[originals],
            male[originals],
        )
        same_phone = rng.random(len(twins)) < 0.5
        phone[twins[same_phone]] = phone[originals[same_phone]]
    id_number = np.where(
        is_org,
        np.strings.add(np.strings.add("91", area), _digits(rng, n, 10)),  # social credit code shape
        _resident_ids(area, birth, male, rng),
    )
    if len(people) > 1:
        id_number[twins] = id_number[originals]
    municipality = np.isin(province, ["北京", "上海", "天津", "重庆"])
    address = np.strings.add(
        np.strings.add(np.where(municipality, "", np.strings.add(province, "省")), city),
        np.strings.add(
            np.strings.add(
                np.strings.add("市", district), _ROADS[rng.integers(0, len(_ROADS), size=n)]
            ),
            np.strings.add(rng.integers(1, 999, size=n).astype(str), "号"),
        ),
    )
    agent = np.where(channel == "agency", agent_ids, None)
    return pd.DataFrame(
        {
            "customer_id": customer_ids,
            "customer_type": np.where(is_org, "organization", "individual"),
            "name": np.where(is_org, org_name, person),
            "phone": phone,
            "email": email,
            "id_number": id_number,
            "address": address,
            "gender": pd.array(
                np.where(is_org, None, np.where(male, "male", "female")), dtype="str"
            ),
            "birth_date": pd.Series(birth.astype("datetime64[s]")).where(~is_org),
            "region": province,
            "city": city,
            "industry": pd.array(np.where(is_org, industry, None), dtype="str"),
            "channel": channel,
            "agent_id": pd.array(agent, dtype="str"),
            "signup_date": signup.astype("datetime64[s]"),
        }
    )


def _interactions(rng, customer_ids, is_org, channel, signup, last_purchase, end, complainer,
                  book) -> pd.DataFrame:  # fmt: skip
    """Call-centre contacts: everyday ones at random, plus the ones events bring: a complaint
    from each complaining customer (before the lapses it makes likelier), a surrender request
    before each surrender, a claim call at each claim, a reminder before each lapse. Satisfaction
    depends on the reason, a little on the channel, and is lower for complaining customers."""
    n = len(customer_ids)
    counts = rng.poisson(np.where(is_org, 1.6, 0.5))
    who = np.repeat(np.arange(n), counts)
    horizon = np.minimum(last_purchase[who] + 180 * _DAY, end)
    length = np.maximum((horizon - signup[who]).astype(np.int64), 1)
    everyday = signup[who] + (rng.random(len(who)) * length).astype(np.int64) * _DAY
    reason = rng.choice(len(_REASONS), size=len(who), p=_REASON_WEIGHTS)

    owner = book["owner"]
    events = [
        (np.flatnonzero(complainer), None, _REASON_INDEX["complaint"]),
        (owner[book["surrendered"]], book["status_date"][book["surrendered"]] - 20 * _DAY,
         _REASON_INDEX["surrender_request"]),
        (owner[book["claimed"]], book["status_date"][book["claimed"]] + 5 * _DAY,
         _REASON_INDEX["claim"]),
        (owner[book["lapsed"]], book["missed"][book["lapsed"]] - 10 * _DAY,
         _REASON_INDEX["renewal_reminder"]),
    ]  # fmt: skip
    people, days, reasons = [who], [everyday], [reason]
    for customers, around, code in events:
        if around is None:  # complaints: sometime in the customer's first years
            span = np.maximum((np.minimum(last_purchase[customers], end) - signup[customers])
                              .astype(np.int64), 1)  # fmt: skip
            around = signup[customers] + (rng.random(len(customers)) * span).astype(np.int64) * _DAY
        else:
            around = around + rng.integers(-15, 16, len(customers)) * _DAY
        take = (around <= end) & (rng.random(len(customers)) < 0.8)
        people.append(customers[take])
        days.append(np.maximum(around[take], signup[customers[take]]))
        reasons.append(np.full(int(take.sum()), code))
    who, day, reason = np.concatenate(people), np.concatenate(days), np.concatenate(reasons)
    seconds = rng.integers(8 * 3600, 20 * 3600, len(who)).astype("timedelta64[s]")
    contact_at = day.astype("datetime64[s]") + seconds
    mood = (
        _REASON_SATISFACTION[reason]
        + pd.Series(channel[who]).map(_CHANNEL_MOOD).to_numpy()
        - 0.6 * complainer[who]
    )
    satisfaction = np.clip(np.round(rng.normal(mood, 0.8)), 1, 5)
    order = np.lexsort((who, contact_at))
    return pd.DataFrame(
        {
            "interaction_id": np.strings.add(
                "I", np.strings.zfill(np.arange(1, len(who) + 1).astype(str), 9)
            ),
            "customer_id": customer_ids[who][order],
            "contact_at": contact_at[order],
            "contact_channel": _CONTACT_CHANNELS[
                rng.choice(len(_CONTACT_CHANNELS), size=len(who), p=_CONTACT_WEIGHTS)
            ],
            "reason": _REASONS[reason][order],
            "satisfaction": satisfaction[order].astype(np.int64),
        }
    )


def write(tables: dict[str, pd.DataFrame], target: str) -> str:
    """Write the tables to a database URL (``...://...``) or a folder of Parquet files."""
    if "://" in target:
        from data.database import write_tables

        write_tables(target, tables)
        return target
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return str(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m data.sample", description="Generate the insurer demo data."
    )
    parser.add_argument("--customers", type=int, default=DemoConfig.customers)
    parser.add_argument("--out", required=True, help="database URL, or a folder for Parquet files")
    parser.add_argument("--seed", type=int, default=0, help="random_state (same seed, same data)")
    args = parser.parse_args(argv)
    if args.customers < 1:
        parser.error("--customers must be at least 1")
    began = time.perf_counter()
    tables = generate(DemoConfig(customers=args.customers, random_state=args.seed))
    generated = time.perf_counter()
    try:
        where = write(tables, args.out)
    except (OSError, ValueError) as exc:
        print(f"error: cannot write to {args.out}: {exc}", file=sys.stderr)
        return 1
    done = time.perf_counter()
    sizes = ", ".join(f"{name} {len(frame):,}" for name, frame in tables.items())
    print(
        f"wrote {sizes} to {where} "
        f"(generate {generated - began:.1f}s, write {done - generated:.1f}s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
