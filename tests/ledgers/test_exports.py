"""The 一总四分 workbooks, read back with openpyxl: rows strictly within the requester's scope,
subtotals that add up, merged Chinese headers, the yuan format, frozen panes, as-of ledgers from
the history, the village PDF and the command line."""

from __future__ import annotations

import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl.utils import get_column_letter

from assets.actions import do_update_asset
from assets.choices import AssetStatus
from assets.models import Asset, Organisation
from ledgers.exports.pdf import write_village_pdf
from ledgers.exports.spec import LedgerRequest
from ledgers.exports.xlsx import write_ledger_xlsx
from tests.ledgers.conftest import (
    DAY,
    MONEY_FORMAT,
    add_household_asset,
    asset_rows,
    backdate_history,
    codes,
    headers,
    labelled_rows,
    load,
    money,
)

pytestmark = pytest.mark.django_db

MONEY_HEADERS = ["原值", "累计折旧", "净值"]


def export(user, **request) -> tuple:
    buffer = io.BytesIO()
    result = write_ledger_xlsx(user, LedgerRequest(**request), buffer)
    return load(buffer.getvalue()), result


def expected_codes(world, *village_indexes: int) -> set[str]:
    return {asset.code for i in village_indexes for asset in world.assets[i]}


def test_township_ledger_holds_exactly_the_township_assets(world):
    workbook, result = export(world.user("township1"), ledger="township")

    assert codes(workbook) == expected_codes(world, 0, 1)
    assert result.rows == 4
    assert workbook.sheetnames == ["汇总", "经营性资产", "公益性资产", "到户类资产"]
    for ws in workbook.worksheets[1:]:
        for row in asset_rows(ws):
            assert row["乡镇"] == world.townships[0].name


@pytest.mark.parametrize("username, villages", [("village1", [0]), ("village2", [2]), ("dept_water", None),
                                                ("county", [0, 1, 2, 3]), ("auditor", [0, 1, 2, 3])])
def test_every_ledger_is_limited_to_the_requesters_scope(world, username, villages):
    """Fixed rows from the world, not from ``restrict()``: a village's assets, or for 水利局 the
    drinking-water assets of every village. Every asset of the world has a township, a village
    and a supervising department; none is a household asset."""
    user = world.user(username)
    if villages is None:
        expected = {world.assets[i][0].code for i in range(4)}
        assert all(world.assets[i][0].category.code == "drinking_water" for i in range(4))
    else:
        expected = expected_codes(world, *villages)
    for ledger in ("county", "township", "village", "department"):
        workbook, _result = export(user, ledger=ledger)
        assert codes(workbook) == expected, ledger
    workbook, result = export(user, ledger="household")
    assert codes(workbook) == set() and result.rows == 0


def test_headers_are_merged_chinese_two_rows_frozen_with_yuan_format(world):
    workbook, _result = export(world.user("township1"), ledger="township")
    ws = workbook["公益性资产"]
    names = headers(ws)
    merged = {str(r) for r in ws.merged_cells.ranges}
    last = get_column_letter(ws.max_column)

    assert ws["A1"].value.startswith("麦盖提县乡镇帮扶项目资产台账")
    assert f"A1:{last}1" in merged and f"A2:{last}2" in merged
    assert "A3:A4" in merged and "B3:B4" in merged  # 序号, 资产编号 merged down both header rows
    value_column = names.index("原值") + 1
    value_group = f"{get_column_letter(value_column)}3:{get_column_letter(value_column + 2)}3"
    assert value_group in merged and ws.cell(3, value_column).value == "资产价值（元）"
    funding = names.index("财政专项扶贫资金") + 1
    assert ws.cell(3, funding).value == "资金来源（元）"
    assert f"{get_column_letter(funding)}3:{get_column_letter(funding + 7)}3" in merged
    assert names[:3] == ["序号", "资产编号", "资产名称"]
    assert ws.freeze_panes == "D5"
    assert ws.column_dimensions["C"].width == 30
    first = next(r for r in range(5, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int))
    for header in MONEY_HEADERS:
        cell = ws.cell(first, names.index(header) + 1)
        assert isinstance(cell.value, (int, float)) and cell.number_format == MONEY_FORMAT


def test_subtotals_per_village_township_and_class_add_up(world):
    workbook, result = export(world.user("township1"), ledger="township")
    ws = workbook["公益性资产"]
    names = headers(ws)
    original = names.index("原值")
    net = names.index("净值")
    rows = asset_rows(ws)
    subtotals = labelled_rows(ws, "小计")
    totals = labelled_rows(ws, "合计")

    # two villages (one asset each) and the township: three subtotal rows, then the class total
    assert [row[2] for row in subtotals] == [
        f"{world.villages[0].name}（1 项）", f"{world.villages[1].name}（1 项）", f"{world.townships[0].name}（2 项）"]
    village_sums = [money(row[original]) for row in subtotals[:2]]
    assert village_sums == [money(r["原值"]) for r in rows]
    assert money(subtotals[2][original]) == sum(village_sums)
    assert len(totals) == 1 and money(totals[0][original]) == sum(money(r["原值"]) for r in rows)
    assert money(totals[0][net]) == sum(money(r["净值"]) for r in rows)
    assert result.class_totals["public_benefit"]["original_value"] == Decimal("200000.00")
    # the summary sheet: one row per township, per class and all classes
    summary = workbook["汇总"]
    summary_rows = [row for row in summary.iter_rows(min_row=5, values_only=True)]
    assert summary_rows[0][0] == world.townships[0].name
    assert summary_rows[-1][0] == "合计"
    assert summary_rows[-1][-3:] == (4, 400000, 280000)


def test_county_master_totals_equal_the_sum_of_the_township_ledgers(world):
    add_household_asset(world, 0)
    add_household_asset(world, 3, "12000.00")
    county = world.user("county")
    master, master_result = export(county, ledger="county")
    township_totals = [export(county, ledger="township", region_id=t.pk)[1] for t in world.townships]

    for asset_class, totals in master_result.class_totals.items():
        for key in ("count", "original_value", "net_value", "fund_special_poverty_fund", "fund_revitalization_subsidy"):
            assert totals[key] == sum(t.class_totals[asset_class][key] for t in township_totals), (asset_class, key)
    # inside the master workbook: the summary's total row is the sum of its township rows,
    # and each class sheet's total is the sum of its township subtotals
    summary_rows = list(master["汇总"].iter_rows(min_row=5, values_only=True))
    townships, total = summary_rows[:-1], summary_rows[-1]
    assert [row[0] for row in townships] == [t.name for t in world.townships]
    for column in range(1, len(total)):
        assert money(total[column]) == sum(money(row[column]) for row in townships)
    assert total[-3] == Asset.objects.count()
    for ws in master.worksheets[1:]:
        original = headers(ws).index("原值")
        subtotal = sum(money(row[original]) for row in labelled_rows(ws, "小计"))
        assert money(labelled_rows(ws, "合计")[0][original]) == subtotal


def test_as_of_ledger_ignores_changes_made_after_the_day(world):
    county = world.user("county")
    asset = world.assets[0][0]
    backdate_history()
    # after the day: a revaluation, a status change and a new asset
    do_update_asset(asset, {"original_value": Decimal("150000.00"), "status": "idle"},
                    funding_lines=[{"source": "special_poverty_fund", "amount": "150000.00"}],
                    acting_user=county, reason="决算后更新原值")
    added = add_household_asset(world, 0)

    past, _result = export(county, ledger="county", as_of=DAY)
    now, _result = export(county, ledger="county")

    def row_of(workbook, code: str) -> dict:
        return next(row for ws in workbook.worksheets[1:] for row in asset_rows(ws) if row["资产编号"] == code)

    then, today = row_of(past, asset.code), row_of(now, asset.code)
    assert then["原值"] == 100000 and then["状态"] == str(AssetStatus.IN_USE.label)
    assert then["财政专项扶贫资金"] == 100000
    assert today["原值"] == 150000 and today["状态"] == str(AssetStatus.IDLE.label)
    assert today["财政专项扶贫资金"] == 150000
    assert added.code in codes(now) and added.code not in codes(past)
    # the day before anything was recorded: an empty ledger
    empty, result = export(county, ledger="county", as_of=DAY.replace(year=2023))
    assert codes(empty) == set() and result.rows == 0


def test_as_of_ledger_uses_the_scope_the_asset_had_on_that_day(world):
    county, township1 = world.user("county"), world.user("township1")
    moved = world.assets[2][0]  # in township 2 on the day
    backdate_history()
    do_update_asset(moved, {"region": world.villages[0]}, acting_user=county, reason="位置更正")

    assert moved.code not in codes(export(township1, ledger="township", as_of=DAY)[0])
    assert moved.code in codes(export(township1, ledger="township")[0])
    assert moved.code in codes(export(world.user("township2"), ledger="township", as_of=DAY)[0])


def test_department_ledger_holds_the_departments_assets_grouped_by_department(world):
    workbook, _result = export(world.user("dept_water"), ledger="department")
    water = {a.code for assets in world.assets.values() for a in assets if a.category.code == "drinking_water"}

    assert codes(workbook) == water
    ws = workbook["公益性资产"]
    assert {row["行业主管部门"] for row in asset_rows(ws)} == {"县水利局"}
    assert [row[2] for row in labelled_rows(ws, "小计")][-1] == "县水利局（4 项）"
    assert workbook["汇总"].cell(3, 1).value == "行业主管部门"

    county_wide, _result = export(world.user("county"), ledger="department",
                                  department_id=Organisation.objects.get(code="dept_commerce").pk)
    assert {row["行业主管部门"] for ws in county_wide.worksheets[1:] for row in asset_rows(ws)} == {"县商工局"}


def test_household_ledger_masks_id_numbers_except_where_the_register_shows_them(world):
    own = add_household_asset(world, 0)
    other = add_household_asset(world, 2)
    full_id = world.households[0][0].id_number

    workbook, _result = export(world.user("township1"), ledger="household")
    assert workbook.sheetnames == ["汇总", "到户类资产"]
    rows = asset_rows(workbook["到户类资产"])
    assert [row["资产编号"] for row in rows] == [own.code]
    assert rows[0]["身份证号"] == f"{full_id[:4]}{'*' * 10}{full_id[-4:]}"
    assert rows[0]["所有权人"] == world.households[0][0].head_name and rows[0]["权属类型"] == "农户"

    county_rows = asset_rows(export(world.user("county"), ledger="household")[0]["到户类资产"])
    assert {row["资产编号"] for row in county_rows} == {own.code, other.code}
    assert full_id in {row["身份证号"] for row in county_rows}


def test_filters_class_status_project_year_and_region(world):
    county = world.user("county")
    do_update_asset(world.assets[1][1], {"status": "idle"}, acting_user=county)

    assert codes(export(county, ledger="county", asset_class="operating")[0]) == {
        a.code for assets in world.assets.values() for a in assets if a.asset_class == "operating"}
    assert codes(export(county, ledger="county", status="idle")[0]) == {world.assets[1][1].code}
    assert codes(export(county, ledger="county", project_year=2020)[0]) == expected_codes(world, 0, 1, 2, 3)
    assert codes(export(county, ledger="county", project_year=2019)[0]) == set()
    assert codes(export(county, ledger="village", region_id=world.villages[3].pk)[0]) == expected_codes(world, 3)


def test_asset_list_export_applies_the_list_filters(world):
    county = world.user("county")
    query = f"asset_class=operating&region={world.townships[1].pk}"
    workbook, _result = export(county, ledger="list", list_query=query)

    assert codes(workbook) == {a.code for i in (2, 3) for a in world.assets[i] if a.asset_class == "operating"}
    # the list export is restricted like everything else
    assert codes(export(world.user("village1"), ledger="list", list_query="")[0]) == expected_codes(world, 0)


def test_village_pdf_has_real_chinese_text(world, tmp_path):
    target = tmp_path / "village.pdf"
    village = world.villages[0]
    write_village_pdf(world.user("village1"), LedgerRequest(ledger="village", file_format="pdf",
                                                            region_id=village.pk), target)

    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"{village.full_name}村帮扶项目资产台账" in text
    for asset in world.assets[0]:
        assert asset.code in text and asset.name in text
    assert "公益性资产" in text and "村集体经济组织（盖章）" in text
    fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Noto.?Sans.?CJK", fonts)


def test_export_ledger_command(world, tmp_path):
    out = tmp_path / "township.xlsx"
    call_command("export_ledger", "--ledger", "township", "--region", world.townships[1].code, "--out", str(out),
                 stdout=io.StringIO())
    assert codes(load(out)) == expected_codes(world, 2, 3)

    scoped = tmp_path / "clerk.xlsx"
    call_command("export_ledger", "--ledger", "county", "--user", "village1", "--out", str(scoped),
                 stdout=io.StringIO())
    assert codes(load(scoped)) == expected_codes(world, 0)

    pdf = tmp_path / "village.pdf"
    call_command("export_ledger", "--ledger", "village", "--region", world.villages[0].code, "--out", str(pdf),
                 stdout=io.StringIO())
    assert pdf.read_bytes().startswith(b"%PDF")

    backdate_history()
    add_household_asset(world, 0)
    past = tmp_path / "past.xlsx"
    call_command("export_ledger", "--ledger", "county", "--as-of", DAY.isoformat(), "--out", str(past),
                 stdout=io.StringIO())
    assert codes(load(past)) == expected_codes(world, 0, 1, 2, 3)

    with pytest.raises(CommandError, match="999"):
        call_command("export_ledger", "--ledger", "township", "--region", "999", "--out", str(out))
    with pytest.raises(CommandError, match="nobody"):
        call_command("export_ledger", "--ledger", "county", "--user", "nobody", "--out", str(out))
