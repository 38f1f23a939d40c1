"""Excel import: templates with the ledger's Chinese headers and allowed values; every row
validated first and every problem named by sheet, row and column; one bad row saves nothing; a
good file saves everything in one go with history attributed to the uploader; the same file
twice, or two uploads at once, add nothing."""

from __future__ import annotations

import io
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from assets.choices import AssetClass, AssetForm, OwnershipType, ValuationBasis
from assets.models import Asset, AssetFundingLine, Household, Project
from ledgers.importing.service import import_file
from ledgers.importing.templates import build_template
from ledgers.models import ImportBatch
from tests.factories import PASSWORD, make_id_number

pytestmark = pytest.mark.django_db
FIRST_ROW = 5


def filled(kind: str, user, rows: list[dict[str, Any]]) -> bytes:
    """The downloadable template with ``rows`` written under their (Chinese) leaf headers."""
    workbook = load_workbook(io.BytesIO(build_template(kind, user)))
    ws = workbook.worksheets[0]
    names = {(ws.cell(4, c).value or ws.cell(3, c).value).rstrip("*"): c for c in range(1, ws.max_column + 1)}
    for offset, row in enumerate(rows):
        for header, value in row.items():
            ws.cell(FIRST_ROW + offset, names[header], value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def asset_row(world, n: int, village: int = 0, **changes: Any) -> dict[str, Any]:
    row = {
        "资产名称": f"导入水渠{n}", "资产类别": str(AssetClass.PUBLIC_BENEFIT.label), "资产类型": "安全饮水",
        "资产形态": str(AssetForm.FIXED.label), "行政区划代码": world.villages[village].code,
        "项目编号": world.projects[village].code, "形成年度": 2021, "数量": 2, "单位": "处",
        "原值": 50000 + n, "核定依据": str(ValuationBasis.ACTUAL_EXPENDITURE.label),
        "财政专项扶贫资金": 30000, "财政衔接推进乡村振兴补助资金": 20000 + n,
        "权属类型": str(OwnershipType.COLLECTIVE.label), "所有权单位代码": f"col-{world.villages[village].code}",
        "管护责任人": "张三",
    }
    row.update(changes)
    return row


def test_template_has_the_ledger_headers_and_a_sheet_of_allowed_values(world):
    workbook = load_workbook(io.BytesIO(build_template("assets", world.user("village1"))))
    ws, allowed = workbook["资产"], workbook["可选值"]

    assert ws.cell(3, 2).value == "资产名称*" and ws.cell(4, 2).value is None
    assert "B3:B4" in {str(r) for r in ws.merged_cells.ranges}
    headers = [ws.cell(3, c).value for c in range(1, ws.max_column + 1)]
    assert "资产价值（元）" in headers and "资金来源（元）" in headers and "所在地" in headers
    assert ws.freeze_panes == "C5"
    values = [cell for row in allowed.iter_rows(values_only=True) for cell in row if cell]
    assert str(AssetClass.PUBLIC_BENEFIT.label) in values and "安全饮水" in values
    assert world.villages[0].code in values and world.villages[2].code not in values  # only where they may enter
    assert ws.data_validations.dataValidation  # drop-down lists on the choice columns


def test_a_good_file_saves_every_row_with_history_attributed_to_the_uploader(world):
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, n) for n in range(40)])
    before = Asset.objects.count()

    outcome = import_file(clerk, "assets", "村资产台账.xlsx", data)

    assert outcome.saved, outcome.batch.errors
    assert outcome.batch.created_count == 40 and Asset.objects.count() == before + 40
    imported = Asset.objects.filter(name__startswith="导入水渠").order_by("name")
    first = imported.get(name="导入水渠7")
    assert first.original_value == Decimal("50007.00") and first.region == world.villages[0]
    assert first.township == world.townships[0] and first.supervising_department.code == "dept_water"
    assert first.code.startswith(f"ZC-{world.villages[0].code}-2021-")
    assert {line.source: line.amount for line in first.funding_lines.all()} == {
        "special_poverty_fund": Decimal("30000.00"), "revitalization_subsidy": Decimal("20007.00")}
    history = Asset.history.filter(id__in=imported.values("pk"))
    assert history.count() == 40
    assert set(history.values_list("history_user_id", flat=True)) == {clerk.pk}
    assert set(history.values_list("history_change_reason", flat=True)) == {"Excel 导入：村资产台账.xlsx"}
    assert history.values("history_request_id").distinct().count() == 1
    assert AssetFundingLine.history.filter(asset_id__in=imported.values("pk"), history_user=clerk).count() == 80
    with outcome.batch.file.open("rb") as kept:  # the file is kept
        assert kept.read() == data
    assert len({a.code for a in imported}) == 40


def test_one_bad_row_among_many_saves_nothing_and_names_its_row_and_column(world):
    clerk = world.user("village1")
    rows = [asset_row(world, n) for n in range(30)]
    rows[16]["原值"] = "五万元"
    data = filled("assets", clerk, rows)
    before = (Asset.objects.count(), AssetFundingLine.objects.count(), Asset.history.count())

    outcome = import_file(clerk, "assets", "bad.xlsx", data)

    assert not outcome.saved and outcome.batch.status == "rejected"
    assert (Asset.objects.count(), AssetFundingLine.objects.count(), Asset.history.count()) == before
    with translation.override("zh-hans"):
        message = gettext("Enter an amount in yuan, e.g. 12500.00.")
    assert message.startswith("请填写")  # in Chinese
    assert outcome.batch.errors == [{"sheet": "资产", "row": FIRST_ROW + 16, "column": "原值（L）", "message": message}]


def test_every_problem_of_every_row_is_reported(world):
    clerk = world.user("village1")
    rows = [asset_row(world, n) for n in range(6)]
    rows[0]["资产类型"] = "不存在的类型"
    rows[1]["行政区划代码"] = world.villages[2].code  # another township's village: outside the clerk's scope
    rows[2]["财政专项扶贫资金"] = 1  # funding lines no longer add up
    rows[3]["资产类别"] = "其他类"
    rows[3]["形成年度"] = "二〇二一"
    rows[4]["资产编号"] = world.assets[0][0].code  # already taken
    rows[5]["项目编号"] = world.projects[2].code  # a project the clerk cannot see
    outcome = import_file(clerk, "assets", "many.xlsx", filled("assets", clerk, rows))

    by_row: dict[int, list[dict]] = {}
    for problem in outcome.batch.errors:
        by_row.setdefault(problem["row"], []).append(problem)
    assert sorted(by_row) == [5, 6, 7, 8, 9, 10]
    assert by_row[5][0]["column"].startswith("资产类型") and "不存在的类型" in by_row[5][0]["message"]
    assert by_row[6][0]["column"].startswith("行政区划代码") and "不在您的职责范围内" in by_row[6][0]["message"]
    assert [p["column"] for p in by_row[7]] == ["资金来源（元）"]
    assert {p["column"][:4] for p in by_row[8]} == {"资产类别", "形成年度"}
    assert "已存在" in by_row[9][0]["message"]
    assert by_row[10][0]["column"].startswith("项目编号") and "不在您的职责范围内" in by_row[10][0]["message"]
    assert not Asset.objects.filter(name__startswith="导入水渠").exists()


def test_the_same_file_twice_adds_nothing(world):
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, n) for n in range(5)])
    first = import_file(clerk, "assets", "a.xlsx", data)
    count = Asset.objects.count()

    second = import_file(clerk, "assets", "copy of a.xlsx", data)

    assert first.saved and second.duplicate and not second.saved
    assert second.batch.pk == first.batch.pk and Asset.objects.count() == count
    assert ImportBatch.objects.filter(status="imported").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_uploads_of_the_same_file_at_once_import_it_once(live_world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    world = live_world
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, n) for n in range(200)])
    before = Asset.objects.count()
    outcomes: list[Any] = []
    barrier = threading.Barrier(2)

    def upload() -> None:
        from django.db import connections

        barrier.wait()
        try:
            outcomes.append(import_file(world.user("village1"), "assets", "double-click.xlsx", data))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(outcomes) == 2
    assert sorted(outcome.saved for outcome in outcomes) == [False, True]
    assert [outcome.duplicate for outcome in outcomes if not outcome.saved] == [True]
    assert Asset.objects.count() == before + 200


def test_households_and_projects_import(world):
    county = world.user("county")
    village = world.villages[1]
    people = [{"户主姓名": f"导入户{n}", "身份证号": make_id_number(village.code, 9000 + n), "所在村代码": village.code,
               "脱贫户": "是", "监测对象": "否", "家庭人口": 3 + n} for n in range(5)]
    outcome = import_file(county, "households", "农户.xlsx", filled("households", county, people))
    assert outcome.saved, outcome.batch.errors
    created = Household.objects.filter(head_name__startswith="导入户")
    assert created.count() == 5 and all(h.is_poverty_alleviated and not h.is_monitored for h in created)
    assert Household.history.filter(id__in=created.values("pk"), history_user=county).count() == 5

    projects = [{"项目编号": f"XM-IMPORT-{n}", "项目名称": f"导入项目{n}", "年度": 2022,
                 "实施单位代码": "dept_water", "实施地点代码": world.townships[0].code,
                 "覆盖村代码": f"{world.villages[0].code}，{world.villages[1].code}", "总投资（元）": 80000,
                 "财政专项扶贫资金": 80000, "需竣工决算": "是", "已完成决算": "否"} for n in range(3)]
    outcome = import_file(county, "projects", "项目.xlsx", filled("projects", county, projects))
    assert outcome.saved, outcome.batch.errors
    project = Project.objects.get(code="XM-IMPORT-2")
    assert set(project.covered_regions.all()) == {world.villages[0], world.villages[1]}
    assert project.funding_lines.get().amount == Decimal("80000.00")
    assert project.history.first().history_user == county

    # the same household again (in another file): skipped, with the row and the reason
    clerk = world.user("village1b")
    again = import_file(clerk, "households", "农户2.xlsx", filled("households", clerk, people[:1]))
    assert again.saved and again.batch.created_count == 0
    assert again.batch.skipped == [{"row": FIRST_ROW, "reason": "该村已登记此身份证号的农户，本行已跳过。"}]


def test_upload_page_lists_the_problems_and_keeps_the_button_from_saving_twice(world, eager_tasks):
    client = Client()
    assert client.login(username="village1", password=PASSWORD)
    assert client.get("/ledgers/import/").status_code == 200
    template = client.get("/ledgers/import/template/assets/")
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    assert client.get("/ledgers/import/template/projects/").status_code == 404  # clerks do not enter projects

    rows = [asset_row(world, n) for n in range(3)]
    rows[1]["数量"] = -1
    bad = filled("assets", world.user("village1"), rows)
    response = client.post("/ledgers/import/", {"kind": "assets", "file": SimpleUploadedFile("bad.xlsx", bad)})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "未保存任何数据" in page and "<td class=\"num\">6</td>" in page and "数量" in page

    good = filled("assets", world.user("village1"), [asset_row(world, n) for n in range(3)])
    for _attempt in range(2):  # the button pressed twice
        client.post("/ledgers/import/", {"kind": "assets", "file": SimpleUploadedFile("good.xlsx", good)})
    assert Asset.objects.filter(name__startswith="导入水渠").count() == 3
    assert Client().get("/ledgers/import/").status_code == 302  # login first
    norole = Client()
    assert norole.login(username="township1", password=PASSWORD)
    assert norole.get("/ledgers/import/").status_code == 403  # township officials enter nothing
