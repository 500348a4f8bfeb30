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
GENERATOR_VERSION = 2

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
    years: float = 4.0
    organization_share: float = 0.10
    individual_channels: dict[str, float] = field(default_factory=_default_individual_channels)
    organization_channels: dict[str, float] = field(default_factory=_default_organization_channels)
    loyalty_launch_after_years: float = 2.0
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
# Payments per year of each premium payment mode, and how common each mode is.
_PAYMENT_RATES = np.array([12.0, 4.0, 1.0])
_PAYMENT_WEIGHTS = np.array([0.42, 0.20, 0.38])
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
_REASON_WEIGHTS = np.array([0.30, 0.20, 0.16, 0.10, 0.12, 0.07, 0.05])
_REASON_SATISFACTION = np.array([4.2, 4.0, 3.6, 4.3, 4.1, 2.2, 2.6])
_CONTACT_CHANNELS = np.array(["phone", "wechat", "online_chat", "branch"])
_CONTACT_WEIGHTS = np.array([0.55, 0.20, 0.15, 0.10])
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_ID_CHECK = np.array(list("10X98765432"))


def _numbered(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` as an Arrow string array (fast at 10M rows)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


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
    """The four tables of the data contract for ``config.customers`` customers.

    Returns a dict with ``transactions``, ``customers``, ``loyalty_members`` and ``interactions``.
    The same ``config`` (including ``random_state``) always gives identical tables.
    """
    rng = np.random.default_rng(config.random_state)
    n = int(config.customers)
    if n < 1:
        raise ValueError("customers must be at least 1")
    end = np.datetime64(config.end, "D")
    span = int(round(config.years * 365.25))
    start = end - span * _DAY

    # ---- customers and their latent buying traits
    is_org = rng.random(n) < config.organization_share
    channel = np.where(
        is_org,
        _choice(rng, config.organization_channels, n),
        _choice(rng, config.individual_channels, n),
    )
    channel_code = np.searchsorted(_CHANNEL_NAMES, channel)
    signup_offset = rng.integers(0, span - 14, size=n)
    signup = start + signup_offset * _DAY
    product = rng.choice(len(_PRODUCT_LINES), size=n, p=_PRODUCT_WEIGHTS)
    mode = rng.choice(len(_PAYMENT_RATES), size=n, p=_PAYMENT_WEIGHTS)
    purchase_rate = _PAYMENT_RATES[mode] * rng.gamma(3.0, 1 / 3.0, size=n)  # per year
    channel_dropout = (
        pd.Series(channel)
        .map({"agency": 0.8, "bancassurance": 1.1, "group": 0.7, "online": 1.5})
        .to_numpy()
    )
    dropout = np.clip(rng.beta(1.2, 18.0, size=n) * channel_dropout, 0.0005, 0.9)
    # Mean premium per payment: an inverse-Gamma customer factor (Gamma-Gamma's nu, q = 4) on a
    # base for the customer type, product line and payment mode (monthly payments are smaller).
    spend_factor = 5.0 / rng.gamma(6.0, 1.0, size=n)
    premium_scale = (
        np.where(is_org, 25_000.0, 3_000.0)
        * _PRODUCT_SCALE[product]
        * spend_factor
        / _PAYMENT_RATES[mode] ** 0.3
    )
    # Loyalty propensity rises with annual value and for agency customers.
    annual_value = premium_scale * purchase_rate
    z = np.log(annual_value) - np.log(np.median(annual_value))
    propensity = 1 / (1 + np.exp(-(-1.1 + 0.8 * z + 0.9 * (channel == "agency") - 0.6 * is_org)))
    wants_loyalty = rng.random(n) < propensity
    dropout = np.where(wants_loyalty, dropout * 0.55, dropout)

    # ---- repeat purchases: Poisson arrivals on [signup, end], stopped by a geometric dropout
    years_observed = (end - signup).astype(np.int64) / 365.25
    arrivals = rng.poisson(purchase_rate * years_observed)
    survive = rng.geometric(dropout)  # repeat payments made up to and including the lapse
    repeats = np.minimum(arrivals, survive)
    owner = np.repeat(np.arange(n), arrivals)
    position = rng.random(len(owner))
    order = np.argsort(owner + position, kind="stable")  # sorts within customer by time
    position = position[order]
    rank = np.arange(len(owner)) - np.repeat(np.cumsum(arrivals) - arrivals, arrivals)
    keep = rank < repeats[owner]
    owner, position = owner[keep], position[keep]
    repeat_day = (
        signup[owner]
        + np.floor(position * (end - signup[owner]).astype(np.int64)).astype(np.int64) * _DAY
    )

    buyer = np.r_[np.arange(n), owner]
    day = np.r_[signup, repeat_day]
    kind = np.r_[  # codes into _KINDS
        np.zeros(n, np.int64), rng.choice([1, 2, 0], size=len(owner), p=[0.86, 0.07, 0.07])
    ]
    cross_sell = rng.random(len(buyer)) < 0.2
    line = np.where(cross_sell, rng.choice(len(_PRODUCT_LINES), size=len(buyer)), product[buyer])
    top_up = kind == 2
    size = np.where(top_up, rng.lognormal(1.0, 0.4, size=len(buyer)), 1.0)
    amount = np.round(
        premium_scale[buyer]
        * size
        * rng.gamma(6.0, 1 / 6.0, size=len(buyer))
        * _PRODUCT_SCALE[line]
        / _PRODUCT_SCALE[product[buyer]],
        2,
    )
    amount = np.maximum(amount, 10.0)

    # Refunds: a cooling-off cancellation of the first policy, within 15 days.
    refunder = np.flatnonzero(rng.random(n) < config.refund_share)
    refund_day = signup[refunder] + rng.integers(1, 16, size=len(refunder)) * _DAY
    refund_ok = refund_day <= end
    refunder, refund_day = refunder[refund_ok], refund_day[refund_ok]
    buyer = np.r_[buyer, refunder]
    day = np.r_[day, refund_day]
    kind = np.r_[kind, np.full(len(refunder), 3)]
    line = np.r_[line, product[refunder]]
    amount = np.r_[amount, -amount[refunder]]

    order = np.lexsort((buyer, day))
    buyer, day, kind, line, amount = (
        buyer[order],
        day[order],
        kind[order],
        line[order],
        amount[order],
    )
    customer_ids = _numbered("C", np.arange(1, n + 1), 8)
    buyer_ids = customer_ids.take(pa.array(buyer))
    policy = np.maximum(_policy_sequence(buyer, kind == 0), 1)
    transactions = pd.DataFrame(
        {
            "transaction_id": _text(_numbered("T", np.arange(1, len(buyer) + 1), 10)),
            "customer_id": _text(buyer_ids),
            "transaction_date": day.astype("datetime64[s]"),
            "amount": amount,
            "transaction_type": _labels(_KINDS, kind),
            "policy_id": _text(
                pc.binary_join_element_wise(
                    "P", buyer_ids, pc.utf8_lpad(pc.cast(pa.array(policy), pa.string()), 2, "0"), ""
                )
            ),
            "product_line": _labels(_PRODUCT_LINES, line),
            "channel": _labels(_CHANNEL_NAMES, channel_code[buyer]),
        }
    )
    customer_ids = np.asarray(customer_ids.to_numpy(zero_copy_only=False), dtype=str)

    # ---- customer master data with plausible (fake) personal information
    purchase = kind != 3
    last_purchase = np.full(n, np.iinfo(np.int64).min)
    np.maximum.at(last_purchase, buyer[purchase], day[purchase].astype(np.int64))
    last_purchase = last_purchase.astype("datetime64[D]")
    customers = _customers(rng, n, customer_ids, is_org, channel, signup)

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

    interactions = _interactions(rng, customer_ids, is_org, signup, last_purchase, end)
    return {
        "transactions": transactions,
        "customers": customers,
        "loyalty_members": loyalty,
        "interactions": interactions,
    }


def _policy_sequence(buyer: np.ndarray, new_policy: np.ndarray) -> np.ndarray:
    """Running count of new policies per customer (rows sorted by date): the policy paid for."""
    order = np.argsort(buyer, kind="stable")
    counts = np.cumsum(new_policy[order])
    group_start = np.r_[True, buyer[order][1:] != buyer[order][:-1]]
    before = np.maximum.accumulate(np.where(group_start, counts - new_policy[order], 0))
    out = np.empty_like(counts)
    out[order] = counts - before
    return out


def _customers(rng, n, customer_ids, is_org, channel, signup) -> pd.DataFrame:
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
    id_number = np.where(
        is_org,
        np.strings.add(np.strings.add("91", area), _digits(rng, n, 10)),  # social credit code shape
        _resident_ids(area, birth, male, rng),
    )
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
    agent = np.where(
        channel == "agency",
        np.strings.add(
            "A", np.strings.zfill(rng.integers(1, max(n // 40, 2), size=n).astype(str), 6)
        ),
        None,
    )
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


def _interactions(rng, customer_ids, is_org, signup, last_purchase, end) -> pd.DataFrame:
    n = len(customer_ids)
    counts = rng.poisson(np.where(is_org, 2.0, 0.7))
    who = np.repeat(np.arange(n), counts)
    horizon = np.minimum(last_purchase[who] + 180 * _DAY, end)
    length = np.maximum((horizon - signup[who]).astype(np.int64), 1)
    seconds = (rng.random(len(who)) * length * 86400).astype(np.int64)
    contact_at = signup[who].astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    reason = rng.choice(len(_REASONS), size=len(who), p=_REASON_WEIGHTS)
    satisfaction = np.clip(np.round(rng.normal(_REASON_SATISFACTION[reason], 0.8)), 1, 5)
    order = np.argsort(contact_at, kind="stable")
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
