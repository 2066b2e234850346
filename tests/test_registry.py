"""Importing a registry export: formats and encodings, the mess of real exports, privacy, bad input.

The fixture is a small export in the real layout (title row, two-row header with a merged income
group, household fields on the head's row only) holding known names, ID numbers, phones and bank
accounts; the privacy tests search every file the import, a run and the plans write for them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fupin_sim.cli import main
from fupin_sim.config.scenario import load_scenario
from fupin_sim.errors import ScenarioError, UserError
from fupin_sim.model.households import CAUSE_INDEX
from fupin_sim.model.simulation import FupinModel
from fupin_sim.registry import import_registry
from fupin_sim.registry.validation import check_character, id_problem

HEADER_TOP = [
    "乡(镇)", "村", "户编号", "户主姓名", "联系电话", "银行账号", "主要致贫原因", "姓名", "性别", "公民身份号码", "与户主关系",
    "健康状况", "在校生状况", "是否参加新型农村合作医疗", "家庭收入情况", "", "", "", "家庭年人均纯收入", "是否危房", "是否通生活用电",
]  # fmt: skip
HEADER_SUB = [""] * 14 + ["工资性收入", "生产经营性收入", "转移性收入", "财产性收入"] + [""] * 3
PHONES = ("13912345678", "13887654321")
ACCOUNTS = ("6228480402564890018", "6217003810026896541")


def make_id(birth: str, sequence: int) -> str:
    """A valid 18-character ID number born on ``birth`` (YYYYMMDD)."""
    body = f"510304{birth}{sequence:03d}"
    return body + check_character(body)


MEMBERS = [  # (household number, name, sex, ID, relation, health, schooling)
    ("5103040990001", "王建国", "男", make_id("19650312", 11), "户主", "长期慢性病", "非在校生"),
    ("5103040990001", "李秀英", "女", make_id("19680704", 22), "配偶", "健康", "非在校生"),
    ("5103040990001", "王小明", "男", make_id("20080101", 31), "之子", "健康", "小学"),
    ("5103040990002", "张玉兰", "女", make_id("19450209", 42), "户主", "残疾", "非在校生"),
]
NAMES = [member[1] for member in MEMBERS]
IDS = [member[3] for member in MEMBERS]
HOUSEHOLD_NUMBERS = sorted({member[0] for member in MEMBERS})


def export_rows(cause: str = "因病", drop_head: bool = False, bad_id: bool = False) -> list[list[str]]:
    """The fixture export's rows: title, two header rows, member rows (one repeated), in the real mess."""
    rows = [["大安区建档立卡贫困户信息表"], HEADER_TOP, HEADER_SUB]
    household = {
        "5103040990001": [
            "１２，０００",
            "3,500",
            "无",
            "",
            "5166.67",
            "否",
            "是",
        ],  # full-width digits, separators, 无 and blank
        "5103040990002": ["0", "800", "2400", "100", "4000", "是", "√"],  # stated 4000 against parts 3300: disagrees
    }
    for number, name, sex, id_number, relation, health, schooling in MEMBERS:
        if drop_head and number.endswith("2"):
            relation = "之母"
        if bad_id and name == "李秀英":
            id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
        head = relation == "户主"
        first = number.endswith("1")
        phone, account = (PHONES[0], ACCOUNTS[0]) if first else (PHONES[1], ACCOUNTS[1])
        rows.append(
            [
                "何市镇 ",
                "新桥村" if first else "石岩村",
                number,
                name if head else "",
                phone if head else "",
                account if head else "",
                (cause if first else "因残") if head else "",
                name + " ",
                sex,
                id_number,
                relation,
                health,
                schooling,
                "是",
                *(household[number][:4] if head else [""] * 4),
                *(household[number][4:] if head else [""] * 3),
            ]
        )
    rows.append(list(rows[-3]))  # H1's child listed twice
    return rows


def write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    width = max(map(len, rows))
    pd.DataFrame([[*row, *[""] * (width - len(row))] for row in rows]).to_csv(
        path, index=False, header=False, encoding=encoding
    )
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.active.merge_cells(start_row=2, start_column=15, end_row=2, end_column=18)
    workbook.save(path)
    return path


def write_xls(path: Path, rows: list[list[str]]) -> Path:
    xlwt = pytest.importorskip("xlwt")
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("户")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                sheet.write(r, c, value)
    workbook.save(str(path))
    return path


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "secret" / "registry.key"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "export.csv", export_rows(), "gbk")


def imported(tmp_path: Path, export: Path, key_file: Path, **options):
    out = tmp_path / "registry"
    report = import_registry(export, out=out, key_file=key_file, **options)
    return report, pd.read_parquet(out / "households.parquet"), pd.read_parquet(out / "persons.parquet"), out


def test_id_check_digit_of_the_standard_example():
    """GB 11643's published example 11010519491231002X is valid; one changed digit is not."""
    assert check_character("11010519491231002") == "X"
    assert id_problem("11010519491231002X") is None
    assert "check digit" in id_problem("11010519491231003X")
    assert "18 characters" in id_problem("1101051949123")


def test_import_reads_the_mess_of_a_real_export(tmp_path, export, key_file):
    """Given the fixture: 2 households, 4 members; the repeated row is dropped; the yuan are read."""
    report, households, persons, out = imported(tmp_path, export, key_file)
    assert (report.rows_read, report.households, report.members) == (5, 2, 4)
    assert report.duplicates == [8]
    h1, h2 = households.iloc[0], households.iloc[1]
    assert (h1["size"], h2["size"]) == (3, 1)
    assert h1.wage_cny_per_year == 12000 and h1.farm_cny_per_year == 3500 and h1.transfer_cny_per_year == 0
    assert h1.cause == CAUSE_INDEX["illness"] and h2.cause == CAUSE_INDEX["disability"]
    assert bool(h1.safe_housing) and not bool(h2.safe_housing)  # 是否危房: 否 / 是
    assert list(report.disagreements.household_key) == [h2.household_key]  # 4000 stated, 3300 from parts
    assert persons.age.tolist() == [2016 - 1965, 2016 - 1968, 2016 - 2008, 2016 - 1945]
    assert persons.female.tolist() == [False, True, False, True]
    assert persons.chronic.tolist() == [True, False, False, False]
    assert persons.disabled.tolist() == [False, False, False, True]
    assert persons.enrolled.tolist() == [False, False, True, False]
    assert households.village.tolist() == [0, 1]
    villages = pd.read_parquet(out / "villages.parquet")
    assert villages.village_name.tolist() == ["何市镇 新桥村", "何市镇 石岩村"]
    assert villages.road.isna().all()  # no village file: the haves are left to the seed, and the report says so
    assert "villages without a row in a village file (2): haves drawn" in (out / "import_report.md").read_text("utf-8")


def test_village_file_gives_haves_and_sizes_and_its_bad_cells_are_refused(tmp_path, export, key_file):
    header = [
        "乡镇",
        "村",
        "是否贫困村",
        "总户数",
        "是否通硬化路",
        "是否有卫生室",
        "是否有文化室",
        "是否通宽带",
        "集体经济收入",
    ]
    rows = [["贫困村一低五有情况"], header, ["何市镇", "新桥村", "是", "1,200", "是", "否", "√", "是", "有"]]
    village_file = write_csv(tmp_path / "villages.csv", rows, "gb18030")
    out = tmp_path / "registry"
    import_registry(export, village_file, out=out, key_file=key_file)
    villages = pd.read_parquet(out / "villages.parquet").set_index("village_name")
    assert villages.loc["何市镇 新桥村", "households_total"] == 1200
    assert villages.loc["何市镇 新桥村", ["road", "clinic", "culture_room", "broadband"]].tolist() == [
        True, False, True, True,
    ]  # fmt: skip
    assert pd.isna(villages.loc["何市镇 石岩村", "road"])  # not in the village file
    rows[2][4] = "也许"
    bad = write_csv(tmp_path / "bad_villages.csv", rows, "gb18030")
    with pytest.raises(UserError, match="row 3, column bad_villages.csv: 是否通硬化路: not a yes/no answer"):
        import_registry(export, bad, out=tmp_path / "other", key_file=key_file)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected_not_guessed_from_the_name(tmp_path, key_file, encoding):
    """The same export in four encodings, all named .txt, gives the same households."""
    path = write_csv(tmp_path / "export.txt", export_rows(), encoding)
    report, households, _, _ = imported(tmp_path, path, key_file)
    assert report.households == 2 and households["size"].tolist() == [3, 1]
    assert report.source.startswith("csv")


@pytest.mark.parametrize("writer", [write_xlsx, write_xls])
def test_spreadsheets_give_the_same_households_as_csv(tmp_path, export, key_file, writer):
    """XLSX and XLS (with a misleading .csv name) read like the CSV."""
    sheet = writer(tmp_path / f"export_{writer.__name__}.csv", export_rows())
    _, from_csv, _, _ = imported(tmp_path, export, key_file)
    report, from_sheet, _, _ = imported(tmp_path, sheet, key_file)
    assert report.source in ("xlsx", "xls")
    pd.testing.assert_frame_equal(from_csv, from_sheet)


def test_keys_are_keyed_hashes_stable_with_the_key_file(tmp_path, export, key_file):
    """Same key file: same keys; another key file: other keys; the secret is created once."""
    first, households_1, _, _ = imported(tmp_path, export, key_file)
    second, households_2, _, _ = imported(tmp_path, export, key_file)
    assert first.key_file_created and not second.key_file_created
    assert households_1.household_key.tolist() == households_2.household_key.tolist()
    _, households_3, _, _ = imported(tmp_path, export, tmp_path / "other.key")
    assert set(households_3.household_key).isdisjoint(households_1.household_key)
    assert households_1.household_key.str.fullmatch(r"H[0-9a-f]{16}").all()


def test_reidentification_table_only_when_asked(tmp_path, export, key_file):
    """--keys-file writes key → head's name and ID, outside the folder; never inside it."""
    keys = tmp_path / "office" / "keys.csv"
    _, households, _, out = imported(tmp_path, export, key_file, keys_file=keys)
    table = pd.read_csv(keys, encoding="utf-8-sig", dtype=str)
    assert table.household_key.tolist() == households.household_key.tolist()
    assert table.head_name.tolist() == ["王建国", "张玉兰"] and table.head_id.tolist() == [IDS[0], IDS[3]]
    with pytest.raises(UserError, match="inside the output folder"):
        import_registry(export, out=out, key_file=key_file, keys_file=out / "keys.csv")
    with pytest.raises(UserError, match="inside the output folder"):
        import_registry(export, out=out, key_file=out / "registry.key")


def _texts(folder: Path) -> list[tuple[Path, str]]:
    """Every file below ``folder`` as text (workbooks: every cell; Parquet and others: bytes in two encodings)."""
    texts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as workbook:
                data = b"".join(workbook.read(name) for name in workbook.namelist())
        texts.append((path, data.decode("utf-8", errors="ignore") + data.decode("gb18030", errors="ignore")))
    return texts


def test_no_personal_field_reaches_the_import_a_run_or_the_plans(tmp_path, export, key_file, capsys):
    """Names, IDs, phones and accounts appear in no file of the population folder, a run's results,
    its workbook, the plans' CSV and workbook, nor in anything printed."""
    out = tmp_path / "registry"
    assert main(["registry", "import", str(export), "--out", str(out), "--key-file", str(key_file)]) == 0
    scenario = tmp_path / "mine.yaml"
    scenario.write_text(f"extends: baseline\npopulation: {{registry: {out}}}\n", encoding="utf-8")
    results = tmp_path / "results"
    assert main(["run", str(scenario), "--out", str(results / "run"), "--excel", str(results / "run.xlsx")]) == 0
    plan = ["plan", "households", str(scenario), "--reps", "2", "--no-progress"]
    assert main([*plan, "--out", str(results / "plans.csv"), "--excel", str(results / "plans.xlsx")]) == 0
    printed = capsys.readouterr()
    secrets = [*NAMES, *IDS, *PHONES, *ACCOUNTS, *HOUSEHOLD_NUMBERS]
    files = _texts(out) + _texts(results)
    assert len(files) > 10
    for path, content in files + [(Path("stdout"), printed.out), (Path("stderr"), printed.err)]:
        for secret in secrets:
            assert secret not in content, f"{secret} in {path}"
    households = pd.read_parquet(out / "households.parquet")
    assert set(households.household_key) <= set(pd.read_csv(results / "plans.csv").household_key)


@pytest.mark.parametrize(
    ("rows", "row", "column", "reason"),
    [
        (export_rows(drop_head=True), 7, "与户主关系", "without a head"),
        (export_rows(bad_id=True), 5, "公民身份号码", "check digit"),
        (export_rows(cause="因懒"), 4, "主要致贫原因", "did you mean"),
    ],
)
def test_bad_rows_stop_the_import_naming_row_and_column(tmp_path, key_file, capsys, rows, row, column, reason):
    """A household without a head, a bad check digit, an unknown cause: exit 2, row and column named,
    no personal field in the message, nothing written."""
    path = write_csv(tmp_path / "bad.csv", rows, "gb18030")
    out = tmp_path / "registry"
    code = main(["registry", "import", str(path), "--out", str(out), "--key-file", str(key_file)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
    assert f"row {row}, column {column}" in err and reason in err
    assert not any(secret in err for secret in [*NAMES, *IDS, *PHONES, *ACCOUNTS, *HOUSEHOLD_NUMBERS])
    assert not out.exists() and not key_file.exists()


def test_allow_refused_imports_the_rest_and_reports_every_refused_row(tmp_path, key_file):
    """--allow-refused: the household with the bad ID is left out and its rows listed in the report."""
    path = write_csv(tmp_path / "bad.csv", export_rows(bad_id=True), "utf-8")
    report, households, _, out = imported(tmp_path, path, key_file, allow_refused=True)
    assert report.households == 1 and households["size"].tolist() == [1]
    refused = pd.read_csv(out / "refused_rows.csv", encoding="utf-8-sig")
    assert sorted(refused.row) == [4, 5, 6, 8]  # the whole household H1, its repeated row too
    assert "row 5, column 公民身份号码" in (out / "import_report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 not really a workbook", "not a readable XLSX"),
        ("县,乡镇,村\n大安区,何市镇,新桥村\n".encode("utf-16"), "binary data"),
        ("\u00e9\u00e8\u00ea;".encode("cp1252") * 50, "no header row"),
    ],
)
def test_unreadable_files_are_clear_errors(tmp_path, key_file, capsys, content, message):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    assert main(["registry", "import", str(path), "--out", str(tmp_path / "out"), "--key-file", str(key_file)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_missing_required_column_names_it_and_the_aliases_tried(tmp_path, key_file):
    rows = [[cell if cell != "公民身份号码" else "编号X" for cell in row] for row in export_rows()]
    path = write_csv(tmp_path / "export.csv", rows, "utf-8")
    with pytest.raises(UserError, match=r"required field id_number \(tried: 公民身份号码, 证件号码"):
        import_registry(path, out=tmp_path / "out", key_file=key_file)


def test_users_extend_the_aliases_without_code(tmp_path, key_file):
    """A header and a cause word of one's own province, added in an alias file, are read."""
    rows = [
        [cell if cell != "公民身份号码" else "家庭成员身份证" for cell in row] for row in export_rows(cause="缺产业")
    ]
    path = write_csv(tmp_path / "export.csv", rows, "utf-8")
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text(
        "fields:\n  id_number: {aliases: [家庭成员身份证]}\nvalues:\n  cause:\n    other: [缺产业]\n", encoding="utf-8"
    )
    report, households, _, _ = imported(tmp_path, path, key_file, aliases=aliases)
    assert report.households == 2 and households.cause[0] == CAUSE_INDEX["other"]


def test_a_scenario_runs_on_the_registry_deterministically(tmp_path, export, key_file):
    """population: {registry: DIR}: the registry's households come first, by key; the same seed, the same run."""
    _, households, _, out = imported(tmp_path, export, key_file)
    scenario = load_scenario({"extends": "baseline", "population": {"registry": str(out)}})
    model = FupinModel(scenario)
    assert model.household_keys[:2].tolist() == households.household_key.tolist()
    drawn = model.household_keys[2:]  # the households drawn beside the registry: D and the row number
    assert drawn[0] == "D000003" and drawn[-1] == f"D{len(model.households):06d}" and len(set(drawn)) == drawn.size
    assert model.households.size[:2].tolist() == [3, 1] and model.households.registered_2015.sum() == 2
    assert np.allclose(model.households.income_pc_cny[:2], [(12000 + 3500) / 3, 3300])
    first, second = model.run(), FupinModel(scenario).run()
    pd.testing.assert_frame_equal(first.yearly, second.yearly)
    assert set(first.villages.village_name) >= {"何市镇 新桥村", "何市镇 石岩村"}


def test_population_key_is_validated(tmp_path, export, key_file):
    with pytest.raises(ScenarioError, match="did you mean 'registry'"):
        load_scenario({"extends": "baseline", "population": {"registy": "x"}})
    with pytest.raises(ScenarioError, match="population.registry: .* is not a folder; import the registry first"):
        load_scenario({"extends": "baseline", "population": {"registry": str(tmp_path / "none")}})
    _, _, _, out = imported(tmp_path, export, key_file)
    with pytest.raises(ScenarioError, match="population_scale: an imported registry is run whole"):
        load_scenario({"extends": "baseline", "population_scale": 0.1, "population": {"registry": str(out)}})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fields:\n  id_numbr: {aliases: [身份证]}\n", "fields.id_numbr is not a field"),
        ("fields:\n  id_number: {aliases: [a]}\n  id_number: {aliases: [b]}\n", "id_number"),
        ("values:\n  causes: {other: [缺产业]}\n", "values.causes is not a vocabulary"),
    ],
)
def test_bad_alias_files_are_clear_errors(tmp_path, export, key_file, text, message):
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        import_registry(export, out=tmp_path / "out", key_file=key_file, aliases=aliases)
    assert not (tmp_path / "out").exists()
