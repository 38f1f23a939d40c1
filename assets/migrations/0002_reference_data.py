"""Reference data: the county, its county-level organisations and departments (五), and the
asset categories of 四(二) with their supervising departments (五).

An administrator edits all of it in the admin afterwards; this migration only seeds it once
(rows whose code already exists are left alone).
"""

import uuid

from django.conf import settings
from django.db import migrations
from django.utils import timezone

COUNTY = (getattr(settings, "BANGFU_COUNTY_CODE", "653127"), getattr(settings, "BANGFU_COUNTY_NAME", "麦盖提县"))

# code, name, kind
COUNTY_ORGANISATIONS = [
    ("county_gov", "麦盖提县人民政府", "county_government"),
    ("finance_committee", "县委财经委员会", "finance_committee"),
    ("finance_bureau", "县财政局", "finance_bureau"),
    ("agri_bureau", "县农业农村局", "agri_bureau"),
    ("audit_bureau", "县审计局", "audit_bureau"),
    ("discipline_commission", "县纪委监委", "discipline_commission"),
    # industry departments of 五
    ("dept_organisation", "县委组织部", "department"),
    ("dept_united_front", "县委统战部", "department"),
    ("dept_industrial_park", "工业园区管委会", "department"),
    ("dept_development", "县发展和改革委员会", "department"),
    ("dept_education", "县教育局", "department"),
    ("dept_natural_resources", "县自然资源局", "department"),
    ("dept_water", "县水利局", "department"),
    ("dept_transport", "县交通运输局", "department"),
    ("dept_commerce", "县商工局", "department"),
    ("dept_housing", "县住建局", "department"),
    ("dept_human_resources", "县人社局", "department"),
    ("dept_civil_affairs", "县民政局", "department"),
    ("dept_culture_tourism", "县文旅局", "department"),
    ("dept_ecology", "县生态环境局", "department"),
    ("dept_women_federation", "县妇联", "department"),
]

# code, name, class, default form, supervising organisation code (None: the township), life years
CATEGORIES = [
    ("breeding_center", "良繁中心（养殖小区）", "operating", "fixed", "agri_bureau", 20),
    ("cold_store", "保鲜库", "operating", "fixed", "dept_commerce", 20),
    ("workshop", "帮扶（扶贫）车间", "operating", "fixed", "dept_commerce", 20),
    ("cooperative", "农民合作社", "operating", "equity", "agri_bureau", None),
    ("solar_power", "光伏发电", "operating", "fixed", "dept_development", 25),
    ("market", "便民市场", "operating", "fixed", "dept_commerce", 20),
    ("rural_tourism", "乡村旅游", "operating", "fixed", "dept_culture_tourism", 20),
    ("facility_agriculture", "设施农业", "operating", "fixed", "agri_bureau", 15),
    ("other_operating", "其他经营性资产", "operating", "fixed", "agri_bureau", 10),
    ("drinking_water", "安全饮水", "public_benefit", "fixed", "dept_water", 20),
    ("power_upgrade", "电力提升", "public_benefit", "fixed", "dept_industrial_park", 20),
    ("rural_road", "乡村道路", "public_benefit", "fixed", "dept_transport", 20),
    ("grassroots_government", "基层政权建设", "public_benefit", "fixed", "dept_organisation", 30),
    ("farm_water_infrastructure", "农林水基础设施", "public_benefit", "fixed", "dept_water", 20),
    ("education_infrastructure", "教育基础设施", "public_benefit", "fixed", "dept_education", 30),
    ("medical_infrastructure", "医疗基础设施", "public_benefit", "fixed", "dept_organisation", 30),
    ("public_welfare_facility", "惠民设施", "public_benefit", "fixed", "dept_civil_affairs", 20),
    ("other_public_benefit", "其他公益性资产", "public_benefit", "fixed", "dept_housing", 20),
    ("livestock", "牲畜（牛羊等）", "household", "biological", None, None),
    ("animal_pen", "棚圈", "household", "fixed", None, 10),
    ("courtyard_economy", "庭院经济", "household", "fixed", None, 10),
    ("other_household", "其他到户资产", "household", "fixed", None, 10),
]


def _with_history(apps, obj, created, request_id):
    """Record a created reference row in its history table, as every change is."""
    if not created:
        return
    historical = apps.get_model("assets", f"Historical{obj.__class__.__name__}")
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    historical.objects.create(
        **values, history_date=timezone.now(), history_type="+",
        history_change_reason="reference data (migration)", history_request_id=request_id,
    )


def load(apps, schema_editor):
    Region = apps.get_model("assets", "Region")
    Organisation = apps.get_model("assets", "Organisation")
    AssetCategory = apps.get_model("assets", "AssetCategory")
    request_id = uuid.uuid4()
    code, name = COUNTY
    county, created = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": "county", "path": code}
    )
    _with_history(apps, county, created, request_id)
    for org_code, org_name, kind in COUNTY_ORGANISATIONS:
        org, created = Organisation.objects.get_or_create(
            code=org_code, defaults={"name": org_name, "kind": kind, "region": county}
        )
        _with_history(apps, org, created, request_id)
    for order, (cat_code, cat_name, asset_class, form, dept, life) in enumerate(CATEGORIES, start=1):
        category, created = AssetCategory.objects.get_or_create(
            code=cat_code,
            defaults={
                "name": cat_name,
                "asset_class": asset_class,
                "default_form": form,
                "department": Organisation.objects.get(code=dept) if dept else None,
                "default_depreciation_method": "straight_line" if life else "none",
                "default_useful_life_years": life,
                "sort_order": order,
            },
        )
        _with_history(apps, category, created, request_id)


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
