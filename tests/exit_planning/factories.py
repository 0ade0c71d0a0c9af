"""Factories of the exit-planning models (the isolation suite builds rows with them)."""

import datetime
from decimal import Decimal

import factory
from django.contrib.contenttypes.models import ContentType

from exit_planning.models import (
    AssetTransfer,
    DataDisposition,
    ExitPlan,
    ExitTrigger,
    KnowledgeTransferItem,
    PlaybookChange,
    PostMortem,
    PostMortemEntry,
    StakeholderNotice,
    WindDownTask,
)
from tests.factories import TenantFactory, same_organization
from tests.partnerships.factories import PartnershipFactory

D = datetime.date


class ExitPlanFactory(TenantFactory):
    class Meta:
        model = ExitPlan

    partnership = same_organization(PartnershipFactory)


class ExitTriggerFactory(TenantFactory):
    class Meta:
        model = ExitTrigger

    plan = same_organization(ExitPlanFactory)
    kind = ExitTrigger.Kind.MARKET_SHIFT
    fired_on = D(2030, 1, 10)
    evidence = "The market for castings moved to additive manufacturing."
    dedupe_key = factory.Sequence(lambda n: f"manual:market_shift:{n}")


class WindDownTaskFactory(TenantFactory):
    class Meta:
        model = WindDownTask

    plan = same_organization(ExitPlanFactory)
    code = factory.Sequence(lambda n: f"task-{n}")
    title = "Give notice of the exit"
    stream = WindDownTask.Stream.NOTICE
    start_on = D(2030, 1, 1)
    due_on = D(2030, 1, 15)


class KnowledgeTransferItemFactory(TenantFactory):
    class Meta:
        model = KnowledgeTransferItem

    plan = same_organization(ExitPlanFactory)
    kind = KnowledgeTransferItem.Kind.DOCUMENT
    title = "Line maintenance handbook"
    holder = "Jonas Weber (Alder)"


class DataDispositionFactory(TenantFactory):
    class Meta:
        model = DataDisposition

    plan = same_organization(ExitPlanFactory)
    data_category = "Customer order history"
    action = DataDisposition.Action.RETURN
    rule = "gdpr"
    deadline = D(2030, 6, 30)
    certificate = factory.django.FileField(filename="certificate.pdf", data=b"%PDF-1.4 destroyed")


class AssetTransferFactory(TenantFactory):
    class Meta:
        model = AssetTransfer

    plan = same_organization(ExitPlanFactory)
    name = "Casting moulds (set of 12)"
    method = AssetTransfer.Method.BOOK_VALUE
    currency = "EUR"
    book_value = Decimal("48000.00")
    value = Decimal("48000.00")


class StakeholderNoticeFactory(TenantFactory):
    class Meta:
        model = StakeholderNotice

    plan = same_organization(ExitPlanFactory)
    stakeholder = "Nordwind Trucks"
    kind = StakeholderNotice.Kind.CUSTOMER
    message = "Deliveries of drive-train castings move to a new supplier from July."


class PostMortemFactory(TenantFactory):
    class Meta:
        model = PostMortem

    plan = same_organization(ExitPlanFactory)


class PostMortemEntryFactory(TenantFactory):
    class Meta:
        model = PostMortemEntry

    post_mortem = same_organization(PostMortemFactory)
    section = PostMortemEntry.Section.RECOMMENDATION
    party = "us"
    text = "Cap liability at twice the annual fees for single-sourced parts."


def _entry_type():
    # Not get_for_model: its cache outlives the content types of a flushed test database.
    return ContentType.objects.get_or_create(app_label="exit_planning", model="postmortementry")[0]


class PlaybookChangeFactory(TenantFactory):
    class Meta:
        model = PlaybookChange

    source_type = factory.LazyFunction(_entry_type)
    source_id = 1
    clause_type = "limitation_of_liability"
    text = "Cap liability at twice the annual fees for single-sourced parts."
