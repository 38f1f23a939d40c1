"""Demo disposals in every state (registered from DisposalsConfig.ready(); run by
assets/demo/workflows.py: seed_workflows after the transfers)."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.utils import timezone

from assets.demo.workflows import DemoPlaces, demo_asset, demo_project, document
from assets.models import Asset, Organisation
from disposals.actions import do_add_evidence, do_create_disposal
from disposals.models import Disposal
from workflow import engine


def _backdate_notice(disposal: Disposal) -> None:
    """Demo data: this notice ran in the past (the chain refuses to close a running notice)."""
    today = timezone.localdate()
    Disposal.objects.filter(pk=disposal.pk).update(
        notice_starts_on=today - datetime.timedelta(days=disposal.notice_days + 3),
        notice_ends_on=today - datetime.timedelta(days=4),
    )


def seed_disposals(places: DemoPlaces, created: Counter) -> None:
    village1, dept = places.user("village1"), places.user("dept_water")
    township1, county = places.user("township1"), places.user("county")
    committee = places.user("committee")
    v1 = places.village1
    water_bureau = Organisation.objects.get(code="dept_water")
    old = demo_project(places, "D1", f"2016年{v1.name}产业及基础设施项目", implementer=places.collective1, region=v1,
                       covered=[v1], year=2016)

    def asset(n: int, category: str, name: str, **extra: Any) -> Asset:
        extra.setdefault("owner", places.collective1)
        extra.setdefault("ownership", "collective")
        return demo_asset(places, old, f"D1-{n}", category, f"{v1.name}{name}", village=v1, value="260000.00",
                          **extra)

    def apply(target: Asset, applicant: Any, reason: str, method: str, description: str, **extra: Any) -> Disposal:
        disposal = do_create_disposal(target, {"reason": reason, "method": method, "description": description,
                                               **extra}, acting_user=applicant)
        do_add_evidence(disposal, document("现场照片.jpg", description), "现场照片", acting_user=applicant)
        do_add_evidence(disposal, document("村民代表会议纪要.pdf", "会议同意处置"), "村民代表会议纪要",
                        acting_user=applicant)
        return engine.do_submit(disposal, acting_user=applicant)

    def walk(disposal: Disposal, steps: list[tuple[Any, dict[str, Any]]]) -> Disposal:
        for user, kwargs in steps:
            if disposal.current_step == "notice":
                _backdate_notice(disposal)
            engine.do_approve(Disposal.objects.get(pk=disposal.pk), acting_user=user, **kwargs)
            disposal = Disposal.objects.get(pk=disposal.pk)
        return disposal

    # collective assets: breeding centres (the agriculture bureau supervises them) and water works
    review = [(township1, {"comment": "经乡镇审查，情况属实。"})]
    agri_review = [(county, {"comment": "行业部门审核同意。"})]
    county_ok = [(county, {"comment": "县级审批同意。", "document_number": "麦农批〔2025〕12号"})]
    filing = [(county, {"comment": "已复核备案。"})]
    notice = [(township1, {"comment": "公示期满无异议。"})]

    apply(asset(1, "breeding_center", "养殖小区圈舍（风灾损毁）"), village1, "damage", "scrapping",
          "2024年大风致圈舍彩钢顶棚损毁，主体结构开裂，经鉴定无修复价值。")
    walk(apply(asset(2, "drinking_water", "老旧供水管道"), village1, "natural_wear", "scrapping",
               "管道使用超过设计年限，锈蚀渗漏严重，已由新管网替代。"), review)
    walk(apply(asset(3, "breeding_center", "旧饲草料棚"), village1, "natural_wear", "auction",
               "棚体老化，已不能使用。", appraised_value="18000.00"), review + agri_review)
    walk(apply(asset(4, "breeding_center", "青贮窖"), village1, "market_risk", "transfer",
               "养殖规模调整，青贮窖闲置两年。", appraised_value="42000.00"), review + agri_review + county_ok)
    walk(apply(asset(5, "breeding_center", "旧挤奶厅"), village1, "natural_wear", "auction",
               "设备淘汰，厅舍闲置。", appraised_value="26000.00"), review + agri_review + county_ok + filing)
    ended = walk(apply(asset(6, "breeding_center", "旧兽医室"), village1, "normal_scrapping", "scrapping",
                       "房屋鉴定为危房。"), review + agri_review + county_ok + filing)
    _backdate_notice(ended)  # waiting for the township to close the notice
    walk(apply(asset(7, "breeding_center", "旧养殖设备"), village1, "natural_wear", "auction",
               "设备老化淘汰。", appraised_value="12000.00"), review + agri_review + county_ok + filing + notice)
    walk(apply(asset(8, "breeding_center", "旧围栏"), village1, "damage", "auction", "洪水冲毁围栏。",
               appraised_value="8000.00"),
         review + agri_review + county_ok + filing + notice
         + [(village1, {"extra": {"carried_out_on": timezone.localdate().isoformat(), "proceeds": "8600.00",
                                  "counterparty": "麦盖提县某再生资源回收站"}, "comment": "已公开拍卖。"})])
    rejected = apply(asset(9, "drinking_water", "蓄水池"), village1, "damage", "scrapping", "池壁渗漏。")
    engine.do_reject(rejected, acting_user=township1, comment="经查可维修后继续使用，不予处置。")
    # an earning asset: flagged, with the village's justification, at the township
    apply(asset(10, "workshop", "帮扶车间（在租）", operating_mode="leased", operating_entity="麦盖提县某服装公司",
                contract_start=timezone.localdate() - datetime.timedelta(days=500),
                contract_end=timezone.localdate() + datetime.timedelta(days=400)),
          village1, "market_risk", "transfer", "承租企业经营范围调整，车间需整体转让。",
          earning_justification="承租企业申请提前解约，经村民代表会议表决同意整体转让，收益用于巩固脱贫成果。")
    # state-owned water works of the water bureau: the committee, then the finance bureau
    state = {"owner": water_bureau, "ownership": "state"}
    apply(asset(11, "drinking_water", "水利局旧泵站", **state), dept, "normal_scrapping", "scrapping",
          "泵站设备达到报废年限。")
    pump = apply(asset(12, "drinking_water", "水利局旧水塔", **state), dept, "damage", "scrapping", "水塔开裂。")
    walk(pump, review)
    at_finance = apply(asset(13, "drinking_water", "水利局旧管理房", **state), dept, "natural_wear", "auction",
                       "管理房闲置老化。", appraised_value="30000.00")
    walk(at_finance, [*review, (committee, {"comment": "审议通过。"})])
    created["disposal"] += 13  # the last one waits for the finance bureau's 批复
