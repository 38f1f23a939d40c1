"""账账相符 (四(三)): the checks that the five ledgers agree, run county-wide and stored.

The ledgers are all printed from the one register, so they can only disagree where the
register's own keys or figures disagree:

* the township ledger files an asset under ``asset.township`` and the department ledger under
  ``asset.supervising_department``; both are copied from the region tree and the category when
  the asset is saved, and drift when an administrator later moves a village to another township
  or gives a category to another department. The checks compare each sub-ledger with what the
  region tree and the category mapping say, per township and department;
* the master ledger holds every asset, the township ledgers only assets located in a township,
  the department ledgers only assets whose category has a department;
* the fiscal-fund ledger is the projects' funding lines; the department figures are the assets
  formed by those projects, source by source;
* an asset's funding lines must add up to its original value, and every asset needs an owner,
  a valuation basis that fits its project's final accounts (四(三)), and a township or village.

Every mismatch names its township and/or department, the two amounts (original values, yuan),
their difference, and the assets behind it.

Amounts are compared in whole fen (cents): every sum is rounded to 0.01 yuan before it is
compared, because SQLite adds decimals as floats (1234567.8899999 against 1234567.89 is not a
mismatch, and reporting it as −0.00 would be a false alarm).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assets.choices import AssetClass, OrganisationKind, OwnershipType, RegionLevel, ValuationBasis
from assets.models import Asset, AssetFundingLine, Project, ProjectFundingLine
from ledgers.choices import CheckKind, CheckTrigger, JobStatus
from ledgers.models import ConsistencyMismatch, ConsistencyRun

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# half a fen: a per-asset difference smaller than this is float noise, not a mismatch
HALF_CENT = Decimal("0.005")
DEPARTMENT_KINDS = (OrganisationKind.DEPARTMENT, OrganisationKind.AGRI_BUREAU)


@dataclass
class Finding:
    check_kind: str
    township_id: int | None = None
    department_id: int | None = None
    project_id: int | None = None
    asset_class: str = ""
    expected_label: str = ""
    expected_amount: Decimal | None = None
    actual_label: str = ""
    actual_amount: Decimal | None = None
    asset_ids: list[int] = field(default_factory=list)
    asset_count: int = 0
    detail: str = ""

    def to_model(self, run: ConsistencyRun) -> ConsistencyMismatch:
        difference = None
        if self.expected_amount is not None and self.actual_amount is not None:
            difference = money(self.actual_amount) - money(self.expected_amount)
        return ConsistencyMismatch(
            run=run, check_kind=self.check_kind, township_id=self.township_id, department_id=self.department_id,
            project_id=self.project_id, asset_class=self.asset_class, expected_label=self.expected_label[:100],
            expected_amount=self.expected_amount, actual_label=self.actual_label[:100],
            actual_amount=self.actual_amount, difference=difference,
            asset_count=self.asset_count or len(self.asset_ids),
            asset_ids=sorted(self.asset_ids)[: ConsistencyMismatch.MAX_ASSET_IDS], detail=self.detail[:300],
        )


def money(value: Decimal | float | int | None) -> Decimal:
    """An amount in yuan rounded to whole fen: what the checks compare."""
    if value is None:
        return ZERO
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _sum(queryset, name: str = "original_value") -> Decimal:
    return money(queryset.aggregate(total=Coalesce(Sum(name), ZERO))["total"])


def _ids(queryset) -> list[int]:
    return list(queryset.order_by("pk").values_list("pk", flat=True)[: ConsistencyMismatch.MAX_ASSET_IDS])


# --- the checks ---------------------------------------------------------------------------------


def check_township_ledgers(assets) -> Iterable[Finding]:
    """Σ township ledgers = master, per class; each township ledger = its villages' ledgers plus
    its township-level assets, as the region tree places them."""
    master, in_townships = _("master ledger"), _("sum of the township ledgers")
    for asset_class in AssetClass.values:
        of_class = assets.filter(asset_class=asset_class)
        outside = of_class.filter(township_id__isnull=True)
        count = outside.count()
        if count:
            yield Finding(
                CheckKind.SUB_LEDGER_TOWNSHIP, asset_class=asset_class, expected_label=master,
                expected_amount=_sum(of_class), actual_label=in_townships,
                actual_amount=_sum(of_class.filter(township_id__isnull=False)), asset_ids=_ids(outside),
                asset_count=count, detail=_("Assets not filed under any township."),
            )
    ledger = {key: money(total) for key, total in assets.filter(township_id__isnull=False).values("township_id")
              .annotate(total=Sum("original_value")).values_list("township_id", "total")}
    tree = {key: money(total) for key, total in assets.filter(region__township_id__isnull=False)
            .values("region__township_id").annotate(total=Sum("original_value"))
            .values_list("region__township_id", "total")}
    drifted = assets.exclude(township_id=F("region__township_id")).exclude(
        township_id__isnull=True, region__township_id__isnull=True)
    for township_id in sorted(set(ledger) | set(tree)):
        filed, located = ledger.get(township_id, ZERO), tree.get(township_id, ZERO)
        if filed == located:
            continue
        behind = drifted.filter(Q(township_id=township_id) | Q(region__township_id=township_id))
        yield Finding(
            CheckKind.SUB_LEDGER_TOWNSHIP, township_id=township_id,
            expected_label=_("village ledgers and township-level assets (region tree)"), expected_amount=located,
            actual_label=_("township ledger"), actual_amount=filed, asset_ids=_ids(behind),
            asset_count=behind.count(),
            detail=_("Assets filed under a township other than the one their location belongs to."),
        )


def check_department_ledgers(assets) -> Iterable[Finding]:
    """Σ department ledgers = master for the classes departments supervise (household assets
    are supervised by the townships, 五)."""
    for asset_class in (AssetClass.OPERATING, AssetClass.PUBLIC_BENEFIT):
        of_class = assets.filter(asset_class=asset_class)
        outside = of_class.filter(supervising_department_id__isnull=True)
        count = outside.count()
        if count:
            yield Finding(
                CheckKind.SUB_LEDGER_DEPARTMENT, asset_class=asset_class, expected_label=_("master ledger"),
                expected_amount=_sum(of_class), actual_label=_("sum of the department ledgers"),
                actual_amount=_sum(of_class.filter(supervising_department_id__isnull=False)),
                asset_ids=_ids(outside), asset_count=count,
                detail=_("Assets of this class without a supervising department."),
            )


def check_township_against_departments(assets) -> Iterable[Finding]:
    """Per township and department: the township ledger's figure for the assets of that
    department's categories = the department ledger's figure for assets in that township."""
    township_side = _cells(assets, "township_id", "category__department_id")
    department_side = _cells(assets, "region__township_id", "supervising_department_id")
    drifted = assets.filter(
        ~Q(township_id=F("region__township_id")) | Q(township_id__isnull=True, region__township_id__isnull=False)
        | ~Q(supervising_department_id=F("category__department_id"))
        | Q(supervising_department_id__isnull=True, category__department_id__isnull=False)
        | Q(supervising_department_id__isnull=False, category__department_id__isnull=True)
    )
    for township_id, department_id in sorted(set(township_side) | set(department_side),
                                              key=lambda cell: (cell[0] or 0, cell[1] or 0)):
        if township_id is None or department_id is None:
            continue  # outside every township or department ledger: reported by the checks above
        filed, reported = township_side.get((township_id, department_id), ZERO), department_side.get(
            (township_id, department_id), ZERO)
        if filed == reported:
            continue
        behind = drifted.filter(
            Q(township_id=township_id, category__department_id=department_id)
            | Q(region__township_id=township_id, supervising_department_id=department_id)
        )
        yield Finding(
            CheckKind.TOWNSHIP_DEPARTMENT, township_id=township_id, department_id=department_id,
            expected_label=_("department ledger"), expected_amount=reported,
            actual_label=_("township ledger"), actual_amount=filed, asset_ids=_ids(behind),
            asset_count=behind.count(),
            detail=_("The township and the department file these assets differently "
                     "(location or supervising department changed since they were entered)."),
        )


def _cells(assets, township: str, department: str) -> dict[tuple[int | None, int | None], Decimal]:
    rows = assets.values(township, department).annotate(total=Sum("original_value")).order_by()
    return {(row[township], row[department]): money(row["total"]) for row in rows}


def check_department_funds(assets) -> Iterable[Finding]:
    """Department figures vs the fiscal-fund ledger: per project and funding source, the funding
    lines of the assets it formed = the project's own funding lines."""
    project_lines: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for project_id, source, amount in ProjectFundingLine.objects.values_list("project_id", "source", "amount"):
        project_lines[project_id][source] = money(amount)
    asset_lines: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = (AssetFundingLine.objects.filter(asset__in=assets).values("asset__project_id", "source")
            .annotate(total=Sum("amount")).order_by())
    for row in rows:
        asset_lines[row["asset__project_id"]][row["source"]] = money(row["total"])
    # every project with assets or with funds: a funded project without assets may be an omission (漏报)
    candidates = sorted(set(assets.values_list("project_id", flat=True).distinct()) | set(project_lines))
    differing = [p for p in candidates if _differs(project_lines.get(p, {}), asset_lines.get(p, {}))]
    if not differing:
        return
    owners = _project_attribution(assets, differing)
    formed_by: dict[int, list[int]] = defaultdict(list)
    for project_id, asset_id in assets.filter(project_id__in=differing).order_by("pk").values_list("project_id", "pk"):
        formed_by[project_id].append(asset_id)
    for project_id in differing:
        funds, formed = project_lines.get(project_id, {}), asset_lines.get(project_id, {})
        sources = sorted(source for source in set(funds) | set(formed) if funds.get(source) != formed.get(source))
        township_id, department_id, code = owners[project_id]
        behind = formed_by.get(project_id, [])
        differs_in = "、".join(_source_label(s) for s in sources)
        yield Finding(
            CheckKind.DEPARTMENT_FUNDS, township_id=township_id, department_id=department_id, project_id=project_id,
            expected_label=_("project funding lines (fiscal-fund ledger)"),
            expected_amount=sum(funds.values(), ZERO), actual_label=_("funding lines of the assets formed"),
            actual_amount=sum(formed.values(), ZERO), asset_ids=behind[: ConsistencyMismatch.MAX_ASSET_IDS],
            asset_count=len(behind),
            detail=_("Project %(code)s differs in: %(sources)s") % {"code": code, "sources": differs_in}
            if formed else _("Project %(code)s has funding lines but no assets recorded.") % {"code": code},
        )


def _differs(a: dict[str, Decimal], b: dict[str, Decimal]) -> bool:
    return any(a.get(source, ZERO) != b.get(source, ZERO) for source in set(a) | set(b))


def _source_label(source: str) -> str:
    from assets.choices import FundingSource

    return str(FundingSource(source).label) if source in FundingSource.values else source


def _project_attribution(assets, project_ids: list[int]) -> dict[int, tuple[int | None, int | None, str]]:
    """(township, department, code) a project's mismatch is filed under: the implementing unit
    when it is a department, else the one department supervising all its assets; the project's
    township, else the one township of all its assets."""
    result: dict[int, tuple[int | None, int | None, str]] = {}
    departments: dict[int, set[int | None]] = defaultdict(set)
    townships: dict[int, set[int | None]] = defaultdict(set)
    for project_id, department_id, township_id in assets.filter(project_id__in=project_ids).values_list(
            "project_id", "supervising_department_id", "township_id").distinct():
        departments[project_id].add(department_id)
        townships[project_id].add(township_id)
    for project in Project.objects.filter(pk__in=project_ids).values(
            "pk", "code", "township_id", "implementing_organisation_id", "implementing_organisation__kind"):
        pk = project["pk"]
        department = project["implementing_organisation_id"] if project[
            "implementing_organisation__kind"] in DEPARTMENT_KINDS else None
        if department is None and len(departments[pk]) == 1:
            department = next(iter(departments[pk]))
        township = project["township_id"]
        if township is None and len(townships[pk]) == 1:
            township = next(iter(townships[pk]))
        result[pk] = (township, department, project["code"])
    return result


def check_assets(assets) -> Iterable[Finding]:
    """Per asset: funding lines add up to the original value; owner, valuation basis and region
    present and coherent. Reported per township and department."""
    funded = assets.annotate(funding=Coalesce(Sum("funding_lines__amount"), ZERO)).annotate(
        gap=F("funding") - F("original_value"))
    # at least a fen apart (exact on PostgreSQL; on SQLite the float sums carry noise below that)
    unbalanced = funded.filter(Q(gap__gte=HALF_CENT) | Q(gap__lte=-HALF_CENT))
    yield from _grouped(unbalanced.values_list("pk", "township_id", "supervising_department_id", "original_value",
                                               "funding"),
                        CheckKind.ASSET_FUNDING, _("original value"), _("funding lines"),
                        _("The funding lines do not add up to the original value."))
    no_owner = assets.filter(
        Q(ownership_type="")
        | Q(owner_organisation__isnull=True, owner_household__isnull=True)
        | Q(ownership_type=OwnershipType.HOUSEHOLD, owner_household__isnull=True)
        | Q(ownership_type__in=[OwnershipType.STATE, OwnershipType.COLLECTIVE], owner_organisation__isnull=True)
    )
    yield from _grouped(_plain(no_owner), CheckKind.MISSING_OWNER, "", _("original value"),
                        _("No owner, or an owner that does not fit the ownership type."))
    bad_basis = assets.filter(
        Q(valuation_basis="")
        | Q(valuation_basis=ValuationBasis.FINAL_ACCOUNTS, project__final_accounts_done=False)
        | Q(valuation_basis=ValuationBasis.ACTUAL_EXPENDITURE, project__needs_final_accounts=True,
            project__final_accounts_done=True)
    )
    yield from _grouped(_plain(bad_basis), CheckKind.MISSING_VALUATION_BASIS, "", _("original value"),
                        _("No valuation basis, valued by final accounts that are not done, or still valued "
                          "by actual expenditure although the final accounts are done (四(三))."))
    no_region = assets.exclude(region__level__in=[RegionLevel.TOWNSHIP, RegionLevel.VILLAGE])
    yield from _grouped(_plain(no_region), CheckKind.MISSING_REGION, "", _("original value"),
                        _("Located at county level: the asset is in no township or village ledger."))


def _plain(queryset):
    return queryset.values_list("pk", "township_id", "supervising_department_id", "original_value", "original_value")


def _grouped(rows, kind: str, expected_label: str, actual_label: str, detail: str) -> Iterable[Finding]:
    groups: dict[tuple[int | None, int | None], Finding] = {}
    for pk, township_id, department_id, original, other in rows.order_by("pk").iterator(chunk_size=5000):
        finding = groups.get((township_id, department_id))
        if finding is None:
            finding = groups[(township_id, department_id)] = Finding(
                kind, township_id=township_id, department_id=department_id, expected_label=expected_label,
                expected_amount=ZERO if expected_label else None, actual_label=actual_label, actual_amount=ZERO,
                detail=detail,
            )
        finding.asset_count += 1
        if len(finding.asset_ids) < ConsistencyMismatch.MAX_ASSET_IDS:
            finding.asset_ids.append(pk)
        if expected_label:
            finding.expected_amount += money(original)
        finding.actual_amount += money(other)
    yield from groups.values()


CHECKS = [check_township_ledgers, check_department_ledgers, check_township_against_departments,
          check_department_funds, check_assets]


def run_checks(*, trigger: str = CheckTrigger.MANUAL, started_by=None) -> ConsistencyRun:
    """Run every check over the whole register and store the run with its mismatches."""
    run = ConsistencyRun.objects.create(trigger=trigger, started_by=started_by, status=JobStatus.RUNNING)
    assets = Asset.objects.all()
    try:
        with translation.override(settings.LANGUAGE_CODE):  # stored text is in the county's language
            findings = [finding for check in CHECKS for finding in check(assets)]
        totals = {
            row["asset_class"]: {"count": row["n"], "original": str(money(row["original"])),
                                 "net": str(money(row["net"]))}
            for row in assets.values("asset_class").annotate(
                n=Count("pk"), original=Sum("original_value"), net=Sum("net_value")).order_by()
        }
        with transaction.atomic():
            ConsistencyMismatch.objects.bulk_create([finding.to_model(run) for finding in findings], batch_size=500)
            run.asset_count = sum(entry["count"] for entry in totals.values())
            run.totals = totals
            run.mismatch_count = len(findings)
            run.status = JobStatus.DONE
            run.finished_at = timezone.now()
            run.save()
    except Exception as exc:
        run.status = JobStatus.FAILED
        run.error = str(exc)[:1000] or type(exc).__name__
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at", "updated_at"])
        raise
    return run
