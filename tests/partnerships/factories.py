import factory

from partnerships.models import Partner, Partnership, PartnershipUserObjectPermission
from tests.factories import TenantFactory, same_organization


class PartnerFactory(TenantFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n} Ltd")
    country = "DE"
    tier = Partner.Tier.STRATEGIC


class PartnershipFactory(TenantFactory):
    class Meta:
        model = Partnership

    partner = same_organization(PartnerFactory)
    name = factory.Sequence(lambda n: f"Partnership {n}")
    code = factory.Sequence(lambda n: f"P-{n}")
    status = Partnership.Status.ACTIVE


class PartnershipUserObjectPermissionFactory(TenantFactory):
    class Meta:
        model = PartnershipUserObjectPermission

    content_object = same_organization(PartnershipFactory)
    user = factory.SubFactory("tests.tenancy.factories.UserFactory")
    permission = factory.LazyFunction(
        lambda: __import__(
            "django.contrib.auth.models", fromlist=["Permission"]
        ).Permission.objects.get(codename="view_partnership")
    )
