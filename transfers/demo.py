"""Demo transfers in every state (registered from TransfersConfig.ready(); run by
assets/demo/workflows.py: seed_workflows)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from django.utils import timezone

from assets.choices import OrganisationKind
from assets.demo.workflows import DemoPlaces, demo_asset, demo_project, document
from assets.models import Asset, Organisation
from transfers.actions import do_create_transfer
from transfers.models import Transfer
from transfers.ownership import REGISTRATION_SYSTEMS, LineInput, ShareInput
from workflow import engine


def registrations_for(transfer: Transfer) -> dict[str, Any]:
    today = timezone.localdate().isoformat()
    return {"registrations": [
        {"asset": line.asset_id, "system": system, "number": f"DJ{line.asset_id:06d}{index}", "registered_on": today}
        for line in transfer.lines.all() for index, system in enumerate(REGISTRATION_SYSTEMS[line.ownership_type])
    ]}


def seed_transfers(places: DemoPlaces, created: Counter) -> None:
    """One transfer at every step: done, at the committee, at the finance bureau, at
    registration, waiting for the county's decision on a cross-village project, waiting for a
    village's consent, returned to its applicant, rejected, and a draft."""
    village1, village2, dept = places.user("village1"), places.user("village2"), places.user("dept_water")
    committee, finance, county = places.user("committee"), places.user("finance"), places.user("county")
    township1 = places.user("township1")
    water_bureau = Organisation.objects.get(code="dept_water")
    v1, v2 = places.village1, places.village2

    own = demo_project(places, "V1", f"2025年{v1.name}帮扶车间及保鲜库项目", implementer=places.collective1, region=v1,
                       covered=[v1])
    workshop = demo_asset(places, own, "V1-1", "workshop", f"{v1.name}帮扶车间", village=v1, value="860000.00")
    store = demo_asset(places, own, "V1-2", "cold_store", f"{v1.name}300吨保鲜库", village=v1, value="420000.00")
    market = demo_asset(places, own, "V1-3", "market", f"{v1.name}便民市场", village=v1, value="310000.00")
    water = demo_project(places, "W1", f"2025年{places.township1.name}农村安全饮水巩固提升工程",
                         implementer=water_bureau, region=places.township1, covered=[v1])
    pipes = [demo_asset(places, water, f"W1-{n}", "drinking_water", f"{v1.name}供水管网{n}段", village=v1)
             for n in range(1, 4)]
    other = demo_project(places, "V2", f"2025年{v2.name}帮扶车间项目", implementer=places.collective2, region=v2,
                         covered=[v2])
    workshop2 = demo_asset(places, other, "V2-1", "workshop", f"{v2.name}帮扶车间", village=v2, value="650000.00")

    def line(asset: Asset, owner: Organisation, **extra: Any) -> LineInput:
        return LineInput(asset=asset, owner_organisation=owner, **extra)

    # done: village-only project to its collective, approved and registered
    done = do_create_transfer(own, {"proposal": "村两委会议：帮扶车间确权给本村股份经济合作社，受益户按项目实施方案。",
                                    "meeting_date": timezone.localdate()},
                              [line(workshop, places.collective1)], acting_user=village1)
    done = engine.do_submit(done, acting_user=village1)
    done = engine.do_approve(done, acting_user=committee, comment="经县委财经委员会审议通过。",
                             document_number="财经委纪〔2025〕9号")
    done = engine.do_approve(done, acting_user=finance, comment="同意移交。", document_number="麦财资〔2025〕101号",
                      attachment=document("资产移交批复.pdf", "资产移交批复 麦财资〔2025〕101号"))
    done = engine.do_approve(done, acting_user=village1, comment="已在三资平台和衔接系统登记。",
                      extra=registrations_for(done))
    # at the committee
    at_committee = do_create_transfer(own, {"proposal": "保鲜库确权给本村股份经济合作社。"},
                                      [line(store, places.collective1)], acting_user=village1)
    at_committee = engine.do_submit(at_committee, acting_user=village1)
    # at the finance bureau: the water bureau keeps a pipe section (state)
    at_finance = do_create_transfer(water, {"proposal": "水利局党组会议：主管网由水利局管理，纳入国有资产。"},
                                    [line(pipes[0], water_bureau)], acting_user=dept)
    at_finance = engine.do_submit(at_finance, acting_user=dept)
    at_finance = engine.do_approve(at_finance, acting_user=committee, comment="审议通过。")
    # at registration, with the water bureau
    at_registration = do_create_transfer(water, {"proposal": "二段管网由水利局管理。"},
                                         [line(pipes[1], water_bureau)], acting_user=dept)
    at_registration = engine.do_submit(at_registration, acting_user=dept)
    at_registration = engine.do_approve(at_registration, acting_user=committee)
    at_registration = engine.do_approve(at_registration, acting_user=finance, document_number="麦财资〔2025〕102号")
    # waiting for the village's consent: the third section is handed to the collective
    consent = do_create_transfer(water, {"proposal": "三段管网按便于管理原则移交村集体管护。"},
                                 [line(pipes[2], places.collective1)], acting_user=dept)
    consent = engine.do_submit(consent, acting_user=dept)
    # returned to village 2 by the committee
    returned = do_create_transfer(other, {"proposal": "帮扶车间确权给本村。"}, [line(workshop2, places.collective2)],
                                  acting_user=village2)
    returned = engine.do_submit(returned, acting_user=village2)
    returned = engine.do_return(returned, acting_user=committee, comment="请补充村民代表会议纪要和受益户名单。")
    # a draft of village 1
    do_create_transfer(own, {"proposal": "便民市场确权（草稿）。"}, [line(market, places.collective1)],
                       acting_user=village1)
    created["transfer"] += 7
    # cross-village: a township project quantified in shares, waiting for the county's decision
    if places.neighbour is not None:
        cross = demo_project(places, "T1", f"2025年{places.township1.name}肉牛良繁中心项目（2个村）",
                             implementer=Organisation.objects.get(kind=OrganisationKind.TOWNSHIP_GOVERNMENT,
                                                                  region=places.township1),
                             region=places.township1, covered=[v1, places.neighbour.region])
        centre = demo_asset(places, cross, "T1-1", "breeding_center", f"{places.township1.name}肉牛良繁中心",
                            village=v1, value="2400000.00")
        shares = [ShareInput(places.collective1, Decimal("55.00"), Decimal("1320000.00")),
                  ShareInput(places.neighbour, Decimal("45.00"), Decimal("1080000.00"))]
        decide = do_create_transfer(cross, {"proposal": "乡党委会议：按两村投资比例量化，由资产所在村持有。",
                                            "share_basis": "investment"},
                                    [line(centre, places.collective1, shares=shares)], acting_user=township1)
        decide = engine.do_submit(decide, acting_user=township1)
        rejected = do_create_transfer(cross, {"proposal": "误报：良繁中心确权给乡政府。"},
                                      [line(demo_asset(places, cross, "T1-2", "breeding_center", "良繁中心附属饲草库",
                                                       village=v1, value="300000.00"),
                                            Organisation.objects.get(kind=OrganisationKind.TOWNSHIP_GOVERNMENT,
                                                                     region=places.township1))],
                                      acting_user=township1)
        rejected = engine.do_submit(rejected, acting_user=township1)
        rejected = engine.do_approve(rejected, acting_user=county, comment="县政府研究同意。")
        engine.do_reject(rejected, acting_user=committee, comment="该资产已纳入良繁中心整体移交，不再单独移交。")
        created["transfer"] += 2
