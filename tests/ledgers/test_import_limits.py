"""Hostile and invalid import files, the limits of an import, rows already registered, the
rollback of a save refused half-way, the permission check, and imports as background jobs
(issue 7 items 3, 12, 16, 17; issue 15)."""

from __future__ import annotations

import datetime
import io
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from assets.models import Asset, Household, HouseholdDuplicateCase, Project
from ledgers.importing import jobs as import_jobs
from ledgers.importing import reader, safety
from ledgers.importing.safety import Deadline
from ledgers.importing.schema import ASSET_COLUMNS
from ledgers.importing.service import already_imported_message, import_file
from ledgers.importing.templates import build_template
from ledgers.models import ImportBatch
from tests.factories import PASSWORD, make_id_number
from tests.ledgers.test_import import FIRST_ROW, asset_row, filled

pytestmark = pytest.mark.django_db
SHEET = "xl/worksheets/sheet1.xml"


def stored_files(media_root: Path) -> list[Path]:
    return [path for path in media_root.rglob("*") if path.is_file()]


def rewrite(data: bytes, **parts: bytes | None) -> bytes:
    """The workbook with some zip parts replaced (None: removed), compressed as Excel does."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename in parts:
                if parts[item.filename] is not None:
                    target.writestr(item.filename, parts[item.filename])
            else:
                target.writestr(item, source.read(item.filename))
        for name, content in parts.items():
            if name not in source.namelist() and content is not None:
                target.writestr(name, content)
    return buffer.getvalue()


def sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(SHEET).decode()


def only_problem(outcome) -> str:
    assert outcome.batch.status == "rejected", outcome.batch.errors
    assert len(outcome.batch.errors) == 1, outcome.batch.errors
    return outcome.batch.errors[0]["message"]


# --- hostile and invalid files ------------------------------------------------------------------


def test_a_file_that_is_not_a_workbook_is_refused_and_not_kept(world, media_root):
    clerk = world.user("village1")
    for data in (b"%PDF-1.7 not a workbook", b"PK\x03\x04broken zip", rewrite(filled("assets", clerk, []),
                                                                                 **{SHEET: b"<worksheet><row"})):
        outcome = import_file(clerk, "assets", "x.xlsx", data)
        assert only_problem(outcome) == "该文件不是 Excel 工作簿（.xlsx）。"
        assert not outcome.batch.file
    assert stored_files(media_root) == []  # nothing of a refused upload stays on disk


def test_a_workbook_without_data_sheet_or_required_columns_is_refused(world):
    clerk = world.user("village1")
    workbook = Workbook()
    workbook.active.title = "可选值"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert only_problem(import_file(clerk, "assets", "empty.xlsx", buffer.getvalue())) == "工作簿中没有数据工作表。"

    template = load_workbook(io.BytesIO(build_template("assets", clerk)))
    ws = template.worksheets[0]
    for column in range(1, ws.max_column + 1):
        if str(ws.cell(3, column).value).startswith("原值") or str(ws.cell(4, column).value).startswith("原值"):
            ws.cell(3, column).value = ws.cell(4, column).value = None
    buffer = io.BytesIO()
    template.save(buffer)
    message = only_problem(import_file(clerk, "assets", "cols.xlsx", buffer.getvalue()))
    assert message.startswith("缺少必填列") and "原值" in message


def test_too_many_rows_are_refused_as_they_stream(world, monkeypatch):
    monkeypatch.setattr(reader, "MAX_ROWS", 5)
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, n) for n in range(6)])
    assert only_problem(import_file(clerk, "assets", "six.xlsx", data)) == "文件超过 5 行，请拆分为多个文件。"
    assert import_file(clerk, "assets", "five.xlsx", filled("assets", clerk, [asset_row(world, n) for n in range(5)]
                                                            )).saved
    assert not Asset.objects.filter(name="导入水渠5").exists()


def test_a_sheet_that_runs_to_the_last_excel_row_without_declaring_it_stops_at_the_limit(world):
    """No <dimension>: the reader counts the rows it streams instead of trusting a declaration."""
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, 1)])
    xml = re.sub(r"<dimension [^>]*/>", "", sheet_xml(data))
    xml = xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                                      "</sheetData>")
    started = time.monotonic()
    message = only_problem(import_file(clerk, "assets", "tall.xlsx", rewrite(data, **{SHEET: xml.encode()})))
    assert message == "文件超过 50,000 行，请拆分为多个文件。"
    assert time.monotonic() - started < 20  # not 414 s


def test_a_huge_declared_dimension_is_refused_before_parsing(world):
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, 1)])
    xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', sheet_xml(data))
    xml = xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                                      "</sheetData>")
    started = time.monotonic()
    message = only_problem(import_file(clerk, "assets", "xfd.xlsx", rewrite(data, **{SHEET: xml.encode()})))
    assert time.monotonic() - started < 5
    assert "1,048,576 行、16,384 列（A1:XFD1048576）" in message


def test_an_xml_entity_bomb_is_refused(world):
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, 1)])
    lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)) + "]>"
    xml = lol + sheet_xml(data).replace(
        "</sheetData>", '<row r="6"><c r="B6" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>')
    message = only_problem(import_file(clerk, "assets", "lol.xlsx", rewrite(data, **{SHEET: xml.encode()})))
    assert message == "工作簿含有 Excel 从不写入的 XML 声明（DOCTYPE/ENTITY），出于安全原因已拒绝。"


def test_a_zip_bomb_and_an_oversized_text_table_are_refused_from_the_zip_directory(world, monkeypatch):
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, 1)])
    bomb = rewrite(data, **{"xl/media/padding.xml": b"<a>" + b" " * (20 * 1024 * 1024) + b"</a>"})
    assert len(bomb) < 200_000
    assert only_problem(import_file(clerk, "assets", "bomb.xlsx", bomb)).startswith("工作簿压缩比异常")

    monkeypatch.setattr(safety, "MAX_SHARED_STRINGS_BYTES", 1024)
    strings = "".join(f"<si><t>{n}</t></si>" for n in range(200))
    table = f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>'.encode()
    message = only_problem(import_file(clerk, "assets", "strings.xlsx", rewrite(data, **{
        "xl/sharedStrings.xml": table})))
    assert message == "工作簿的文本表大于 0 MB，未读取。请将文件拆分为较小的文件。"
    monkeypatch.setattr(safety, "MAX_PART_BYTES", 1024)
    assert only_problem(import_file(clerk, "assets", "parts.xlsx", data)).startswith("工作簿解压后超过")


def test_a_file_over_the_size_cap_is_refused_and_not_kept(world, media_root):
    clerk = world.user("village1")
    outcome = import_file(clerk, "assets", "big.xlsx", b"PK" + b"\0" * (safety.MAX_UPLOAD_BYTES + 1))
    assert only_problem(outcome) == "文件大于 25 MB。请拆分为较小的文件。"
    assert stored_files(media_root) == []


def test_an_upload_over_the_cap_is_stopped_while_it_arrives(world, media_root, settings, tmp_path, eager_tasks):
    """The web view's upload handler stops at the limit: 413 with the form error, no batch, and
    nothing on disk (neither the media folder nor Django's temporary upload folder)."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    client = Client()
    assert client.login(username="village1", password=PASSWORD)
    big = SimpleUploadedFile("big.xlsx", b"\0" * (safety.MAX_UPLOAD_BYTES + 10))
    response = client.post("/ledgers/import/", {"kind": "assets", "file": big})
    assert response.status_code == 413
    assert "文件大于 25 MB" in response.content.decode()
    assert ImportBatch.objects.count() == 0
    assert stored_files(media_root) == [] and list((tmp_path / "uploads").iterdir()) == []


def test_the_time_limit_stops_a_slow_import(world):
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, n) for n in range(3)])
    outcome = import_file(clerk, "assets", "slow.xlsx", data, deadline=Deadline(-1))
    assert only_problem(outcome).startswith("检查文件超过")
    assert not Asset.objects.filter(name__startswith="导入水渠").exists()


# --- cells --------------------------------------------------------------------------------------


def test_huge_numbers_and_wild_years_are_field_errors_on_their_own_columns(world):
    clerk = world.user("village1")
    rows = [asset_row(world, 0, 原值="1e30"), asset_row(world, 1, 数量="1e400"), asset_row(world, 2, 原值=1e30),
            asset_row(world, 3, 形成年度=10 ** 20)]
    outcome = import_file(clerk, "assets", "cells.xlsx", filled("assets", clerk, rows))
    problems = {(p["row"], p["column"][:4]): p["message"] for p in outcome.batch.errors}
    assert problems == {
        (5, "原值（L"): "金额过大（最多 999,999,999,999.99 元）。",
        (6, "数量（J"): "数值过大（最多 9,999,999,999.99）。",
        (7, "原值（L"): "金额过大（最多 999,999,999,999.99 元）。",
        (8, "形成年度"): "请填写 2013 至 2100 之间的年份。",
    }
    with pytest.raises(reader.CellError, match="NUL"):  # PostgreSQL refuses NUL in text
        reader.parse(ASSET_COLUMNS[1], "坏\x00字符")
    county = world.user("county")
    project = {"项目编号": "XM-Y", "项目名称": "年度错", "年度": 2010, "实施单位代码": "dept_water",
               "实施地点代码": world.townships[0].code, "总投资（元）": 1, "财政专项扶贫资金": 1}
    outcome = import_file(county, "projects", "y.xlsx", filled("projects", county, [project]))
    assert [(p["column"][:2], p["message"]) for p in outcome.batch.errors] == [
        ("年度", "请填写 2013 至 2100 之间的年份。")]


def test_an_imported_asset_cannot_take_a_status_only_the_disposal_chain_sets(world):
    clerk = world.user("village1")
    outcome = import_file(clerk, "assets", "s.xlsx", filled("assets", clerk, [asset_row(world, 1, 状态="已处置")]))
    assert [p["column"][:2] for p in outcome.batch.errors] == ["状态"]


# --- the same rows in another file (natural keys) -----------------------------------------------


def rebuilt(data: bytes) -> bytes:
    """The same rows in a new workbook: one header row, another sheet order, other bytes."""
    source = load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [source.cell(4, c).value or source.cell(3, c).value for c in range(1, source.max_column + 1)]
    workbook = Workbook()
    workbook.active.title = "说明"
    ws = workbook.create_sheet(source.title)
    ws.append([str(h).rstrip("*") for h in headers])
    for row in source.iter_rows(min_row=FIRST_ROW, values_only=True):
        if any(value is not None for value in row):
            ws.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_same_rows_in_another_workbook_add_nothing_and_are_listed_as_skipped(world):
    clerk = world.user("village1")
    rows = [asset_row(world, n) for n in range(20)]
    rows[3]["资产编号"] = "ZC-OWN-0001"
    first = import_file(clerk, "assets", "a.xlsx", filled("assets", clerk, rows))
    assert first.saved and first.batch.created_count == 20
    count = Asset.objects.count()

    again = import_file(clerk, "assets", "new workbook.xlsx", rebuilt(filled("assets", clerk, rows)))
    assert again.saved and not again.duplicate and again.batch.created_count == 0
    assert Asset.objects.count() == count
    skipped = again.batch.skipped
    assert [skip["row"] for skip in skipped] == list(range(2, 22))  # one header row: data from row 2
    assert skipped[3]["reason"] == "资产 ZC-OWN-0001 已登记，本行已跳过。"
    code = Asset.objects.get(name="导入水渠0").code
    assert skipped[0]["reason"] == f"已登记项目、所在地、形成年度、名称和所有权人均相同的资产（{code}），本行已跳过。"

    # the same rows plus three new ones (one a second asset just like an existing one): three added
    more = [*rows, asset_row(world, 20), asset_row(world, 21), asset_row(world, 0)]
    third = import_file(clerk, "assets", "more.xlsx", filled("assets", clerk, more))
    assert third.batch.created_count == 3 and len(third.batch.skipped) == 20
    assert Asset.objects.filter(name="导入水渠0").count() == 2
    # a code taken by another asset is still an error, not a skip
    clash = import_file(clerk, "assets", "clash.xlsx", filled("assets", clerk, [asset_row(world, 99,
                                                                                        资产编号="ZC-OWN-0001")]))
    assert [(p["column"][:4], p["message"]) for p in clash.batch.errors] == [
        ("资产编号", "资产编号 ZC-OWN-0001 已存在。")]


def test_projects_and_households_are_matched_by_their_natural_keys(world):
    county = world.user("county")
    projects = [{"项目编号": f"XM-N-{n}", "项目名称": f"自然键项目{n}", "年度": 2022, "实施单位代码": "dept_water",
                 "实施地点代码": world.townships[0].code, "总投资（元）": 100, "财政专项扶贫资金": 100}
                for n in range(2)]
    assert import_file(county, "projects", "p.xlsx", filled("projects", county, projects)).batch.created_count == 2
    projects[1]["项目编号"] = "XM-OTHER-CODE"  # same name, year and implementing unit under another code
    again = import_file(county, "projects", "p2.xlsx", rebuilt(filled("projects", county, projects)))
    assert again.saved and again.batch.created_count == 0
    assert [skip["reason"] for skip in again.batch.skipped] == [
        "项目 XM-N-0 已登记，本行已跳过。", "已登记名称、年度和实施单位均相同的项目（XM-N-1），本行已跳过。"]
    projects[0]["项目名称"] = "另一个项目"
    clash = import_file(county, "projects", "p3.xlsx", filled("projects", county, projects[:1]))
    assert [p["message"] for p in clash.batch.errors] == ["项目编号 XM-N-0 已存在。"]

    village = world.villages[0]
    people = [{"户主姓名": f"自然键户{n}", "身份证号": make_id_number(village.code, 7000 + n),
               "所在村代码": village.code, "家庭人口": 2} for n in range(3)]
    clerk = world.user("village1")
    assert import_file(clerk, "households", "h.xlsx", filled("households", clerk, people)).batch.created_count == 3
    again = import_file(clerk, "households", "h2.xlsx", rebuilt(filled("households", clerk, people)))
    assert again.batch.created_count == 0 and len(again.batch.skipped) == 3
    assert Household.objects.filter(head_name__startswith="自然键户").count() == 3


def test_an_id_number_registered_in_another_village_is_not_revealed_and_goes_to_the_township(world):
    """Issue 7 item 6: the import answers as for a new number; a case is opened for the township."""
    other = world.households[0][0]  # registered in village 0, outside village1b's scope
    clerk = world.user("village1b")
    row = {"户主姓名": "跨村户", "身份证号": other.id_number, "所在村代码": world.villages[1].code, "家庭人口": 2}
    outcome = import_file(clerk, "households", "x.xlsx", filled("households", clerk, [row]))
    assert outcome.saved and outcome.batch.created_count == 1 and outcome.batch.skipped == []
    assert outcome.batch.errors == []
    assert HouseholdDuplicateCase.objects.filter(other_household=other).exists()


# --- all or nothing, and who may import ---------------------------------------------------------


def test_a_row_the_database_refuses_half_way_leaves_nothing_saved(world, media_root):
    """Rows 1..N-1 are written, row N is refused by the database while saving (here a trigger):
    the import's transaction rolls every row back. Fails without transaction.atomic()."""
    if connection.vendor != "postgresql":
        pytest.skip("the refusing trigger is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE FUNCTION refuse_project() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'project % refused', NEW.code; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_project BEFORE INSERT ON assets_project
            FOR EACH ROW WHEN (NEW.name = '被拒项目') EXECUTE FUNCTION refuse_project();
        """)
    county = world.user("county")
    projects = [{"项目编号": f"XM-RB-{n}", "项目名称": "被拒项目" if n == 4 else f"回滚项目{n}", "年度": 2022,
                 "实施单位代码": "dept_water", "实施地点代码": world.townships[0].code, "总投资（元）": 100,
                 "财政专项扶贫资金": 100} for n in range(5)]
    before = (Project.objects.count(), Project.history.count())

    outcome = import_file(county, "projects", "rollback.xlsx", filled("projects", county, projects))

    message = only_problem(outcome)
    assert message.startswith("数据库拒绝了这些记录") and "XM-RB-4" in message
    assert (Project.objects.count(), Project.history.count()) == before
    assert not Project.objects.filter(code__startswith="XM-RB-").exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(("username", "kind"), [("auditor", "assets"), ("dept_water", "assets"),
                                                ("village1", "projects"), ("township1", "households"),
                                                ("finance", "projects")])
def test_a_role_without_the_add_permission_cannot_import(world, username, kind):
    user = world.user(username)
    author = world.user("county")
    rows = {"assets": [asset_row(world, 1)],
            "households": [{"户主姓名": "无权户", "身份证号": make_id_number(world.villages[0].code, 8100),
                            "所在村代码": world.villages[0].code, "家庭人口": 2}],
            "projects": [{"项目编号": "XM-NOPE", "项目名称": "无权项目", "年度": 2022, "实施单位代码": "dept_water",
                          "实施地点代码": world.townships[0].code, "总投资（元）": 1, "财政专项扶贫资金": 1}]}[kind]
    counts = (Asset.objects.count(), Household.objects.count(), Project.objects.count())
    outcome = import_file(user, kind, "x.xlsx", filled(kind, author, rows))
    if username == "finance":  # finance enters projects county-wide (the control case)
        assert outcome.saved, outcome.batch.errors
        return
    assert outcome.batch.errors == [{"sheet": outcome.batch.errors[0]["sheet"], "row": None, "column": "",
                                     "message": "您无权录入此类记录。"}]
    assert (Asset.objects.count(), Household.objects.count(), Project.objects.count()) == counts


# --- the web pages and the job ------------------------------------------------------------------


def test_already_imported_says_the_county_time(world, eager_tasks):
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, 1)])
    first = import_file(clerk, "assets", "a.xlsx", data).batch
    moment = datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)
    ImportBatch.objects.filter(pk=first.pk).update(created_at=moment)
    first.refresh_from_db()
    assert "2026-03-02 04:30" in already_imported_message(first)  # Asia/Shanghai, not UTC
    client = Client()
    assert client.login(username="village1", password=PASSWORD)
    response = client.post("/ledgers/import/", {"kind": "assets", "file": SimpleUploadedFile("b.xlsx", data)},
                           follow=True)
    page = response.content.decode()
    assert "2026-03-02 04:30" in page and "2026-03-01 20:30" not in page


def test_a_queued_batch_shows_progress_and_a_lost_one_is_ended(world, media_root):
    clerk = world.user("village1")
    data = filled("assets", clerk, [asset_row(world, 1)])
    from ledgers.importing.service import create_batch

    batch = create_batch(clerk, "assets", "q.xlsx", data).batch
    assert batch.status == "pending" and batch.file
    client = Client()
    assert client.login(username="village1", password=PASSWORD)
    page = client.get(f"/ledgers/import/{batch.pk}/").content.decode()
    assert f"/ledgers/import/{batch.pk}/status/" in page and "data-reload-when-finished" in page
    state = client.get(f"/ledgers/import/{batch.pk}/status/").json()
    assert state["status"] == "pending" and state["finished"] is False
    assert Client().get(f"/ledgers/import/{batch.pk}/status/").status_code == 302
    other = Client()
    assert other.login(username="village1b", password=PASSWORD)
    assert other.get(f"/ledgers/import/{batch.pk}/status/").status_code == 404  # one's own uploads only

    # claimed by a worker that then vanished: ended when the page is next looked at
    claimed = import_jobs.claim(batch.pk, "lost-task")
    assert claimed is not None and import_jobs.claim(batch.pk) is None  # a live worker has it
    ImportBatch.objects.filter(pk=batch.pk).update(
        heartbeat_at=timezone.now() - import_jobs.STALE_AFTER - datetime.timedelta(seconds=1))
    state = client.get(f"/ledgers/import/{batch.pk}/status/").json()
    assert state["status"] == "rejected" and state["finished"] is True
    batch.refresh_from_db()
    assert batch.errors[0]["message"] == "检查被中断（后台进程已停止），未保存任何数据。请重新上传文件。"
    assert not batch.file and stored_files(media_root) == []
    assert import_jobs.claim(batch.pk) is None  # finished

    unclaimed = create_batch(clerk, "assets", "u.xlsx", data + b"").batch
    ImportBatch.objects.filter(pk=unclaimed.pk).update(created_at=timezone.now() - import_jobs.PENDING_LIMIT * 2)
    unclaimed.refresh_from_db()
    assert import_jobs.expire_if_stale(unclaimed).status == "rejected"


def test_without_a_broker_the_upload_says_so_and_keeps_nothing(world, media_root, settings):
    from config.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, "redis://127.0.0.1:9/0"  # nothing listens there
    try:
        client = Client()
        assert client.login(username="village1", password=PASSWORD)
        data = filled("assets", world.user("village1"), [asset_row(world, 1)])
        response = client.post("/ledgers/import/", {"kind": "assets", "file": SimpleUploadedFile("a.xlsx", data)})
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
    assert response.status_code == 503 and "导入队列暂时不可用" in response.content.decode()
    assert ImportBatch.objects.get().status == "rejected" and stored_files(media_root) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_is_checked_and_saved_by_a_real_worker(live_world, celery_worker, media_root):
    world = live_world
    client = Client()
    assert client.login(username="village1", password=PASSWORD)
    data = filled("assets", world.user("village1"), [asset_row(world, n) for n in range(30)])
    response = client.post("/ledgers/import/", {"kind": "assets", "file": SimpleUploadedFile("w.xlsx", data)})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    deadline = time.monotonic() + 60
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = client.get(f"/ledgers/import/{batch.pk}/status/").json()
        if state["finished"]:
            break
        time.sleep(0.2)
    assert state["status"] == "imported" and state["progress"] == 100
    batch.refresh_from_db()
    assert batch.created_count == 30 and batch.attempts == 1 and batch.task_id
    assert Asset.objects.filter(name__startswith="导入水渠").count() == 30
    page = client.get(f"/ledgers/import/{batch.pk}/").content.decode()
    assert "data-reload-when-finished" not in page and "已导入" in page


# --- every check of every importer names its row and column -------------------------------------


def columns_of(outcome) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for problem in outcome.batch.errors:
        found.setdefault(problem["row"], set()).add(re.sub(r"（.*", "", problem["column"]))
    return found


def test_every_asset_check_names_its_row_and_column(world):
    clerk = world.user("village1")
    other_household = world.households[2][0]  # another township's
    rows = [
        asset_row(world, 0, 行政区划代码="999999999999"),
        asset_row(world, 1, 项目编号="XM-NONE"),
        asset_row(world, 2, 所有权单位代码="NO-ORG"),
        asset_row(world, 3, 所有权单位代码=f"col-{world.villages[2].code}"),
        asset_row(world, 4, 所有权单位代码=None, 所有农户户主身份证号="110101199001011237"),
        asset_row(world, 5, 所有权单位代码=None, 所有农户户主身份证号=other_household.id_number),
        asset_row(world, 6, 所有权单位代码=None),
        asset_row(world, 7, 所有农户户主身份证号=world.households[0][0].id_number),
        asset_row(world, 8, 合同开始日期="2024-05-01", 合同结束日期="2024/01/01"),
        asset_row(world, 9, 资产类别="到户类", 资产类型="牲畜（牛羊等）", 资产形态="生物资产"),
        asset_row(world, 10, 资产编号="ZC-TWICE"),
        asset_row(world, 11, 资产编号="ZC-TWICE"),
        asset_row(world, 12, 形成年度=2019),
        asset_row(world, 13, 财政专项扶贫资金="三万"),
    ]
    outcome = import_file(clerk, "assets", "checks.xlsx", filled("assets", clerk, rows))
    assert columns_of(outcome) == {
        5: {"行政区划代码"}, 6: {"项目编号"}, 7: {"所有权单位代码"}, 8: {"所有权单位代码"},
        9: {"所有农户户主身份证号"}, 10: {"所有农户户主身份证号"}, 11: {"所有权单位代码"},
        12: {"所有权单位代码", "所有农户户主身份证号"}, 13: {"合同结束日期"}, 14: {"权属类型"},
        16: {"资产编号"}, 17: {"形成年度"}, 18: {"财政专项扶贫资金"},
    }
    messages = {problem["row"]: problem["message"] for problem in outcome.batch.errors}
    assert "999999999999" in messages[5]
    assert "不在您的职责范围内" in messages[8] and "不在您的职责范围内" in messages[10]
    assert "第15行" in messages[16].replace(" ", "")


def test_every_household_and_project_check_names_its_row_and_column(world):
    county = world.user("county")
    village = world.villages[0]
    people = [
        {"户主姓名": "甲", "身份证号": make_id_number(village.code, 8200), "所在村代码": "999999999999", "家庭人口": 2},
        {"户主姓名": "乙", "身份证号": make_id_number(village.code, 8201), "所在村代码": world.townships[0].code,
         "家庭人口": 2},
        {"户主姓名": "丙", "身份证号": make_id_number(village.code, 8202), "所在村代码": village.code, "家庭人口": 0},
        {"户主姓名": "丁", "身份证号": "110101199001011230", "所在村代码": village.code, "家庭人口": 2},
        {"户主姓名": "戊", "身份证号": make_id_number(village.code, 8204), "所在村代码": village.code, "家庭人口": 2,
         "脱贫户": "也许"},
    ]
    outcome = import_file(county, "households", "h.xlsx", filled("households", county, people))
    assert columns_of(outcome) == {5: {"所在村代码"}, 6: {"所在村代码"}, 7: {"家庭人口"}, 8: {"身份证号"},
                                   9: {"脱贫户"}}
    clerk = world.user("village1")
    outside = import_file(clerk, "households", "h2.xlsx", filled("households", clerk, [
        {"户主姓名": "己", "身份证号": make_id_number(village.code, 8205), "所在村代码": world.villages[2].code,
         "家庭人口": 2}]))
    assert "不在您的职责范围内" in outside.batch.errors[0]["message"]

    base = {"项目名称": "检查项目", "年度": 2022, "实施单位代码": "dept_water", "实施地点代码": world.townships[0].code,
            "总投资（元）": 100, "财政专项扶贫资金": 100}
    projects = [
        {**base, "项目编号": "XM-C-0", "实施地点代码": "999999999999"},
        {**base, "项目编号": "XM-C-1", "实施单位代码": "NO-ORG"},
        {**base, "项目编号": "XM-C-2", "覆盖村代码": "999999999999"},
        {**base, "项目编号": "XM-C-3", "已完成决算": "是"},
        {**base, "项目编号": "XM-C-4", "财政专项扶贫资金": 99},
        {**base, "项目编号": "XM-C-5", "竣工日期": "2022年13月40日"},
        {**base, "项目编号": "XM-C-5"},
    ]
    outcome = import_file(county, "projects", "p.xlsx", filled("projects", county, projects))
    assert columns_of(outcome) == {5: {"实施地点代码"}, 6: {"实施单位代码"}, 7: {"覆盖村代码"}, 8: {"决算金额"},
                                   9: {"资金来源"}, 10: {"竣工日期"}, 11: {"项目编号"}}


def test_cells_of_every_kind_are_read_or_named(world):
    columns = {column.key: column for column in ASSET_COLUMNS}
    from ledgers.importing.schema import HOUSEHOLD_COLUMNS, PROJECT_COLUMNS

    columns.update({column.key: column for column in HOUSEHOLD_COLUMNS + PROJECT_COLUMNS})
    parse = reader.parse
    assert parse(columns["year_formed"], 2021.0) == 2021 and parse(columns["year_formed"], " 2021 ") == 2021
    for bad in (True, 2021.5, "二〇二一"):
        with pytest.raises(reader.CellError):
            parse(columns["year_formed"], bad)
    assert str(parse(columns["original_value"], "¥12,500.50元")) == "12500.50"
    for bad in (True, "abc", "nan", "-1", "1.005", "inf"):
        with pytest.raises(reader.CellError):
            parse(columns["original_value"], bad)
    assert str(parse(columns["quantity"], "1,200")) == "1200.00"
    for bad in ("x", "inf", "1.234"):
        with pytest.raises(reader.CellError):
            parse(columns["quantity"], bad)
    day = datetime.date(2024, 5, 1)
    for value in (day, datetime.datetime(2024, 5, 1, 8), "2024/5/1", "2024.05.01", "2024年5月1日"):
        assert parse(columns["contract_start"], value) == day
    assert parse(columns["is_monitored"], True) is True and parse(columns["is_monitored"], "否") is False
    assert parse(columns["is_monitored"], "yes") is True
    assert parse(columns["remarks"], 3.0) == "3" and parse(columns["remarks"], day) == "2024-05-01"
    assert parse(columns["remarks"], None) is None
    with pytest.raises(reader.CellError):
        parse(columns["name"], "  ")  # required


def test_a_template_without_rows_and_a_file_with_only_some_columns(world):
    clerk = world.user("village1")
    empty = filled("assets", clerk, [])
    assert only_problem(import_file(clerk, "assets", "none.xlsx", empty)) == "工作表中没有数据行。"
    village = world.villages[0]
    workbook = Workbook()
    ws = workbook.active
    ws.title = "农户"
    ws.append(["户主姓名", "身份证号", "所在村代码", "家庭人口"])  # the required columns only, one header row
    ws.append(["庚", make_id_number(village.code, 8300), village.code, 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = import_file(clerk, "households", "short.xlsx", buffer.getvalue())
    assert outcome.saved and Household.objects.get(head_name="庚").phone == ""


def test_a_batch_whose_stored_file_is_gone_is_rejected(world, media_root):
    from ledgers.importing.service import create_batch, run_batch

    clerk = world.user("village1")
    batch = create_batch(clerk, "assets", "gone.xlsx", filled("assets", clerk, [asset_row(world, 1)])).batch
    Path(batch.file.path).unlink()
    batch = run_batch(batch)
    assert batch.status == "rejected" and batch.errors[0]["message"] == "该文件不是 Excel 工作簿（.xlsx）。"


def test_the_memory_limit_caps_the_worker_process_while_an_import_runs():
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    with import_jobs.memory_limit(512 * 1024 * 1024):
        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
        assert soft != resource.RLIM_INFINITY and soft < 64 * 1024 ** 3
        with pytest.raises(MemoryError):
            bytearray(1024 * 1024 * 1024)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    with import_jobs.memory_limit(0):  # the web process: no cap
        assert resource.getrlimit(resource.RLIMIT_AS) == before


def test_the_upload_still_needs_the_csrf_token(world, eager_tasks):
    """The view reads the body itself (after putting the size-limiting handler first), so it
    checks CSRF itself: without the token, 403; with it, the upload goes through."""
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="village1", password=PASSWORD)
    data = filled("assets", world.user("village1"), [asset_row(world, 1)])
    refused = client.post("/ledgers/import/", {"kind": "assets", "file": SimpleUploadedFile("a.xlsx", data)})
    assert refused.status_code == 403 and ImportBatch.objects.count() == 0
    client.get("/ledgers/import/")
    token = client.cookies["csrftoken"].value
    accepted = client.post("/ledgers/import/", {"csrfmiddlewaretoken": token, "kind": "assets",
                                                "file": SimpleUploadedFile("a.xlsx", data)})
    assert accepted.status_code == 302 and ImportBatch.objects.get().status == "imported"
