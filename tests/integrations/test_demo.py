import pytest

from integrations import demo as integrations_demo
from integrations.models import (
    CodeMapping,
    DemandForecast,
    DisasterRecoveryTest,
    Discrepancy,
    EdiDocument,
    EdiFinding,
)
from partnerships.demo import seed_partnerships
from tenancy import demo
from tenancy.context import tenant_scope
from tenancy.models import Notification


@pytest.mark.django_db
def test_the_demo_has_an_order_and_an_invoice_with_one_price_discrepancy_and_is_idempotent():
    tenant = demo.seed_organization("northwind")
    with tenant_scope(tenant.organization):
        seed_partnerships(tenant)
        integrations_demo.seed(tenant)
        integrations_demo.seed(tenant)
        documents = list(EdiDocument.objects.order_by("received_at"))
        assert [(d.doc_type, d.status) for d in documents] == [
            ("order", "accepted"),
            ("invoice", "accepted"),
        ]
        order, invoice = documents
        assert invoice.order_reference == order.document_number
        (finding,) = EdiFinding.objects.filter(document=invoice)
        assert finding.code == "price_differs" and finding.line_number == 2
        assert Notification.objects.filter(recipient=invoice.partnership.owner).count() == 1
        assert invoice.connector_id is not None and order.connector_id == invoice.connector_id
        (discrepancy,) = Discrepancy.objects.all()
        assert (discrepancy.kind, discrepancy.status) == ("price_differs", "disputed")
        kinds = sorted(CodeMapping.objects.values_list("kind", flat=True))
        assert kinds == ["cost_code", "material", "material", "supplier"]
        (forecast,) = DemandForecast.objects.all()
        assert forecast.current_version == 2
        (dr_test,) = DisasterRecoveryTest.objects.all()
        assert dr_test.status == "planned" and dr_test.connector_id is not None
