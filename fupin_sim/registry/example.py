"""A realistic fake registry export, in the real layout, from the synthetic district.

The export has what offices' exports have: a title row, a two-row header with a merged group
(家庭收入情况 over the income columns), one row per member with the household fields on the head's
row only, fake names and phone numbers, ID numbers with valid check digits, and the usual mess
(full-width digits, thousands separators, 无 for zero, trailing spaces, √, a repeated member row,
a stated per-capita income that disagrees with its parts). Importing it gives back the synthetic
district's registered households (``tests/test_registry_example.py``). Every name is invented.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fupin_sim.config.parameters import ParameterSet
from fupin_sim.errors import UserError
from fupin_sim.model.households import CAUSES
from fupin_sim.model.population import Population
from fupin_sim.model.population_file import dibao_2015_cny
from fupin_sim.model.villages import VILLAGE_HAVES
from fupin_sim.registry.building import REFERENCE_YEAR
from fupin_sim.registry.validation import check_character

TITLE = "大安区建档立卡贫困户家庭成员信息表（示例数据，人名与证件号码均为虚构）"
GROUP = "家庭收入情况（元）"
INCOME_HEADERS = ("工资性收入", "生产经营性收入", "生产经营费用支出", "转移性收入", "财产性收入")
HEADERS_BEFORE = (
    "县", "乡(镇)", "村", "组", "户编号", "户主姓名", "联系电话", "开户银行", "银行账号", "贫困户属性", "主要致贫原因",
    "姓名", "性别", "公民身份号码", "与户主关系", "文化程度", "在校生状况", "健康状况", "劳动技能", "务工状况",
    "是否参加新型农村合作医疗",
)  # fmt: skip
HEADERS_AFTER = (
    "家庭年人均纯收入",
    "是否危房",
    "饮水是否困难",
    "是否通生活用电",
    "是否通广播电视",
    "脱贫状态",
    "脱贫年度",
)
VILLAGE_HEADERS = (
    "乡(镇)",
    "村",
    "是否贫困村",
    "总户数",
    "是否有集体经济收入",
    "是否通硬化路",
    "是否有卫生室",
    "是否有文化室",
    "是否通宽带",
)
COUNTY, REGION_CODE = "大安区", "510304"
TOWNSHIPS = ("大山铺镇", "何市镇", "团结镇", "三多寨镇", "牛佛镇", "庙坝镇", "新店镇", "回龙镇", "永嘉镇", "龙井街道")
VILLAGE_FIRST = "新红金石青白龙凤黄柏桂松玉长高平"
VILLAGE_SECOND = "桥岩湾坪山林河田坝沟塘井"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢钟"
GIVEN = "国华建军明芳秀英玉兰桂珍志强永红德文春梅海燕淑琴金凤光荣世平家福学勇"
CAUSE_WORDS = {
    "illness": ["因病"],
    "disability": ["因残"],
    "lack_of_labour": ["缺劳力"],
    "lack_of_funds": ["缺资金"],
    "lack_of_skills": ["缺技术"],
    "schooling": ["因学"],
    "disaster": ["因灾"],
    "other": ["缺土地", "缺水", "交通条件落后", "自身发展动力不足", "其他"],
}
FULL_WIDTH = str.maketrans("0123456789,", "０１２３４５６７８９，")
ATTRIBUTE_WORDS = {"dibao": "低保户", "general": "一般贫困户"}
BUSINESS_COST_SHARE = 0.1  # the fake export states a cost of a tenth of gross business income
REPEAT_EVERY = 97  # one household in so many lists a member twice
DISAGREE_EVERY = 53  # one household in so many states a per-capita income that disagrees with its parts
EXAMPLE_SEED_OFFSET = 7919  # names and ID digits come from their own stream, not the model's


def village_names(n_villages: int) -> list[tuple[str, str]]:
    """(township, village) of each synthetic village: invented names, unique."""
    names = [f"{a}{b}村" for a in VILLAGE_FIRST for b in VILLAGE_SECOND]
    if n_villages > len(names):
        names += [f"第{i}村" for i in range(len(names), n_villages)]
    return [(TOWNSHIPS[v % len(TOWNSHIPS)], names[v]) for v in range(n_villages)]


def example_tables(
    population: Population, params: ParameterSet, seed: int
) -> tuple[list[list[object]], list[list[object]]]:
    """The member rows of the registered households and the village rows (cells as written).

    Households without labour are 低保户, and their 转移性收入 holds the 低保 of 2015 (补差 to the
    2015 standard), as a real export's does; the import takes it out again.
    """
    rng = np.random.default_rng(seed + EXAMPLE_SEED_OFFSET)
    hh, persons, villages = population.households, population.persons, population.villages
    attributes = np.where(hh.labour_units == 0, "dibao", "general")
    earned = hh.wage_per_unit_cny_per_year * hh.labour_units + hh.farm_cny_per_year + hh.property_cny_per_year
    dibao = dibao_2015_cny(attributes, earned, hh.size, params)
    places = village_names(len(villages))
    registered = np.flatnonzero(hh.registered_2015)
    first = np.cumsum(hh.size) - hh.size
    labour = persons.labour_units()
    used_ids: set[str] = set()
    rows: list[list[object]] = []
    for number, h in enumerate(registered):
        members = range(first[h], first[h] + hh.size[h])
        township, village = places[hh.village[h]]
        ids = [_fake_id(rng, int(persons.age[p]), bool(persons.female[p]), used_ids) for p in members]
        names = [_fake_name(rng) for _ in members]
        household_cells = _household_cells(hh, h, number, ATTRIBUTE_WORDS[attributes[h]], dibao[h])
        head_age = int(persons.age[first[h]])
        for position, p in enumerate(members):
            is_head = position == 0
            row = [
                COUNTY,
                township,
                village + (" " if number % 5 == 0 else ""),
                f"{int(rng.integers(1, 9))}组",
                f"5103040{number + 1:08d}",
                names[0] if is_head else "",
                f"1{int(rng.integers(3, 9))}{int(rng.integers(0, 10**9)):09d}" if is_head else "",
                "大安区农村信用合作联社" if is_head else "",
                f"6{int(rng.integers(10**17, 10**18))}" if is_head else "",
                household_cells["attribute"] if is_head else "",
                household_cells["cause"] if is_head else "",
                names[position] + (" " if position == 1 else ""),
                "女" if persons.female[p] else "男",
                ids[position],
                "户主" if is_head else _relation(position, int(persons.age[p]), head_age, bool(persons.female[p])),
                _education(int(persons.age[p])),
                _schooling(int(persons.age[p]), bool(persons.enrolled[p])),
                _health(bool(persons.chronic[p]), bool(persons.disabled[p])),
                _labour(float(labour[p]), int(persons.age[p])),
                "乡镇内务工" if labour[p] > 0 else "无",
                "是" if hh.insured[h] else "否",
                *(household_cells["income"] if is_head else [""] * len(INCOME_HEADERS)),
                *(household_cells["after"] if is_head else [""] * len(HEADERS_AFTER)),
            ]
            rows.append(row)
        if number % REPEAT_EVERY == REPEAT_EVERY - 1 and hh.size[h] > 1:
            rows.append(list(rows[-1]))
    total = np.bincount(hh.village, minlength=len(villages))
    village_rows = [
        [
            township,
            village,
            "是" if villages.poor_village[v] else "否",
            f"{int(total[v]):,}",
            *("是" if getattr(villages, have)[v] else "否" for have in VILLAGE_HAVES),
        ]
        for v, (township, village) in enumerate(places)
    ]
    return rows, village_rows


def _household_cells(hh, h: int, number: int, attribute: str, dibao_cny: float) -> dict[str, object]:
    wage = hh.wage_per_unit_cny_per_year[h] * hh.labour_units[h]
    farm = hh.farm_cny_per_year[h]
    cost = round(BUSINESS_COST_SHARE * farm, 2)
    transfer = hh.pension_cny_per_year[h] + hh.other_transfer_cny_per_year[h] + dibao_cny
    prop = hh.property_cny_per_year[h]
    income = [round(wage, 2), round(farm + cost, 2), cost, round(transfer, 2), round(prop, 2)]
    per_capita = (wage + farm + transfer + prop) / hh.size[h]
    if number % DISAGREE_EVERY == DISAGREE_EVERY - 1:
        per_capita *= 1.25
    cause = CAUSES[hh.cause[h]]
    words = CAUSE_WORDS[cause]
    return {
        "attribute": attribute,
        "cause": words[number % len(words)],
        "income": [_money(value, number + i) for i, value in enumerate(income)],
        "after": [
            _money(round(per_capita, 2), number),
            "否" if hh.safe_housing[h] else "是",
            "" if hh.safe_water[h] else "√",
            "是" if hh.electricity[h] else "否",
            "是" if hh.radio_tv[h] else "否",
            "未脱贫",
            "",
        ],
    }


def _money(value: float, variant: int) -> object:
    """Yuan as offices write it: a number, 无 for zero, thousands separators, full-width digits."""
    if value == 0:
        return "无" if variant % 2 else 0
    if variant % 7 == 3:
        return f"{value:,.2f}".translate(FULL_WIDTH)
    if variant % 5 == 1:
        return f"{value:,.2f}"
    return value


def _fake_id(rng: np.random.Generator, age: int, female: bool, used: set[str]) -> str:
    """An invented 18-character ID with the region, a birth date matching the age and a valid check digit."""
    year = REFERENCE_YEAR - age
    while True:
        month, day = int(rng.integers(1, 13)), int(rng.integers(1, 29))
        sequence = int(rng.integers(0, 500)) * 2 + (0 if female else 1)
        body = f"{REGION_CODE}{year:04d}{month:02d}{day:02d}{sequence:03d}"
        id_number = body + check_character(body)
        if id_number not in used:
            used.add(id_number)
            return id_number


def _fake_name(rng: np.random.Generator) -> str:
    given = "".join(GIVEN[int(i)] for i in rng.integers(0, len(GIVEN), int(rng.integers(1, 3))))
    return SURNAMES[int(rng.integers(0, len(SURNAMES)))] + given


def _relation(position: int, age: int, head_age: int, female: bool) -> str:
    if position == 1 and age >= 18 and abs(age - head_age) < 15:
        return "配偶"
    if age <= head_age - 15:
        return "之女" if female else "之子"
    if age >= head_age + 15:
        return "之母" if female else "之父"
    return "其他"


def _education(age: int) -> str:
    return "学龄前" if age < 6 else ("小学" if age < 40 else "文盲或半文盲")


def _schooling(age: int, enrolled: bool) -> str:
    if not enrolled:
        return "非在校生"
    return "小学" if age <= 11 else ("初中" if age <= 14 else "高中")


def _health(chronic: bool, disabled: bool) -> str:
    return "、".join(word for word, flag in (("长期慢性病", chronic), ("残疾", disabled)) if flag) or "健康"


def _labour(units: float, age: int) -> str:
    if units >= 1:
        return "普通劳动力"
    if units > 0:
        return "弱劳动力或半劳动力"
    return "丧失劳动力" if 16 <= age <= 74 else "无劳动力"


def write_example(
    population: Population,
    params: ParameterSet,
    seed: int,
    out: Path | str,
    village_out: Path | str | None = None,
    encoding: str = "gb18030",
) -> tuple[Path, int]:
    """Write the fake export (``.xlsx``, ``.xls`` or ``.csv`` by ``out``'s suffix) and optionally the village file.

    Args:
        population: the synthetic district (its registered households are exported).
        params: the parameters it was drawn with (the 2015 低保 standard of its 低保户).
        seed: seed of the invented names and ID digits.
        out: the export file.
        village_out: the village file (same formats).
        encoding: text encoding of CSV files.

    Returns:
        The export's path and the number of member rows written.

    Raises:
        UserError: an unsupported suffix or an unwritable path.
    """
    rows, village_rows = example_tables(population, params, seed)
    header_top = [*HEADERS_BEFORE, GROUP, *[""] * (len(INCOME_HEADERS) - 1), *HEADERS_AFTER]
    header_sub = [""] * len(HEADERS_BEFORE) + list(INCOME_HEADERS) + [""] * len(HEADERS_AFTER)
    merges = (len(HEADERS_BEFORE), len(HEADERS_BEFORE) + len(INCOME_HEADERS) - 1)
    _write_sheet(Path(out), [[TITLE], header_top, header_sub, *rows], merges, encoding)
    if village_out is not None:
        _write_sheet(
            Path(village_out),
            [["大安区贫困村一低五有情况表（示例）"], list(VILLAGE_HEADERS), *village_rows],
            None,
            encoding,
        )
    return Path(out), len(rows)


def _write_sheet(path: Path, rows: list[list[object]], merge: tuple[int, int] | None, encoding: str) -> None:
    suffix = path.suffix.lower()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            width = max(map(len, rows))
            pd.DataFrame([[*row, *[""] * (width - len(row))] for row in rows]).to_csv(
                path, index=False, header=False, encoding=encoding
            )
        elif suffix == ".xlsx":
            _write_xlsx(path, rows, merge)
        elif suffix == ".xls":
            _write_xls(path, rows, merge)
        else:
            raise UserError(f"{path}: write the example as .xlsx, .xls or .csv")
    except OSError as err:
        raise UserError(f"cannot write {path}: {err.strerror}") from None


def _write_xlsx(path: Path, rows: list[list[object]], merge: tuple[int, int] | None) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "贫困户信息"
    for row in rows:
        sheet.append(row)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[1]))
    if merge is not None:
        sheet.merge_cells(start_row=2, start_column=merge[0] + 1, end_row=2, end_column=merge[1] + 1)
        for column, text in enumerate(rows[1], start=1):
            if text and not merge[0] + 1 <= column <= merge[1] + 1:
                sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    workbook.save(path)


def _write_xls(path: Path, rows: list[list[object]], merge: tuple[int, int] | None) -> None:
    try:
        import xlwt
    except ImportError:
        raise UserError(f"{path}: writing .xls needs the xlwt package (pip install xlwt); or write .xlsx") from None

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("贫困户信息")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value != "" and not (merge is not None and r == 1 and merge[0] < c <= merge[1]):
                sheet.write(r, c, value)
    workbook.save(str(path))
